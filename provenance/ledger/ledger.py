"""The ledger: appends signed events to per-item hash chains, and reads them back.

Every write runs in one transaction that first takes the log head (``SELECT ... FOR UPDATE``
on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so concurrent writers queue: each gets the
next gapless log index and the current head of its item. ``UNIQUE(item, seq)`` in the schema
is the last line of defence: a writer that bypassed the lock would hit it, and we turn that
into a retry and then a clean :class:`ConflictError`. Nothing is ever updated or deleted.

Rules checked before signing (the audit re-checks the same rules with the same code):
the payload schema, the item exists (or, for ``register``, does not), grades fit the item's
kind, the signer's key is known, not revoked and its role allows the event type.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import ConfigurationError, ConflictError, InputError, KeyStateError, NotFoundError
from ..keys.keyring import KeyRing
from ..keys.signing import SigningKey, key_id_for, validate_key_name
from ..log.guard import refuse_if_diverged
from ..log.tree import LogAppender, event_leaf_hash
from ..privacy.commitments import (
    SALT_BYTES,
    claim_commitment,
    new_claim_code,
    new_owner_id,
    owner_commitment,
    price_commitment,
)
from ..storage import ensure_current, make_engine
from ..storage.engine import write_transaction
from ..storage.tables import events, key_names, log_head, owners, store
from ..types import EventHash, ItemId, KeyId, OwnerId
from .blobs import put_blob
from .chain_audit import Row, build_keyring
from .events import KEY_CHAIN, Event, SignedEvent, utc_now
from .itemid import new_item_id, parse_item_id
from .schemas import (
    EventType,
    KeyAction,
    Role,
    validate_correction,
    validate_payload,
    validate_price,
)

__all__ = ["Ledger", "StoredEvent", "TransferReceipt"]

logger = logging.getLogger(__name__)

_RETRIES = 3
_BATCH = 2_000  # rows per executemany in bulk registration
_ROW_COLUMNS = select(
    events.c.log_index,
    events.c.item,
    events.c.seq,
    events.c.type,
    events.c.signer,
    events.c.hash,
    events.c.body,
    events.c.signature,
    events.c.at,
)


@dataclass(frozen=True)
class StoredEvent:
    """A signed event and its position in the global log."""

    log_index: int
    signed: SignedEvent

    @property
    def event(self) -> Event:
        """The event itself."""
        return self.signed.event


@dataclass(frozen=True)
class TransferReceipt:
    """What a transfer produced: the event, the vault row, and the one-time claim code."""

    stored: StoredEvent
    owner_id: OwnerId
    claim_code: str | None


@dataclass(frozen=True)
class _Head:
    seq: int
    hash: EventHash
    kind: str | None


class Ledger:
    """Signed, hash-chained item histories in a SQL database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._keyring: tuple[int, KeyRing] | None = None

    @classmethod
    def open(cls, url: str) -> Ledger:
        """Open an existing, up-to-date ledger (see :func:`provenance.storage.ensure_current`)."""
        engine = make_engine(url)
        ensure_current(engine)
        return cls(engine)

    # -- store and keys -------------------------------------------------------------------

    def initialise(self, *, store_name: str, admin: SigningKey, admin_name: str) -> StoredEvent:
        """Record the store identity and the genesis key event (an admin key adding itself)."""
        if not store_name.strip() or len(store_name) > 200:
            raise InputError("store name must be 1-200 characters")
        validate_key_name(admin_name)
        with write_transaction(self.engine) as conn:
            size = self._lock_head(conn)
            if conn.execute(select(store.c.id)).first() is not None:
                raise InputError("this ledger is already initialised")
            conn.execute(insert(store).values(id=1, name=store_name.strip(), created_at=utc_now()))
            data = _key_add(admin, Role.ADMIN)
            stored = self._append_locked(
                conn, size=size, signer=admin, item=KEY_CHAIN, event_type=EventType.KEY, data=data
            )
            self._name_key(conn, admin.key_id, admin_name)
            return stored

    def store_name(self) -> str:
        """The store's name, as given to ``init``."""
        with self.engine.connect() as conn:
            name = conn.execute(select(store.c.name)).scalar()
        if name is None:
            raise ConfigurationError("ledger has no store identity; run 'provenance init'")
        return str(name)

    def keyring(self) -> KeyRing:
        """The key history as it stands now (signatures of key events checked)."""
        with self.engine.connect() as conn:
            return self._load_keyring(conn)

    def key_names(self) -> dict[KeyId, str]:
        """Local names of keys (names are kept out of the signed log)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(key_names.c.key_id, key_names.c.name)).all()
        return {KeyId(r.key_id): r.name for r in rows}

    def resolve_key(self, name_or_id: str) -> KeyId:
        """Find a key by local name or by (a unique prefix of) its id."""
        names = self.key_names()
        for key_id, name in names.items():
            if name == name_or_id:
                return key_id
        ring = self.keyring()
        matches = [r.key_id for r in ring.records() if r.key_id.startswith(name_or_id.lower())]
        if len(name_or_id) >= 6 and len(matches) == 1:
            return matches[0]
        raise NotFoundError(f"no key named {name_or_id!r}")

    def add_key(
        self, *, signer: SigningKey, new_key: SigningKey, role: Role, name: str
    ) -> StoredEvent:
        """Add a staff key with a role; signed by an admin key."""
        validate_key_name(name)
        with write_transaction(self.engine) as conn:
            size = self._lock_head(conn)
            self._check_name_free(conn, name)
            stored = self._append_locked(
                conn,
                size=size,
                signer=signer,
                item=KEY_CHAIN,
                event_type=EventType.KEY,
                data=_key_add(new_key, role),
            )
            self._name_key(conn, new_key.key_id, name)
            return stored

    def rotate_key(
        self, *, signer: SigningKey, old: KeyId, new_key: SigningKey, name: str
    ) -> StoredEvent:
        """Replace ``old`` by ``new_key`` with the same role, in one key event."""
        validate_key_name(name)
        with write_transaction(self.engine) as conn:
            size = self._lock_head(conn)
            self._check_name_free(conn, name)
            role = self._load_keyring(conn).get(old).role
            data = {**_key_add(new_key, role), "action": str(KeyAction.ROTATE), "replaces": old}
            stored = self._append_locked(
                conn, size=size, signer=signer, item=KEY_CHAIN, event_type=EventType.KEY, data=data
            )
            self._name_key(conn, new_key.key_id, name)
            return stored

    def revoke_key(self, *, signer: SigningKey, key_id: KeyId, reason: str | None) -> StoredEvent:
        """Revoke a key: events it signs after this one are invalid."""
        data: dict[str, Any] = {"action": str(KeyAction.REVOKE), "key": key_id}
        if reason:
            data["reason"] = reason
        return self.append(signer=signer, item=KEY_CHAIN, event_type=EventType.KEY, data=data)

    # -- items ----------------------------------------------------------------------------

    def register(
        self, *, signer: SigningKey, data: dict[str, Any], photos: Sequence[bytes] = ()
    ) -> StoredEvent:
        """Register a new item; returns its first event (the new id is ``.event.item``)."""
        for _ in range(_RETRIES):
            item = new_item_id()
            try:
                return self.append(
                    signer=signer,
                    item=item,
                    event_type=EventType.REGISTER,
                    data=data,
                    photos=photos,
                )
            except ConflictError:
                logger.warning("item id %s collided; drawing another", item)
        raise ConflictError("could not draw an unused item id; try again")

    def register_many(
        self,
        *,
        signer: SigningKey,
        rows: Iterable[dict[str, Any]],
        progress: Callable[[int], None] | None = None,
    ) -> list[ItemId]:
        """Register many items in one transaction: all of them, or (on any error) none."""
        return self.register_batch(
            registrar=signer, rows=[(row, None) for row in rows], progress=progress
        )

    def register_batch(
        self,
        *,
        registrar: SigningKey,
        rows: Sequence[tuple[dict[str, Any], dict[str, Any] | None]],
        grader: SigningKey | None = None,
        progress: Callable[[int], None] | None = None,
        alongside: Callable[[Connection, list[ItemId]], None] | None = None,
    ) -> list[ItemId]:
        """Register many items, each with an optional first grade, in one transaction.

        ``rows`` are ``(register data, grade data or None)`` pairs. The register events are
        signed by ``registrar``, the grades (each the item's event 1, logged right after its
        registration) by ``grader``. ``alongside`` runs in the same transaction once the
        events are written, with the new ids in row order, for rows a caller keeps beside
        the log (a store-private table, say). All of it is written, or (on any error) none.
        Returns the new item ids in row order.
        """
        payloads = []
        for register, grade in rows:
            payload = validate_payload(EventType.REGISTER, register, kind=None)
            graded = None
            if grade is not None:
                graded = validate_payload(EventType.GRADE, grade, kind=payload["kind"])
            payloads.append((payload, graded))
        grading = any(g is not None for _, g in payloads)
        if grading and grader is None:
            raise InputError("grades in a batch need the grader's key")
        with write_transaction(self.engine) as conn:
            size = self._lock_head(conn)
            ring = self._load_keyring(conn)
            ring.authorise(key_id=registrar.key_id, event_type=EventType.REGISTER, log_index=size)
            if grading and grader is not None:
                ring.authorise(key_id=grader.key_id, event_type=EventType.GRADE, log_index=size)
            ids: list[ItemId] = []
            batch: list[dict[str, Any]] = []
            tree = LogAppender(conn, size)
            at = utc_now()
            index = size
            for payload, graded in payloads:
                item = new_item_id()
                event = Event(item, 0, None, EventType.REGISTER, at, registrar.key_id, payload)
                signed = event.sign(registrar)
                batch.append(_row(index, signed))
                index += 1
                if graded is not None and grader is not None:
                    graded_event = Event(
                        item, 1, signed.hash, EventType.GRADE, at, grader.key_id, graded
                    )
                    batch.append(_row(index, graded_event.sign(grader)))
                    index += 1
                ids.append(item)
                if len(batch) >= _BATCH:
                    self._insert_batch(conn, tree, batch)
                    batch = []
                    if progress:
                        progress(len(ids))
            if batch:
                self._insert_batch(conn, tree, batch)
            conn.execute(update(log_head).where(log_head.c.id == 1).values(size=index))
            if alongside is not None:
                alongside(conn, ids)
            if progress:
                progress(len(ids))
            return ids

    def append(
        self,
        *,
        signer: SigningKey,
        item: str,
        event_type: EventType,
        data: dict[str, Any],
        photos: Sequence[bytes] = (),
    ) -> StoredEvent:
        """Validate, sign and append one event to ``item``'s chain."""
        item_id = item if item == KEY_CHAIN else parse_item_id(item)
        # A plain string ("register") would slip past the identity checks on EventType below.
        try:
            event_type = EventType(event_type)
        except ValueError as exc:
            raise InputError(f"unknown event type {event_type!r}") from exc
        for attempt in range(_RETRIES):
            try:
                with write_transaction(self.engine) as conn:
                    size = self._lock_head(conn)
                    payload = dict(data)
                    if photos:
                        payload["photos"] = [put_blob(conn, p) for p in photos]
                    return self._append_locked(
                        conn,
                        size=size,
                        signer=signer,
                        item=item_id,
                        event_type=event_type,
                        data=payload,
                    )
            except IntegrityError as exc:
                logger.info("append to %s lost a race (attempt %d): %s", item_id, attempt + 1, exc)
        raise ConflictError(f"another writer kept taking {item_id}'s next position; try again")

    def transfer(
        self,
        *,
        signer: SigningKey,
        item: str,
        label: str,
        contact: str | None = None,
        claim_code: bool = False,
        reason: str = "sale",
        price: dict[str, Any] | None = None,
        public_price: bool = False,
    ) -> TransferReceipt:
        """Record a change of owner. Name and contact go to the erasable vault only.

        A ``price`` (``{"amount": minor units, "currency": "EUR"}``) is private by default: the
        event carries a salted commitment to it and the vault row keeps the amount, currency
        and salt, erased by ``owners forget``. With ``public_price=True`` the price goes in the
        event as it is, for a store that publishes its sales.
        """
        item_id = parse_item_id(item)
        if not label.strip() or len(label) > 200:
            raise InputError("owner label must be 1-200 characters")
        if contact is not None and len(contact) > 400:
            raise InputError("owner contact must be at most 400 characters")
        if public_price and price is None:
            raise InputError("a public price needs a price")
        owner_id = new_owner_id()
        salt = secrets.token_bytes(SALT_BYTES)
        code = new_claim_code() if claim_code else None
        data: dict[str, Any] = {
            "owner": owner_commitment(salt=salt, owner_id=owner_id),
            "reason": reason,
        }
        if code is not None:
            data["claim"] = claim_commitment(item=item_id, code=code)
        vault_price: dict[str, Any] = {}
        if price is not None:
            checked = validate_price(price)
            if public_price:
                data["price"] = checked
            else:
                price_salt = secrets.token_bytes(SALT_BYTES)
                data["price_commitment"] = price_commitment(salt=price_salt, **checked)
                vault_price = {
                    "price_amount": checked["amount"],
                    "price_currency": checked["currency"],
                    "price_salt": price_salt,
                }
        with write_transaction(self.engine) as conn:
            size = self._lock_head(conn)
            conn.execute(
                insert(owners).values(
                    owner_id=owner_id,
                    label=label.strip(),
                    contact=contact,
                    salt=salt,
                    created_at=utc_now(),
                    **vault_price,
                )
            )
            stored = self._append_locked(
                conn,
                size=size,
                signer=signer,
                item=item_id,
                event_type=EventType.TRANSFER,
                data=data,
            )
        return TransferReceipt(stored=stored, owner_id=owner_id, claim_code=code)

    def history(self, item: str) -> list[StoredEvent]:
        """All events of ``item`` in chain order, parsed but not verified (see the audit)."""
        item_id = item if item == KEY_CHAIN else parse_item_id(item)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(events.c.log_index, events.c.body, events.c.signature)
                .where(events.c.item == item_id)
                .order_by(events.c.seq)
            ).all()
        if not rows:
            raise NotFoundError(f"no item {item_id} in this ledger")
        return [StoredEvent(r.log_index, SignedEvent.parse(r.body, r.signature)) for r in rows]

    def rows(self, item: str) -> list[Row]:
        """The raw stored rows of ``item`` in log order, for verification (``show``)."""
        item_id = item if item == KEY_CHAIN else parse_item_id(item)
        with self.engine.connect() as conn:
            rows = conn.execute(
                _ROW_COLUMNS.where(events.c.item == item_id).order_by(events.c.log_index)
            ).all()
        if not rows:
            raise NotFoundError(f"no item {item_id} in this ledger")
        return [Row(*r) for r in rows]

    def items(self, *, limit: int = 100, offset: int = 0) -> list[StoredEvent]:
        """Register events of items, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(events.c.log_index, events.c.body, events.c.signature)
                .where(events.c.seq == 0, events.c.item != KEY_CHAIN)
                .order_by(events.c.log_index.desc())
                .limit(limit)
                .offset(offset)
            ).all()
        return [StoredEvent(r.log_index, SignedEvent.parse(r.body, r.signature)) for r in rows]

    def size(self) -> int:
        """Number of events in the global log."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(log_head.c.size)).scalar_one())

    # -- internals ------------------------------------------------------------------------

    def _append_locked(
        self,
        conn: Connection,
        *,
        size: int,
        signer: SigningKey,
        item: str,
        event_type: EventType,
        data: dict[str, Any],
    ) -> StoredEvent:
        head = self._head(conn, item)
        if event_type is EventType.REGISTER:
            if head is not None:
                raise ConflictError(f"item {item} is already registered")
        elif head is None and item != KEY_CHAIN:
            raise NotFoundError(f"no item {item} in this ledger")
        kind = head.kind if head else None
        payload = validate_payload(event_type, data, kind=kind)
        ring = self._load_keyring(conn)
        acting_as = None
        if event_type is EventType.CORRECT:
            acting_as, replacement = self._check_correction(
                conn, item=item, payload=payload, kind=kind
            )
            if replacement is not None:
                payload["data"] = replacement
        if event_type is EventType.KEY:
            # Apply to a scratch ring first: a key event that does not fit the key state
            # (revoking the last admin, re-adding a key) is refused before it is signed.
            scratch = self._scratch_ring(conn)
            scratch.apply(data=payload, signer=signer.key_id, log_index=size)
        else:
            ring.authorise(
                key_id=signer.key_id, event_type=event_type, log_index=size, acting_as=acting_as
            )
        event = Event(
            item=item,
            seq=0 if head is None else head.seq + 1,
            prev=None if head is None else head.hash,
            type=event_type,
            at=utc_now(),
            by=signer.key_id,
            data=payload,
        )
        signed = event.sign(signer)
        self._insert_rows(conn, [_row(size, signed)])
        LogAppender(conn, size).append([event_leaf_hash(signed.hash, signed.signature)])
        conn.execute(update(log_head).where(log_head.c.id == 1).values(size=size + 1))
        self._keyring = None if event_type is EventType.KEY else self._keyring
        return StoredEvent(size, signed)

    def _check_correction(
        self, conn: Connection, *, item: str, payload: dict[str, Any], kind: str | None
    ) -> tuple[EventType, dict[str, Any] | None]:
        target = conn.execute(
            select(events.c.type).where(
                events.c.item == item, events.c.seq == payload["supersedes"]
            )
        ).scalar()
        if target is None:
            raise NotFoundError(f"item {item} has no event {payload['supersedes']} to correct")
        target_type = EventType(target)
        return target_type, validate_correction(target_type, payload, kind=kind)

    @staticmethod
    def _lock_head(conn: Connection) -> int:
        size = conn.execute(
            select(log_head.c.size).where(log_head.c.id == 1).with_for_update()
        ).scalar()
        if size is None:
            raise ConfigurationError("ledger has no log head; run 'provenance init'")
        refuse_if_diverged(conn, int(size))
        return int(size)

    @staticmethod
    def _head(conn: Connection, item: str) -> _Head | None:
        row = conn.execute(
            select(events.c.seq, events.c.hash)
            .where(events.c.item == item)
            .order_by(events.c.seq.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        kind = None
        if item != KEY_CHAIN:
            first = conn.execute(
                select(events.c.body).where(events.c.item == item, events.c.seq == 0)
            ).scalar_one()
            # Only the kind is needed; the audit, not the write path, re-verifies old events.
            kind = json.loads(first)["data"].get("kind")
        return _Head(seq=row.seq, hash=EventHash(row.hash), kind=kind)

    def _load_keyring(self, conn: Connection) -> KeyRing:
        count = conn.execute(select(func.count()).where(events.c.item == KEY_CHAIN)).scalar_one()
        if self._keyring is not None and self._keyring[0] == count:
            return self._keyring[1]
        ring = self._scratch_ring(conn)
        self._keyring = (count, ring)
        return ring

    @staticmethod
    def _scratch_ring(conn: Connection) -> KeyRing:
        rows = conn.execute(
            select(events.c.log_index, events.c.body, events.c.signature)
            .where(events.c.item == KEY_CHAIN)
            .order_by(events.c.seq)
        ).all()
        return build_keyring((r.log_index, SignedEvent.parse(r.body, r.signature)) for r in rows)

    @classmethod
    def _insert_batch(cls, conn: Connection, tree: LogAppender, rows: list[dict[str, Any]]) -> None:
        cls._insert_rows(conn, rows)
        tree.append([event_leaf_hash(r["hash"], r["signature"]) for r in rows])

    @staticmethod
    def _insert_rows(conn: Connection, rows: list[dict[str, Any]]) -> None:
        conn.execute(insert(events), rows)

    @staticmethod
    def _check_name_free(conn: Connection, name: str) -> None:
        if conn.execute(select(key_names.c.key_id).where(key_names.c.name == name)).first():
            raise KeyStateError(f"a key named {name!r} already exists")

    @staticmethod
    def _name_key(conn: Connection, key_id: KeyId, name: str) -> None:
        conn.execute(insert(key_names).values(key_id=key_id, name=name, created_at=utc_now()))


def _key_add(key: SigningKey, role: Role) -> dict[str, Any]:
    return {
        "action": str(KeyAction.ADD),
        "key": key_id_for(key.public),
        "public_key": key.public.hex(),
        "role": str(role),
    }


def _row(log_index: int, signed: SignedEvent) -> dict[str, Any]:
    event = signed.event
    return {
        "log_index": log_index,
        "item": event.item,
        "seq": event.seq,
        "type": str(event.type),
        "signer": event.by,
        "at": event.at,
        "hash": signed.hash,
        "body": signed.body,
        "signature": signed.signature,
    }
