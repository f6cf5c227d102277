"""The shared vocabulary every wing speaks: event types, staff roles, key actions, item status
flags, the name of the key chain and the Crockford base-32 alphabet.

These sit below the wings so that the key ring (``keys``), the log and the ledger can all name
an event type or a role without importing each other. They are plain enums and constants:
importing this module costs nothing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = ["CROCKFORD_ALPHABET", "KEY_CHAIN", "EventType", "KeyAction", "Role", "StatusValue"]

#: The reserved "item" whose chain holds the staff key events.
KEY_CHAIN: Final = "keys"

#: Crockford base-32 (https://www.crockford.com/base32.html): no I, L, O or U, so that ids and
#: codes read aloud or typed from a sleeve survive the usual mix-ups.
CROCKFORD_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class EventType(StrEnum):
    """The kinds of event an item chain (or the key chain) can hold."""

    REGISTER = "register"
    GRADE = "grade"
    TRANSFER = "transfer"
    STATUS = "status"
    NOTE = "note"
    CORRECT = "correct"
    KEY = "key"
    TAG = "tag"  # last: the audit's type codes follow this order


class Role(StrEnum):
    """Staff roles; see :data:`provenance.keys.keyring.PERMISSIONS`."""

    ADMIN = "admin"
    REGISTRAR = "registrar"
    GRADER = "grader"


class KeyAction(StrEnum):
    """What a key event does."""

    ADD = "add"
    ROTATE = "rotate"
    REVOKE = "revoke"


class StatusValue(StrEnum):
    """Status flags a registrar can set on an item."""

    STOLEN = "stolen"
    MISSING = "missing"
    RECOVERED = "recovered"
    DESTROYED = "destroyed"
