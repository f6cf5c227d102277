"""Key history as a state machine: who may sign what, and from when to when.

The key chain (:data:`provenance.ledger.events.KEY_CHAIN`) holds ``key`` events in log order. Its
first event is the genesis: an admin key adding itself. Every later key event is signed by an
admin key that is valid at that point. A key is valid for events logged strictly after the one
that added it (the genesis key also signs its own genesis) and strictly before the one that
revoked or rotated it. Validity is judged by log position, not by the event's ``at`` time,
which a compromised key could backdate.

The same :class:`KeyRing` serves the ledger at write time and the audit at read time, so the
role rule is one rule.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..errors import KeyStateError, RevokedKeyError, RoleError, UnknownKeyError, VerificationError
from ..types import KeyId
from ..vocab import EventType, KeyAction, Role
from .signing import key_id_for

__all__ = ["PERMISSIONS", "KeyRecord", "KeyRing"]

#: Event types each role may sign. ``correct`` is allowed to whoever may sign the type of the
#: event it supersedes (checked by :meth:`KeyRing.authorise` with ``acting_as``).
PERMISSIONS: dict[Role, frozenset[EventType]] = {
    Role.ADMIN: frozenset(EventType),
    Role.REGISTRAR: frozenset(
        {EventType.REGISTER, EventType.TRANSFER, EventType.STATUS, EventType.TAG}
    ),
    Role.GRADER: frozenset({EventType.GRADE, EventType.NOTE}),
}


@dataclass(frozen=True)
class KeyRecord:
    """What the key history says about one key."""

    key_id: KeyId
    public_key: bytes
    role: Role
    added_at: int
    revoked_at: int | None = None
    replaced_by: KeyId | None = None

    @property
    def active(self) -> bool:
        """Whether the key has not been revoked or rotated out."""
        return self.revoked_at is None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary (no private material exists here to leak)."""
        return {
            "key": self.key_id,
            "public_key": self.public_key.hex(),
            "role": str(self.role),
            "added_at": self.added_at,
            "revoked_at": self.revoked_at,
            "replaced_by": self.replaced_by,
        }


class KeyRing:
    """The keys known at some point in the log, built by applying key events in order."""

    def __init__(self) -> None:
        self._keys: dict[KeyId, KeyRecord] = {}

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def records(self) -> list[KeyRecord]:
        """All keys ever added, oldest first."""
        return sorted(self._keys.values(), key=lambda r: r.added_at)

    def get(self, key_id: str) -> KeyRecord:
        """Return the record of ``key_id``; :class:`UnknownKeyError` if it was never added."""
        try:
            return self._keys[KeyId(key_id)]
        except KeyError:
            raise UnknownKeyError(f"key {key_id} is not in the key history") from None

    def authorise(
        self,
        *,
        key_id: str,
        event_type: EventType,
        log_index: int,
        acting_as: EventType | None = None,
    ) -> KeyRecord:
        """Check that ``key_id`` may sign an ``event_type`` event at ``log_index``.

        ``acting_as`` is the type of the superseded event for a ``correct``. Raises
        :class:`UnknownKeyError`, :class:`RevokedKeyError` or :class:`RoleError`.
        """
        record = self.get(key_id)
        if log_index <= record.added_at and not (log_index == record.added_at == 0):
            raise UnknownKeyError(
                f"key {key_id} signed at log index {log_index}, before it was added "
                f"at {record.added_at}"
            )
        if record.revoked_at is not None and log_index > record.revoked_at:
            raise RevokedKeyError(
                f"key {key_id} was revoked at log index {record.revoked_at}; "
                f"it cannot sign at {log_index}"
            )
        # A correction needs the right to sign what it corrects, nothing more.
        needed = acting_as if event_type is EventType.CORRECT and acting_as else event_type
        if needed not in PERMISSIONS[record.role]:
            raise RoleError(f"a {record.role} key may not sign {needed} events")
        return record

    def apply(self, *, data: dict[str, Any], signer: str, log_index: int) -> None:
        """Apply a validated ``key`` event payload logged at ``log_index``.

        Raises :class:`KeyStateError` if the event does not fit the current state (which the
        ledger turns into a refusal and the audit into a finding).
        """
        action = KeyAction(data["action"])
        key_id = KeyId(data["key"])
        if not self._keys:
            self._apply_genesis(data=data, signer=signer, log_index=log_index)
            return
        self.authorise(key_id=signer, event_type=EventType.KEY, log_index=log_index)
        if action is KeyAction.REVOKE:
            record = self._active(key_id)
            if record.role is Role.ADMIN and self._active_admins() == [key_id]:
                raise KeyStateError(f"key {key_id} is the last active admin key; add another first")
            self._keys[key_id] = replace(record, revoked_at=log_index)
            return
        self._check_new(data, key_id)
        new = KeyRecord(
            key_id=key_id,
            public_key=bytes.fromhex(data["public_key"]),
            role=Role(data["role"]),
            added_at=log_index,
        )
        if action is KeyAction.ROTATE:
            old = self._active(KeyId(data["replaces"]))
            self._keys[old.key_id] = replace(old, revoked_at=log_index, replaced_by=key_id)
        self._keys[key_id] = new

    def _apply_genesis(self, *, data: dict[str, Any], signer: str, log_index: int) -> None:
        # The first key event must be an admin key adding itself; it is its own authority.
        if data["action"] != KeyAction.ADD or data.get("role") != Role.ADMIN:
            raise KeyStateError("the first key event must add an admin key")
        if signer != data["key"]:
            raise KeyStateError("the first key event must be signed by the key it adds")
        self._check_new(data, KeyId(data["key"]))
        self._keys[KeyId(data["key"])] = KeyRecord(
            key_id=KeyId(data["key"]),
            public_key=bytes.fromhex(data["public_key"]),
            role=Role.ADMIN,
            added_at=log_index,
        )

    def _check_new(self, data: dict[str, Any], key_id: KeyId) -> None:
        if key_id in self._keys:
            raise KeyStateError(f"key {key_id} was already added")
        if key_id_for(bytes.fromhex(data["public_key"])) != key_id:
            raise KeyStateError(f"key id {key_id} does not match its public key")

    def _active(self, key_id: KeyId) -> KeyRecord:
        try:
            record = self.get(key_id)
        except VerificationError as exc:
            raise KeyStateError(str(exc)) from exc
        if not record.active:
            raise KeyStateError(f"key {key_id} is already revoked")
        return record

    def _active_admins(self) -> list[KeyId]:
        return [r.key_id for r in self._keys.values() if r.active and r.role is Role.ADMIN]
