"""Payload models for each event type, validated with pydantic before anything is signed.

Every model forbids unknown fields and is frozen. ``validate_payload`` is the single entry point
used by the ledger on write and by the audit on read. Events are public and permanent (see
docs/ARCHITECTURE.md, Privacy), so every text field of every payload, structured or free, is
screened for anything shaped like an e-mail address or a phone number
(:mod:`provenance.privacy.personal`), on write and on audit alike.

Two sets of rules, chosen with ``rules=``:

* ``"new"`` (the default): what a new event may carry. Structured fields hold only what they
  are for: ``country`` is an entry of the country vocabulary (:mod:`.countries`) in its own
  spelling; ``catalog_number`` and ``print_type`` hold letters, digits, spaces and
  ``- . / # & + ( ) ' : ,`` (NFKC-normalised, so full-width forms become ASCII), at most 64
  characters; a barcode has the 8, 12, 13 or 14 digits of an EAN/UPC (spaces and hyphens
  dropped; the check digit is not enforced, as a misprint is part of a pressing); matrix
  sides are short letter/digit labels and runout text has no control or format characters.
  The field types are in :mod:`._fields`.
* ``"stored"``: what an event already in the log is held to by the audit and the verifier:
  the shapes every earlier version accepted (a country or catalogue number of any text of the
  allowed length), with the personal-data screen, and nothing normalised (the audit checks
  that a stored payload is in its normal form). So an event written before these rules still
  verifies unless it really carries personal data, which the audit then reports.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    ValidationError,
    model_validator,
)
from pydantic import Tag as FormTag

from ..errors import InputError
from ..vocab import EventType, KeyAction, Role, StatusValue
from ._fields import (
    CODE_PUNCTUATION,
    Barcode,
    Code,
    Country,
    MatrixSide,
    Name,
    Notes,
    Rules,
    Runout,
)
from .grading import (
    Fading,
    FilmGauge,
    Goldmine,
    GradingMethod,
    ItemKind,
    Scratches,
    SleeveGrade,
    Soundtrack,
    StripLevel,
)

__all__ = [
    "CODE_PUNCTUATION",
    "EventType",
    "FilmGrade",
    "FilmRegister",
    "KeyAction",
    "Price",
    "Role",
    "Rules",
    "RunoutMade",
    "RunoutSide",
    "StatusValue",
    "VinylGrade",
    "VinylRegister",
    "payload_errors",
    "validate_correction",
    "validate_new_registration",
    "validate_payload",
    "validate_price",
]

_HEX64 = r"^[0-9a-f]{64}$"
_HEX32 = r"^[0-9a-f]{32}$"
_VALUE_ERROR = "Value error, "  # how pydantic prefixes a validator's ValueError
Sha256 = Annotated[str, Field(pattern=_HEX64)]
Photos = Annotated[list[Sha256], Field(max_length=20)]
Year = Annotated[int, Field(ge=1877, le=2100)]  # 1877: Edison's phonograph
# A Discogs release id (https://www.discogs.com/release/{id}): a positive integer, at most
# the largest one JSON carries exactly (RFC 7493 §2.2).
DiscogsRelease = Annotated[int, Field(ge=1, le=2**53 - 1)]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class RunoutMade(StrEnum):
    """How a side's runout inscription was made: stamped (from the metal parts), hand-etched
    into the lacquer, or both on one side."""

    STAMPED = "stamped"
    ETCHED = "etched"
    MIXED = "mixed"


class RunoutSide(_Payload):
    """One side's runout as collectors read it: the matrix text, how it was made, the
    mastering engineer's and the plant's marks, other symbols, and a photo of it (one of the
    event's ``photos``). A side given as plain text (``{"A": "XZAL-1234-1A"}``) is the same
    as ``{"A": {"text": "XZAL-1234-1A"}}``: both forms are accepted, and events written as
    text stay valid."""

    text: Runout
    made: RunoutMade | None = None
    engineer: Runout | None = None  # e.g. "RVG", "STERLING", "Porky Prime Cut"
    plant: Runout | None = None  # e.g. "MR" (Monarch), a triangle (EMI Hayes)
    marks: Annotated[list[Runout], Field(max_length=8)] = Field(default_factory=list)
    photo: Sha256 | None = None


def _runout_form(value: Any) -> str:
    return "text" if isinstance(value, str) else "side"


# Either form, told apart by type (so an error names the form it was read as, not both).
SideRunout = Annotated[
    Annotated[Runout, FormTag("text")] | Annotated[RunoutSide, FormTag("side")],
    Discriminator(_runout_form),
]


class VinylRegister(_Payload):
    """Registration of a vinyl record."""

    kind: Literal["vinyl"]
    title: Name
    artist: Name
    label: Name | None = None
    catalog_number: Code | None = None
    # Matrix / runout per side: the inscription as text, e.g. {"A": "XZAL-1234-1A"}, or as a
    # RunoutSide when more is known (how it was made, marks, a photo).
    matrix: dict[MatrixSide, SideRunout] = Field(default_factory=dict, max_length=16)
    country: Country | None = None
    year: Year | None = None
    barcode: Barcode | None = None
    discogs_release: DiscogsRelease | None = None
    edition: Notes | None = None
    photos: Photos = Field(default_factory=list)

    @model_validator(mode="after")
    def _side_photos_are_the_events(self) -> VinylRegister:
        for side, runout in self.matrix.items():
            if isinstance(runout, RunoutSide) and runout.photo not in (None, *self.photos):
                raise ValueError(f"matrix side {side}: its photo is not one of the event's photos")
        return self


class FilmRegister(_Payload):
    """Registration of a film print."""

    kind: Literal["film"]
    title: Name
    director: Name | None = None
    studio: Name | None = None
    year: Year | None = None
    gauge: FilmGauge
    print_type: Code | None = None
    reels: Annotated[int, Field(ge=1, le=100)] = 1
    length_ft: Annotated[int, Field(ge=1, le=100_000)] | None = None
    soundtrack: Soundtrack | None = None
    photos: Photos = Field(default_factory=list)


class VinylGrade(_Payload):
    """A Goldmine grading of a record's media and sleeve."""

    kind: Literal["vinyl"]
    media: Goldmine
    sleeve: SleeveGrade
    method: GradingMethod
    notes: Notes | None = None
    photos: Photos = Field(default_factory=list)


class FilmGrade(_Payload):
    """A condition report of a film print."""

    kind: Literal["film"]
    ad_level: StripLevel
    shrinkage_permille: Annotated[int, Field(ge=0, le=100)]
    splices: Annotated[int, Field(ge=0, le=100_000)] = 0
    fading: Fading = Fading.NONE
    scratches: Scratches = Scratches.NONE
    notes: Notes | None = None
    photos: Photos = Field(default_factory=list)


class Price(_Payload):
    """A sale price in minor units (cents), never a float."""

    amount: Annotated[int, Field(ge=0, le=10**12)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class Transfer(_Payload):
    """A change of owner; the owner appears only as a salted commitment. A sale price is either
    committed to (``price_commitment``, the default: the amount stays in the erasable vault) or,
    for a store that publishes its prices, given as it is (``price``); never both."""

    owner: Sha256
    claim: Sha256 | None = None
    reason: Literal["sale", "consignment", "gift", "return", "other"] = "sale"
    price: Price | None = None
    price_commitment: Sha256 | None = None

    @model_validator(mode="after")
    def _one_price(self) -> Transfer:
        if self.price is not None and self.price_commitment is not None:
            raise ValueError("a transfer carries price or price_commitment, not both")
        return self


class Status(_Payload):
    """A status flag (stolen, missing, recovered, destroyed)."""

    status: StatusValue
    note: Notes | None = None


class Note(_Payload):
    """A free-text note from a grader or admin."""

    text: Notes


class Tag(_Payload):
    """Binds a tag to the item: for a QR tag (``kind`` absent or ``"qr"``) a commitment to its
    random code (only printed on the tag), for an NFC tag (``"nfc"``) a commitment to its UID
    (:mod:`provenance.tags.nfc.uid`). A newer tag event revokes the earlier tags of its kind."""

    commitment: Sha256
    kind: Literal["qr", "nfc"] | None = None


class Correct(_Payload):
    """Supersedes an earlier event of the same item; ``data`` replaces its payload (or null
    withdraws it)."""

    supersedes: Annotated[int, Field(ge=0)]
    reason: Notes
    data: dict[str, Any] | None = None


class KeyEvent(_Payload):
    """Adds, rotates or revokes a staff key; signed by an admin key."""

    action: KeyAction
    key: Annotated[str, Field(pattern=_HEX32)]
    public_key: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    role: Role | None = None
    replaces: Annotated[str, Field(pattern=_HEX32)] | None = None
    reason: Notes | None = None


_REGISTER: dict[str, type[_Payload]] = {"vinyl": VinylRegister, "film": FilmRegister}
_GRADE: dict[str, type[_Payload]] = {"vinyl": VinylGrade, "film": FilmGrade}
_SIMPLE: dict[EventType, type[_Payload]] = {
    EventType.TRANSFER: Transfer,
    EventType.STATUS: Status,
    EventType.NOTE: Note,
    EventType.CORRECT: Correct,
    EventType.KEY: KeyEvent,
    EventType.TAG: Tag,
}


def payload_errors(exc: ValidationError) -> str:
    """Render a pydantic error as one line: ``field: message; field: message``."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "data"
        parts.append(f"{where}: {err['msg'].removeprefix(_VALUE_ERROR)}")
    return "; ".join(parts)


def validate_payload(
    event_type: EventType | str, data: Any, *, kind: ItemKind | str | None, rules: Rules = "new"
) -> dict[str, Any]:
    """Validate an event payload and return it as plain JSON-ready data.

    ``kind`` is the item's kind from its register event (``None`` for the key chain); grade
    payloads must match it. ``rules`` says whether this is a new event (``"new"``: normalised
    and held to the current field rules) or one already signed (``"stored"``, for the audit).
    Raises :class:`InputError` with a one-line message.
    """
    try:
        etype = EventType(event_type)
    except ValueError as exc:
        raise InputError(f"unknown event type {event_type!r}") from exc
    if not isinstance(data, dict):
        raise InputError(f"{etype} data must be an object")
    model: type[_Payload]
    if etype is EventType.REGISTER:
        model = _pick(_REGISTER, data, etype)
    elif etype is EventType.GRADE:
        model = _pick(_GRADE, data, etype)
        if kind is not None and data.get("kind") != str(kind):
            raise InputError(f"a {data.get('kind')} grade does not fit a {kind} item")
    else:
        model = _SIMPLE[etype]
    try:
        parsed = _parse(model, data, rules)
    except InputError as exc:
        raise InputError(f"invalid {etype} data: {exc}") from exc
    if isinstance(parsed, KeyEvent):
        _check_key_event(parsed)
    return parsed.model_dump(mode="json", exclude_none=True)


def validate_new_registration(data: Any) -> dict[str, Any]:
    """Validate one new registration (a CSV row, say) under the ``"new"`` rules; the error
    names each field: ``country: not a country ...; catalog_number: ...``."""
    if not isinstance(data, dict):
        raise InputError("register data must be an object")
    model = _REGISTER.get(str(data.get("kind")))
    if model is None:
        raise InputError(f"kind: must be one of {', '.join(_REGISTER)}")
    return _parse(model, data, "new").model_dump(mode="json", exclude_none=True)


def validate_price(price: Any) -> dict[str, Any]:
    """Check a sale price (``{"amount": minor units, "currency": "EUR"}``) and return it in
    normal form; raise :class:`InputError` naming the field."""
    try:
        return Price.model_validate(price, strict=False).model_dump(mode="json")
    except ValidationError as exc:
        raise InputError(f"invalid price: {payload_errors(exc)}") from exc


def validate_correction(
    target: EventType, payload: dict[str, Any], *, kind: ItemKind | str | None, rules: Rules = "new"
) -> dict[str, Any] | None:
    """Check a ``correct`` payload against the type of the event it supersedes.

    Returns the replacement data in normal form (or ``None`` for a withdrawal). Corrections of
    corrections, of key events and of a registration's withdrawal are refused. ``rules`` as in
    :func:`validate_payload`.
    """
    if target in (EventType.CORRECT, EventType.KEY):
        raise InputError(f"a {target} event cannot be corrected; correct the original")
    if target is EventType.TAG:
        raise InputError("a tag event cannot be corrected; issue a new tag instead")
    replacement = payload.get("data")
    if replacement is None:
        if target is EventType.REGISTER:
            raise InputError("a registration cannot be withdrawn, only corrected")
        return None
    return validate_payload(target, replacement, kind=kind, rules=rules)


def _parse(model: type[_Payload], data: dict[str, Any], rules: Rules) -> _Payload:
    if rules not in ("new", "stored"):
        raise InputError(f"unknown rules {rules!r}")
    try:
        return model.model_validate(data, strict=False, context={"rules": rules})
    except ValidationError as exc:
        raise InputError(payload_errors(exc)) from exc


def _pick(
    models: dict[str, type[_Payload]], data: dict[str, Any], etype: EventType
) -> type[_Payload]:
    kind = data.get("kind")
    if kind not in models:
        raise InputError(f"invalid {etype} data: kind must be one of {', '.join(models)}")
    return models[kind]


def _check_key_event(event: KeyEvent) -> None:
    adds = event.action in (KeyAction.ADD, KeyAction.ROTATE)
    if adds and (event.public_key is None or event.role is None):
        raise InputError(f"a key {event.action} needs public_key and role")
    if event.action is KeyAction.ROTATE and event.replaces is None:
        raise InputError("a key rotate needs the key it replaces")
    if event.action is KeyAction.REVOKE and (event.public_key or event.role or event.replaces):
        raise InputError("a key revoke names only the key (and optionally a reason)")
