"""The personal-data screen: e-mail addresses and phone numbers in their disguises are found,
and catalogue text (numbers, runouts, years, barcodes, timestamps) is left alone."""

from __future__ import annotations

import time

import pytest

from provenance.errors import InputError
from provenance.privacy.personal import find_personal_data, fold, is_gtin, refuse_personal_data

EMAIL = "an e-mail address"
PHONE = "a phone number"

#: (text, what the screen must find: None for catalogue text)
CASES: list[tuple[str, str | None]] = [
    # e-mail addresses, plain and disguised
    ("write to jane.doe+records@example.co.uk", EMAIL),
    ("jane dot doe at example dot com", EMAIL),
    ("JANE AT EXAMPLE DOT COM", EMAIL),
    ("jane at example.com", EMAIL),
    ("jane [at] example [dot] com", EMAIL),
    ("jane(at)example(dot)com", EMAIL),
    ("jane {at} example.com", EMAIL),
    ("jane <at> example.de", EMAIL),
    ("jane @ example . com", EMAIL),
    ("jane@example dot com", EMAIL),
    ("jane＠example．com", EMAIL),  # full-width at and full stop
    ("ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", EMAIL),
    ("jane﹫example。com", EMAIL),  # small commercial at, ideographic full stop
    ("jane@exa\u200bmple.com", EMAIL),  # a zero-width space inside
    ("jаne@exаmple.com", EMAIL),  # Cyrillic а look-alikes
    # phone numbers
    ("call +44 20 7946 0958", PHONE),
    ("+44 (0) 20 7946 0958", PHONE),
    ("+447946095800", PHONE),
    ("+1 555 0100", PHONE),
    ("phone 0049 30 1234567", PHONE),
    ("0044 20 7946 0958", PHONE),
    ("004420794609581", PHONE),  # bare, but 00 and a country code
    ("(555) 123-4567 after six", PHONE),
    ("555.123.4567", PHONE),
    ("555/123/4567", PHONE),
    ("555_123_4567", PHONE),
    ("1-555-123-4567", PHONE),
    ("+44_20_7946_0958", PHONE),
    ("020/7946/0958", PHONE),
    ("030 1234567", PHONE),
    ("030/1234567", PHONE),
    ("tel: 0171-123-4567", PHONE),
    ("O2O 7946 O958", PHONE),  # the letter O for zero
    ("o2o 7946 o958", PHONE),
    ("+44 2O 7946 O958", PHONE),
    ("０２０ ７９４６ ０９５８", PHONE),  # full-width digits
    ("912 345 678", PHONE),
    ("06 12 34 56 78", PHONE),
    # catalogue text
    ("BLP 1577", None),
    ("ST-A-1234", None),
    ("XXLP 12/34", None),
    ("BN-LP-1577-A  RVG  ear", None),
    ("A1 / B1", None),
    ("1957", None),
    ("1972-1975", None),
    ("pressed 1957-1962", None),
    ("1957 1962 1975", None),  # a list of years
    ("matrix XZAL-1234-1A", None),
    ("33 1/3 rpm, 180 g", None),
    ("1733097600", None),  # a Unix time
    ("4006381333931", None),  # an EAN-13
    ("0075678164224", None),  # a UPC-A written as EAN-13: 00, but a valid GTIN
    ("0 74646 93872 0", None),  # a UPC-A as printed under the bars
    ("5 099902 987224", None),  # an EAN-13 as printed
    ("00289 477 5389", None),  # Deutsche Grammophon: 00, but zone 28 is spare
    ("SLPM 138 001 - 138 004", None),  # a box set's range
    ("138 001/004", None),
    ("cat. 2707 123 / 2707 124", None),
    ("SHVL 804 A-4U 1 2 2 3", None),
    ("YEX 773-2 1 1 1", None),
    ("XYZ523 456 7890", None),  # digits glued to letters belong to the letters
    ("ISBN 978-0-14-303943-3", None),
    ("STERLING ▽ 17539", None),
    ("Live at Leeds", None),
    ("Live at Leeds.Remastered 2001", None),  # not a top-level domain
    ("Pressed at EMI. UK first press", None),
    ("Live @ Budokan. Japanese pressing", None),
    ("polka dot sleeve, signed at the shop", None),
    ("Côte d'Ivoire", None),
    ("b/w reduction print", None),
    ("Kodak 2383 LPP", None),
]


@pytest.mark.parametrize(("text", "found"), CASES)
def test_the_screen(text: str, found: str | None) -> None:
    assert find_personal_data(text) == found


def test_enough_cases_both_ways() -> None:
    assert sum(f is None for _, f in CASES) >= 20
    assert sum(f is not None for _, f in CASES) >= 20


@pytest.mark.parametrize(("text", "found"), [c for c in CASES if c[1] is not None])
def test_refusal_says_what_it_saw(text: str, found: str) -> None:
    with pytest.raises(InputError, match=f"looks like {found}; personal data never goes"):
        refuse_personal_data(text)


def test_accepted_text_comes_back_unchanged() -> None:
    text = "ＢＬＰ １５７７"
    assert refuse_personal_data(text) == text  # the screen looks at a folded copy only
    assert fold(text) == "BLP 1577"


def test_fold() -> None:
    assert fold("a\u00adb\u200c\u2060c") == "abc"  # soft hyphen, zero-width non-joiner, joiner
    assert fold("１２３٤٥") == "12345"  # full-width and Arabic-Indic digits
    assert fold("1–2—3−4") == "1-2-3-4"
    assert fold("plain ascii") == "plain ascii"


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("4006381333931", True),
        ("036000291452", True),  # UPC-A
        ("96385074", True),  # EAN-8
        ("10012345678902", True),  # GTIN-14
        ("4006381333932", False),  # wrong check digit
        ("400638133393", False),
        ("123456789", False),  # no GTIN has 9 digits
        ("40063813339a", False),
        ("４００６３８１３３３９３１", False),  # full-width digits are not a barcode
    ],
)
def test_gtin(digits: str, valid: bool) -> None:
    assert is_gtin(digits) is valid


@pytest.mark.parametrize(
    "text",
    [
        "a at " * 400,
        "1 " * 1000,
        "1-" * 1000,
        "a.a@" * 500,
        "(0)" * 666,
        "O1" * 1000,
        ("x at " + "a." * 30) * 20,
    ],
)
def test_the_screen_stays_fast_on_hostile_text(text: str) -> None:
    start = time.perf_counter()
    find_personal_data(text[:2000])
    assert time.perf_counter() - start < 0.05  # linear: well under a millisecond here
