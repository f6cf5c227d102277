"""Payload models for each event type, validated with pydantic before anything is signed.

Every model forbids unknown fields and is frozen. ``validate_payload`` is the single entry point
used by the ledger on write and by the audit on read, so both apply the same rules. Free-text
fields refuse things that look like e-mail addresses or phone numbers, because events are
public and permanent (see docs/ARCHITECTURE.md, Privacy).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from ..errors import InputError
from ..vocab import EventType, KeyAction, Role, StatusValue
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
    "EventType",
    "FilmGrade",
    "FilmRegister",
    "KeyAction",
    "Role",
    "StatusValue",
    "VinylGrade",
    "VinylRegister",
    "payload_errors",
    "validate_correction",
    "validate_payload",
]

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_PHONE = re.compile(r"(?:\+|\b00)?\d[\d ().-]{7,}\d")
# E.164 numbers have at least 9 digits with the country code; fewer digits in a run is a
# catalogue number or a year range, not a phone number.
_PHONE_DIGITS = 9
_HEX64 = r"^[0-9a-f]{64}$"
_HEX32 = r"^[0-9a-f]{32}$"


def _no_personal_data(value: str) -> str:
    if _EMAIL.search(value):
        raise ValueError("looks like an e-mail address; personal data never goes in an event")
    if any(sum(ch.isdigit() for ch in m) >= _PHONE_DIGITS for m in _PHONE.findall(value)):
        raise ValueError("looks like a phone number; personal data never goes in an event")
    return value


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_no_personal_data)]
Notes = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_no_personal_data)]
Sha256 = Annotated[str, Field(pattern=_HEX64)]
Photos = Annotated[list[Sha256], Field(max_length=20)]
Year = Annotated[int, Field(ge=1877, le=2100)]  # 1877: Edison's phonograph


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class VinylRegister(_Payload):
    """Registration of a vinyl record."""

    kind: Literal["vinyl"]
    title: Name
    artist: Name
    label: Name | None = None
    catalog_number: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    # Matrix / runout inscription per side, e.g. {"A": "XZAL-1234-1A", "B": "..."}.
    matrix: dict[
        Annotated[str, Field(min_length=1, max_length=8)],
        Annotated[str, Field(min_length=1, max_length=200)],
    ] = Field(default_factory=dict, max_length=16)
    country: Annotated[str, Field(min_length=2, max_length=64)] | None = None
    year: Year | None = None
    barcode: Annotated[str, Field(pattern=r"^[0-9]{8,14}$")] | None = None
    edition: Notes | None = None
    photos: Photos = Field(default_factory=list)


class FilmRegister(_Payload):
    """Registration of a film print."""

    kind: Literal["film"]
    title: Name
    director: Name | None = None
    studio: Name | None = None
    year: Year | None = None
    gauge: FilmGauge
    print_type: Annotated[str, Field(min_length=1, max_length=64)] | None = None
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
    """A change of owner; the owner appears only as a salted commitment."""

    owner: Sha256
    claim: Sha256 | None = None
    reason: Literal["sale", "consignment", "gift", "return", "other"] = "sale"
    price: Price | None = None


class Status(_Payload):
    """A status flag (stolen, missing, recovered, destroyed)."""

    status: StatusValue
    note: Notes | None = None


class Note(_Payload):
    """A free-text note from a grader or admin."""

    text: Notes


class Tag(_Payload):
    """Binds a QR tag to the item: a commitment to the tag's random code (the code itself is
    only printed on the tag). A newer tag event revokes the earlier tags."""

    commitment: Sha256


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
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def validate_payload(
    event_type: EventType | str, data: Any, *, kind: ItemKind | str | None
) -> dict[str, Any]:
    """Validate an event payload and return it as plain JSON-ready data.

    ``kind`` is the item's kind from its register event (``None`` for the key chain); grade
    payloads must match it. Raises :class:`InputError` with a one-line message.
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
        parsed = model.model_validate(data, strict=False)
    except ValidationError as exc:
        raise InputError(f"invalid {etype} data: {payload_errors(exc)}") from exc
    if isinstance(parsed, KeyEvent):
        _check_key_event(parsed)
    return parsed.model_dump(mode="json", exclude_none=True)


def validate_correction(
    target: EventType, payload: dict[str, Any], *, kind: ItemKind | str | None
) -> dict[str, Any] | None:
    """Check a ``correct`` payload against the type of the event it supersedes.

    Returns the replacement data in normal form (or ``None`` for a withdrawal). Corrections of
    corrections, of key events and of a registration's withdrawal are refused.
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
    return validate_payload(target, replacement, kind=kind)


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
