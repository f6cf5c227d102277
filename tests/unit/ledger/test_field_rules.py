"""Field rules, table-driven: every text field of every payload refuses e-mail addresses and
phone numbers (in their disguises) and keeps catalogue text; structured fields hold only what
they are for (the country vocabulary, catalogue characters, GTIN barcodes); and events written
under the earlier, looser rules still pass the audit's ``stored`` rules."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from provenance.errors import InputError
from provenance.ledger.schemas import Rules, validate_new_registration, validate_payload

from ...samples import FILM, FILM_GRADE, VINYL, VINYL_GRADE

H32 = "cd" * 16
#: A record whose side B is a structured runout (side A stays plain text).
RUNOUTS = {**VINYL, "matrix": {"A": "BN-LP-1577-A", "B": {"text": "BN-LP-1577-B", "plant": "MR"}}}

#: (event type, a valid payload, where the text goes, the error's field name, kind)
FIELDS: list[tuple[str, dict[str, Any], tuple[str, ...], str | None]] = [
    ("register", VINYL, ("title",), None),
    ("register", VINYL, ("artist",), None),
    ("register", VINYL, ("label",), None),
    ("register", VINYL, ("catalog_number",), None),
    ("register", VINYL, ("matrix", "A"), None),
    ("register", RUNOUTS, ("matrix", "B", "text"), None),
    ("register", RUNOUTS, ("matrix", "B", "engineer"), None),
    ("register", RUNOUTS, ("matrix", "B", "plant"), None),
    ("register", VINYL, ("country",), None),
    ("register", VINYL, ("edition",), None),
    ("register", FILM, ("title",), None),
    ("register", FILM, ("director",), None),
    ("register", FILM, ("studio",), None),
    ("register", FILM, ("print_type",), None),
    ("grade", VINYL_GRADE, ("notes",), "vinyl"),
    ("grade", FILM_GRADE, ("notes",), "film"),
    ("status", {"status": "stolen"}, ("note",), "vinyl"),
    ("note", {"text": "x"}, ("text",), "vinyl"),
    ("correct", {"supersedes": 1, "reason": "x"}, ("reason",), "vinyl"),
    ("key", {"action": "revoke", "key": H32}, ("reason",), None),
]
FIELD_IDS = [f"{etype}.{'.'.join(path)}" for etype, _, path, _ in FIELDS]
STRUCTURED = {"catalog_number", "print_type"}

PERSONAL = [
    "jane.doe+records@example.co.uk",
    "jane dot doe at example dot com",
    "jane [at] example [dot] com",
    "jane(at)example(dot)com",
    "jane {at} example.com",
    "jane＠example．com",
    "jane at example.com",
    "+44 20 7946 0958",
    "0044 20 7946 0958",
    "(555) 123-4567",
    "555/123/4567",
    "555_123_4567",
    "020 7946 0958",
    "O2O 7946 O958",
]

#: Catalogue text every text field must take (catalogue numbers and print types included).
CATALOGUE = [
    "BLP 1577",
    "ST-A-1234",
    "XXLP 12/34",
    "A1 / B1",
    "1957",
    "1972-1975",
    "1733097600",
    "4006381333931",
    "SLPM 138 001 - 138 004",
    "00289 477 5389",
    "T 2458",
    "b/w reduction print",
    "IB Technicolor (1954)",
    "RLP 12-200",
    "A&M SP-4000",
    "Rock'n'Roll #1",
]

#: Runout text: matrix and free-text fields take it (catalogue numbers need not).
RUNOUT = [
    "BN-LP-1577-A  RVG  ear",
    "STERLING ▽ 17539",
    "XZAL-1234-1A  PORKY PRIME CUT",
    "YEX 773-2 1 1 1 @ 33",
]


def _put(base: dict[str, Any], path: tuple[str, ...], value: str) -> dict[str, Any]:
    data = copy.deepcopy(base)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


def _get(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def _where(path: tuple[str, ...]) -> str:
    """The field as the error names it: a side is read as text or as a structured runout
    (``matrix.A.text``, ``matrix.B.side.engineer``)."""
    if path[0] == "matrix":
        return f"matrix.{path[1]}.text" if len(path) == 2 else f"matrix.{path[1]}.side.{path[2]}"
    return ".".join(path)


@pytest.mark.parametrize("rules", ["new", "stored"])
@pytest.mark.parametrize("text", PERSONAL)
@pytest.mark.parametrize(("etype", "base", "path", "kind"), FIELDS, ids=FIELD_IDS)
def test_personal_data_is_refused_in_every_field(
    etype: str,
    base: dict[str, Any],
    path: tuple[str, ...],
    kind: str | None,
    text: str,
    rules: Rules,
) -> None:
    field = _where(path)
    if rules == "new" and path == ("country",):
        reason = "not a country or region in the vocabulary"
    elif rules == "new" and field in STRUCTURED:
        # Either the characters give it away (@, _) or the screen does.
        reason = "(may hold only letters|looks like (an e-mail address|a phone number))"
    else:
        reason = "looks like (an e-mail address|a phone number); personal data never goes"
    with pytest.raises(InputError, match=rf"invalid {etype} data: {field}: {reason}"):
        validate_payload(etype, _put(base, path, text), kind=kind, rules=rules)


def _kept_cases() -> list[Any]:
    """Every field and rule set with the catalogue text it must keep (a country takes only the
    vocabulary, and catalogue numbers and print types no runout symbols, under the new rules)."""
    cases = []
    for etype, base, path, kind in FIELDS:
        if path == ("country",):
            continue
        for rules in ("new", "stored"):
            structured = rules == "new" and _where(path) in STRUCTURED
            for text in CATALOGUE if structured else CATALOGUE + RUNOUT:
                field_id = f"{etype}.{_where(path)}-{rules}-{text}"
                cases.append(pytest.param(etype, base, path, kind, text, rules, id=field_id))
    return cases


@pytest.mark.parametrize(("etype", "base", "path", "kind", "text", "rules"), _kept_cases())
def test_catalogue_text_is_kept_in_every_field(
    etype: str,
    base: dict[str, Any],
    path: tuple[str, ...],
    kind: str | None,
    text: str,
    rules: Rules,
) -> None:
    out = validate_payload(etype, _put(base, path, text), kind=kind, rules=rules)
    assert _get(out, path) == text  # kept as typed


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("US", "US"),
        ("us", "US"),
        (" gb ", "GB"),
        ("UK", "UK"),
        ("United Kingdom", "United Kingdom"),
        ("united  kingdom", "United Kingdom"),
        ("U.S.A.", "USA"),
        ("Europe", "Europe"),
        ("worldwide", "Worldwide"),
        ("USSR", "USSR"),
        ("Yugoslavia", "Yugoslavia"),
        ("west germany", "West Germany"),
        ("East Germany", "East Germany"),
        ("Czechoslovakia", "Czechoslovakia"),
        ("Scandinavia", "Scandinavia"),
        ("benelux", "Benelux"),
        ("UK and Europe", "UK & Europe"),
        ("cote d'ivoire", "Côte d'Ivoire"),
        ("the Netherlands", "Netherlands"),
        ("Japan", "Japan"),
        ("ＪＰ", "JP"),  # full width
    ],
)
def test_country_vocabulary(typed: str, stored: str) -> None:
    out = validate_payload("register", {**VINYL, "country": typed}, kind=None)
    assert out["country"] == stored
    # What the writer stores, the audit's rules accept unchanged.
    assert validate_payload("register", out, kind=None, rules="stored") == out


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Narnia", r"country: not a country or region in the vocabulary: give an ISO 3166"),
        ("Made in Japan", r"country: not a country or region"),
        ("Germny", r"country: not a country .* \(did you mean 'Germany'\?\)"),
        ("X", r"country: String should have at least 2 characters"),
    ],
)
def test_country_outside_the_vocabulary(typed: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        validate_payload("register", {**VINYL, "country": typed}, kind=None)


@pytest.mark.parametrize(
    ("field", "typed", "stored"),
    [
        ("catalog_number", "ＢＬＰ １５７７", "BLP 1577"),  # NFKC
        ("catalog_number", "  BLP 1577 ", "BLP 1577"),
        ("catalog_number", "С60-05627", "С60-05627"),  # Melodiya, Cyrillic letters
        ("print_type", "Kodak 2383 LPP", "Kodak 2383 LPP"),
        ("print_type", "b/w reduction print", "b/w reduction print"),
    ],
)
def test_codes_normal_form(field: str, typed: str, stored: str) -> None:
    base = FILM if field == "print_type" else VINYL
    out = validate_payload("register", {**base, field: typed}, kind=None)
    assert out[field] == stored
    assert validate_payload("register", out, kind=None) == out  # idempotent


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("catalog_number", "BLP@1577", r"catalog_number: may hold only letters, digits, spaces"),
        ("catalog_number", "BLP_1577", r"catalog_number: may hold only .*, not _"),
        ("catalog_number", "BLP;1577", r"catalog_number: may hold only .*, not ;"),
        ("catalog_number", "BLP\n1577", r"catalog_number: may hold only .*, not '\\n'"),
        ("catalog_number", "---", r"catalog_number: needs at least one letter or digit"),
        ("catalog_number", "X" * 65, r"catalog_number: String should have at most 64"),
        ("catalog_number", "㍻" * 40, r"catalog_number: at most 64 characters"),
        ("print_type", "IB Technicolor™!", r"print_type: may hold only .*, not !"),
    ],
)
def test_codes_refused(field: str, typed: str, message: str) -> None:
    base = FILM if field == "print_type" else VINYL
    with pytest.raises(InputError, match=message):
        validate_payload("register", {**base, field: typed}, kind=None)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("4006381333931", "4006381333931"),  # EAN-13
        ("036000291452", "036000291452"),  # UPC-A
        ("0 36000 29145 2", "036000291452"),  # as printed
        ("96385074", "96385074"),  # EAN-8
        ("10012345678902", "10012345678902"),  # GTIN-14
        ("400-6381-333931", "4006381333931"),
        ("4006381333932", "4006381333932"),  # a misprinted check digit is kept as printed
        ("0075678164224", "0075678164224"),  # 00, but a GTIN: not a phone number
    ],
)
def test_barcodes(typed: str, stored: str) -> None:
    assert validate_payload("register", {**VINYL, "barcode": typed}, kind=None)["barcode"] == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("123456789", r"barcode: is not an EAN/UPC barcode: 8, 12, 13 or 14 digits"),
        ("12345678901", r"barcode: is not an EAN/UPC barcode"),
        ("+4420794609", r"barcode: is not an EAN/UPC barcode"),
        ("1234567", r"barcode: String should have at least 8"),
        ("0044207946095", r"barcode: looks like a phone number"),  # 00 44..., not a GTIN
    ],
)
def test_barcodes_refused(typed: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        validate_payload("register", {**VINYL, "barcode": typed}, kind=None)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ({"A@": "X"}, r"matrix\.A@\.\[key\]: matrix side 'A@' must be a short label like A"),
        ({"-A": "X"}, r"matrix\.-A\.\[key\]: matrix side '-A' must be a short label"),
        ({"A": "   "}, r"matrix\.A\.text: is empty"),
        ({"A": "BN-LP\x00-1577"}, r"matrix\.A\.text: holds a control or invisible character"),
        ({"A": "BN\u200b-LP"}, r"matrix\.A\.text: holds a control or invisible character"),
    ],
)
def test_matrix_refused(matrix: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        validate_payload("register", {**VINYL, "matrix": matrix}, kind=None)


# -- events written before these rules ------------------------------------------------------

#: Payloads the earlier rules accepted and real shops may have signed: the audit keeps them.
OLD_PAYLOADS = [
    {**VINYL, "country": "Made in Japan"},
    {**VINYL, "country": "u.s.a."},
    {**VINYL, "catalog_number": "BLP 1577 [mono]"},
    {**VINYL, "catalog_number": "CAT_01; reissue"},
    {**VINYL, "barcode": "123456789"},  # no EAN/UPC has 9 digits
    {**VINYL, "matrix": {"a/b": "BN-LP-1577-A\tRVG"}},
    {**FILM, "print_type": "IB Technicolor™ — faded!"},
    {**VINYL, "edition": "first press, numbered 1733097600"},  # refused as a phone before
]


@pytest.mark.parametrize("payload", OLD_PAYLOADS)
def test_old_payloads_still_pass_the_stored_rules(payload: dict[str, Any]) -> None:
    out = validate_payload("register", payload, kind=None, rules="stored")
    assert out == {**payload, "photos": []}  # in normal form, as the audit demands


@pytest.mark.parametrize(
    ("field", "text", "found"),
    [
        ("catalog_number", "call 0044 20 7946 0958", "a phone number"),
        ("country", "jane@example.com", "an e-mail address"),
        ("print_type", "ask jane at example.com", "an e-mail address"),
        ("barcode", "00447946095800", "a phone number"),
    ],
)
def test_old_payloads_with_personal_data_fail_the_stored_rules(
    field: str, text: str, found: str
) -> None:
    base = FILM if field == "print_type" else VINYL
    with pytest.raises(InputError, match=rf"{field}: looks like {found}"):
        validate_payload("register", {**base, field: text}, kind=None, rules="stored")


@pytest.mark.parametrize("payload", [VINYL, FILM])
def test_new_registration_names_fields(payload: dict[str, Any]) -> None:
    assert validate_new_registration(payload) == {**payload, "photos": []}
    with pytest.raises(
        InputError, match=r"^title: looks like an e-mail .*; country: not a country"
    ):
        validate_new_registration({**VINYL, "country": "Narnia", "title": "jane@example.com"})
    with pytest.raises(InputError, match=r"^kind: must be one of vinyl, film$"):
        validate_new_registration({"kind": "tape", "title": "T"})
    with pytest.raises(InputError, match=r"^register data must be an object$"):
        validate_new_registration(["kind", "vinyl"])
