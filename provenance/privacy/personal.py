"""Recognising personal data in text: what is shaped like an e-mail address or a phone number.

Events are public and permanent, so every text field of every payload is screened before it is
signed (and again by the audit). The screen looks at a *folded* copy of the text, never
changing what is stored:

1. Unicode NFKC (UAX #15), so full-width and other compatibility forms read as ASCII
   (``＠`` → ``@``, ``１`` → ``1``); format characters (category Cf: zero-width spaces and
   joiners, soft hyphens) are dropped, and a few look-alikes NFKC keeps are mapped (the
   ideographic full stop, dashes, the division slash, any script's decimal digits).
2. E-mail: ``local@domain.tld``, also with the at and the dots spelled out or bracketed
   (``jane dot doe at example dot com``, ``jane [at] example (dot) com``, ``jane {at}
   example.com``, ``jane @ example . com``). A bare `` at `` between words is common prose
   ("Live at Leeds"), so with it the domain must end in a real top-level domain: any two
   letters (the country domains) or one of :data:`GENERIC_TLDS`.
3. Phone: inside runs of digits the letter O stands for zero (``O2O 7946 O958``). A run of
   digits and separators (space, ``. - / _ ( )``) is a phone number when it is shaped like
   one: ``+`` or ``00`` and an ITU-T E.164 country code then 8-15 digits, a North American
   ``(555) 123-4567`` shape, a national number with its trunk ``0`` (``020 7946 0958``,
   ``030/1234567``) of 9-12 digits, or three or more groups of 2-4 digits (``912 345 678``).
   A bare run of digits is *not* a phone number (a Unix time ``1733097600``, a barcode)
   unless it starts with ``+`` or ``00`` and a country code; a valid GTIN (EAN/UPC, check
   digit and all) is a barcode, whether bare or printed in its usual groups. Lists of years
   (``1957 1962 1975``) and ranges (``138 001 - 138 004``) are catalogue text, not numbers.

Known limits, by design: a 00-prefixed run that happens to carry a valid GTIN check digit
(one in ten) reads as a barcode; a local number of fewer than 9 digits with no trunk zero
(``555 1234``) passes, as it did before; spelled-out digits ("five five five") pass.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final, Literal

from ..errors import InputError

__all__ = [
    "GENERIC_TLDS",
    "PersonalData",
    "find_personal_data",
    "fold",
    "is_gtin",
    "refuse_personal_data",
]

PersonalData = Literal["an e-mail address", "a phone number"]

#: Generic top-level domains a disguised address (``jane at example.com``) is believed to end
#: in; two-letter (country) domains always count. The common ones from IANA's root zone list.
GENERIC_TLDS: Final = frozenset(
    {
        "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "name", "pro", "mobi",
        "app", "dev", "xyz", "online", "site", "shop", "store", "email", "mail", "music",
        "blog", "cloud", "tech", "asia", "eu", "cat", "coop", "aero", "museum",
    }
)  # fmt: skip

# -- folding -----------------------------------------------------------------------------

# Characters NFKC leaves alone that read as a dot, a dash or a slash.
_LOOKALIKES: Final = str.maketrans(
    {
        "\u3002": ".",  # ideographic full stop
        "\u2010": "-",
        "\u2012": "-",
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2015": "-",
        "\u2212": "-",  # minus sign
        "\u2215": "/",  # division slash
        "\t": " ",
    }
)


def fold(text: str) -> str:
    """The screened form of ``text``: NFKC, format characters dropped, look-alikes mapped,
    every decimal digit as ASCII. Only ever used to look at; nothing stores it."""
    if text.isascii():  # ASCII is its own NFKC form; of the look-alikes only a tab can occur
        return text.replace("\t", " ") if "\t" in text else text
    folded = unicodedata.normalize("NFKC", text).translate(_LOOKALIKES)
    return "".join(_fold_char(ch) for ch in folded if unicodedata.category(ch) != "Cf")


def _fold_char(ch: str) -> str:
    if ch.isascii() or not ch.isdecimal():
        return ch
    return str(unicodedata.decimal(ch))


# -- e-mail ------------------------------------------------------------------------------

_OPEN = r"[\[({<]"
_CLOSE = r"[\])}>]"
# A real or bracketed at is strong evidence; " at " between words is not.
_AT_STRONG = rf"(?:\s*@\s*|\s*{_OPEN}\s*(?:at|@)\s*{_CLOSE}\s*)"
_AT_WEAK = r"\s+at\s+"
_DOT_SPELLED = rf"(?:\s*{_OPEN}\s*(?:dot|\.)\s*{_CLOSE}\s*|\s+dot\s+)"
_DOT_TIGHT = rf"(?:\.|{_DOT_SPELLED})"
_DOT_LOOSE = rf"(?:\.|\s+\.\s+|{_DOT_SPELLED})"  # "example . com", never "Leeds. Japan"
_LABEL = r"[^\W_](?:[\w-]{0,62})"
_TLD = r"(?P<tld>[^\W\d_]{2,63})(?![\w-])"


def _email(at: str, dot: str) -> re.Pattern[str]:
    domain = rf"{_LABEL}(?:{dot}{_LABEL}){{0,8}}{dot}{_TLD}"
    return re.compile(rf"[\w+.-]{at}{domain}", re.IGNORECASE)


_EMAIL_STRONG: Final = _email(_AT_STRONG, _DOT_LOOSE)
_EMAIL_WEAK: Final = _email(_AT_WEAK, _DOT_TIGHT)
_AT_HINT: Final = re.compile(r"@|\bat\b", re.IGNORECASE)


def _has_email(text: str) -> bool:
    if "@" not in text and not _AT_HINT.search(text):
        return False
    if _EMAIL_STRONG.search(text):
        return True
    return any(
        len(tld := m.group("tld").lower()) == 2 or tld in GENERIC_TLDS
        for m in _EMAIL_WEAK.finditer(text)
    )


# -- phone -------------------------------------------------------------------------------

_O_IN_DIGITS: Final = re.compile(r"(?<![^\W\d_])[0-9Oo]*[0-9][0-9Oo]*(?![^\W\d_])")
_A_DIGIT: Final = re.compile(r"[0-9]")
# A run of digits and separators, with a leading + and an opening parenthesis allowed.
_RUN: Final = re.compile(r"(?:\+ ?)?\(?\d(?:[ ()./_-]{0,3}\d)*")
_GROUP: Final = re.compile(r"\d+")
_MIN_PHONE_DIGITS = 8  # +1 555 0100; nothing shorter is screened
_E164_MAX = 15  # ITU-T E.164 §6: at most 15 digits after the international prefix
_YEARS = range(1877, 2101)  # as in the schemas: Edison's phonograph to 2100

# ITU-T E.164 assigned country codes (Operational Bulletin list): the one-digit zones 1 and 7,
# the two-digit codes, and the two-digit prefixes of the three-digit codes. Zone 28x, 83x and
# 89x are spare, so "00289 477 5389" (a Deutsche Grammophon catalogue number) dials nowhere.
_CC_TWO: Final = frozenset(
    {
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45",
        "46", "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61",
        "62", "63", "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94",
        "95", "98",
    }
)  # fmt: skip
_CC_THREE_PREFIX: Final = frozenset(
    {
        "21", "22", "23", "24", "25", "26", "29", "35", "37", "38", "42", "50", "59", "67",
        "68", "69", "80", "85", "87", "88", "96", "97", "99",
    }
)  # fmt: skip


def _country_code(digits: str) -> bool:
    return digits[:1] in ("1", "7") or digits[:2] in _CC_TWO or digits[:2] in _CC_THREE_PREFIX


def is_gtin(digits: str) -> bool:
    """Whether ``digits`` is a GTIN-8, -12 (UPC-A), -13 (EAN) or -14 with a valid GS1 check
    digit (GS1 General Specifications §7.9: weights 3 and 1 from the right)."""
    if len(digits) not in (8, 12, 13, 14) or not digits.isascii() or not digits.isdigit():
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


# How barcodes are printed under the bars: UPC-A 1-5-5-1, EAN-13 1-6-6.
_BARCODE_GROUPS: Final = {(1, 5, 5, 1), (1, 6, 6), (6, 6)}


def _phone_shaped(run: str, *, glued_before: bool, glued_after: bool) -> bool:
    groups = _GROUP.findall(run)
    seps = re.split(r"\d+", run)[1:-1]
    # A group glued to a letter belongs to that token ("XYZ523", the stamper code "1A").
    if glued_after and groups:
        groups, seps = groups[:-1], seps[:-1]
    plus = run.startswith("+")
    if glued_before and not plus and groups:
        groups, seps = groups[1:], seps[1:]
    digits = "".join(groups)
    if len(digits) < _MIN_PHONE_DIGITS:
        return False
    if plus:
        return len(digits) <= _E164_MAX and _country_code(digits)
    if digits.startswith("00"):
        rest = digits[2:]
        if 8 <= len(rest) <= _E164_MAX and _country_code(rest):
            return not (len(groups) == 1 and is_gtin(digits))
        return False
    if len(groups) < 2 or _catalogue_like(groups, seps, digits):
        return False
    sizes = [len(g) for g in groups]
    body = sizes[1:] if sizes[0] == 1 and groups[0] == "1" else sizes  # the NANP trunk 1
    if body == [3, 3, 4] and groups[-3][0] in "23456789":
        return True  # (555) 123-4567, 555.123.4567, 1-555-123-4567
    if groups[0].startswith("0") and 9 <= len(digits) <= 12 and min(sizes[1:]) >= 2:
        return True  # a national number with its trunk zero: 020 7946 0958, 030/1234567
    return (
        len(groups) >= 3
        and 9 <= len(digits) <= 12
        and all(2 <= s <= 4 for s in sizes)
        and not any("/" in s for s in seps)
    )  # 912 345 678, 12 34 56 78 90 (slashes here are more often ranges: 138 001/004)


def _catalogue_like(groups: list[str], seps: list[str], digits: str) -> bool:
    if all(len(g) == 4 and int(g) in _YEARS for g in groups):
        return True  # 1957 1962 1975
    dashes = [i for i, s in enumerate(seps) if s.strip() == "-"]
    if len(dashes) == 1:
        cut = dashes[0] + 1
        if [len(g) for g in groups[:cut]] == [len(g) for g in groups[cut:]]:
            return True  # a range: 138 001 - 138 004
    return tuple(len(g) for g in groups) in _BARCODE_GROUPS and is_gtin(digits)


_ENOUGH_DIGITS: Final = re.compile(rf"(?:[^0-9]*[0-9]){{{_MIN_PHONE_DIGITS}}}")


def _has_phone(text: str) -> bool:
    if not _A_DIGIT.search(text):
        return False
    if "o" in text or "O" in text:
        text = _O_IN_DIGITS.sub(lambda m: m.group(0).replace("O", "0").replace("o", "0"), text)
    if not _ENOUGH_DIGITS.match(text):
        return False
    for m in _RUN.finditer(text):
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        if _phone_shaped(m.group(0), glued_before=before.isalpha(), glued_after=after.isalpha()):
            return True
    return False


# -- the screen --------------------------------------------------------------------------


def find_personal_data(text: str) -> PersonalData | None:
    """What personal data ``text`` looks like it carries, or ``None``."""
    # Every payload's every text field comes through here: the cheap tests go first.
    folded = text if text.isascii() and "\t" not in text else fold(text)
    if ("@" in folded or _AT_HINT.search(folded)) and _has_email(folded):
        return "an e-mail address"
    if _A_DIGIT.search(folded) and _has_phone(folded):
        return "a phone number"
    return None


def refuse_personal_data(text: str) -> str:
    """Return ``text`` unchanged, or raise :class:`InputError` if it looks like it carries an
    e-mail address or a phone number."""
    found = find_personal_data(text)
    if found is not None:
        raise InputError(f"looks like {found}; personal data never goes in an event")
    return text
