"""The field types of the payload models: what each text field may hold, under which rules.

Split out of :mod:`.schemas` (which has the models and the entry points; its docstring says
what the two rule sets are). The rules are passed to every validator in pydantic's validation
context (``{"rules": "new" | "stored"}``); without a context the ``"new"`` rules apply.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationInfo

from ..errors import InputError
from ..privacy.personal import refuse_personal_data
from .countries import canonical_country

__all__ = [
    "CODE_PUNCTUATION",
    "Barcode",
    "Code",
    "Country",
    "MatrixSide",
    "Name",
    "Notes",
    "Rules",
    "Runout",
]

#: Which rules a payload is held to: a new event's, or an already signed one's (see schemas).
Rules = Literal["new", "stored"]

#: Besides letters, digits and spaces, the characters catalogue numbers and print types use.
CODE_PUNCTUATION = "-./#&+()':,"
_CODE_MAX = 64
# Letters of any script, ASCII digits, spaces and the punctuation; at least one letter or digit.
_LETTER_OR_DIGIT = r"(?:[^\W\d_]|[0-9])"
_CODE_CHAR = re.compile(rf"[^\W\d_]|[0-9 {re.escape(CODE_PUNCTUATION)}]")
_CODE = re.compile(rf"(?:{_CODE_CHAR.pattern})*{_LETTER_OR_DIGIT}(?:{_CODE_CHAR.pattern})*")
_MATRIX_SIDE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{0,7}$")
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp"})  # control, format, line and paragraph separators
_BARCODE = re.compile(r"^(?:[0-9]{8}|[0-9]{12,14})$")  # GTIN-8, UPC-A, EAN-13, GTIN-14
_BARCODE_STORED = re.compile(r"^[0-9]{8,14}$")


def _new(info: ValidationInfo) -> bool:
    context = info.context
    return context is None or context.get("rules") != "stored"


def _country(value: str, info: ValidationInfo) -> str:
    if _new(info):
        return canonical_country(value)  # the vocabulary holds no personal data
    return refuse_personal_data(value)


def _code(value: str, info: ValidationInfo) -> str:
    if not _new(info):
        return refuse_personal_data(value)
    text = (value if value.isascii() else unicodedata.normalize("NFKC", value)).strip()
    if not _CODE.fullmatch(text):
        bad = sorted({ch for ch in text if not _CODE_CHAR.fullmatch(ch)})
        if not bad:
            raise InputError("needs at least one letter or digit")
        shown = "".join(bad) if all(ch.isprintable() for ch in bad) else repr("".join(bad))
        raise InputError(
            f"may hold only letters, digits, spaces and {' '.join(CODE_PUNCTUATION)}, not {shown}"
        )
    if len(text) > _CODE_MAX:
        raise InputError(f"at most {_CODE_MAX} characters")
    return refuse_personal_data(text)


def _runout(value: str, info: ValidationInfo) -> str:
    if _new(info):
        value = value.strip()
        if not value:
            raise InputError("is empty")
        if value.isascii():
            hidden = _ASCII_CONTROL.search(value) is not None
        else:
            hidden = any(unicodedata.category(ch) in _HIDDEN for ch in value)
        if hidden:
            raise InputError("holds a control or invisible character")
    return refuse_personal_data(value)


def _side(value: str, info: ValidationInfo) -> str:
    if _new(info) and not _MATRIX_SIDE.match(value):
        raise InputError(f"matrix side {value!r} must be a short label like A, B or A1")
    return value


def _barcode(value: str, info: ValidationInfo) -> str:
    if not _new(info):
        if not _BARCODE_STORED.match(value):
            raise InputError("must be 8-14 digits")
        return refuse_personal_data(value)
    digits = value.replace(" ", "").replace("-", "")
    if not _BARCODE.match(digits):
        raise InputError("is not an EAN/UPC barcode: 8, 12, 13 or 14 digits")
    # Kept as printed, check digit and all: a misprinted barcode is evidence of a pressing.
    return refuse_personal_data(digits)


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(refuse_personal_data)]
Notes = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(refuse_personal_data)]
Code = Annotated[str, Field(min_length=1, max_length=_CODE_MAX), AfterValidator(_code)]
Country = Annotated[str, Field(min_length=2, max_length=64), AfterValidator(_country)]
MatrixSide = Annotated[str, Field(min_length=1, max_length=8), AfterValidator(_side)]
Runout = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_runout)]
Barcode = Annotated[str, Field(min_length=8, max_length=20), AfterValidator(_barcode)]
