"""Partner API keys: issue, list, revoke, and admit a request (scope and rate limit).

A key is ``pk_`` followed by 32 URL-safe random characters (192 bits). It is shown once, when
it is made; the database keeps only its SHA-256, so a copy of the database does not hand out
working keys. Each key has an id (``pid_`` + 12 hex digits) for listing and revoking, a local
name (never served by the API), scopes and a rate limit in requests per minute.

The rate limit is a fixed one-minute window per key, kept in the database (``partner_rate``)
and advanced by a single upsert, so every API worker on the same database enforces one limit.
:func:`admit` is one indexed read: the key, its scopes and its current window. The API
counts requests a few at a time with :func:`lease` (one upsert adds several to the shared
count at once; the requests granted to all processes never exceed the limit) and appends its
request log in batches (:func:`record_requests`); see :mod:`provenance_api.bookkeeping`.
On PostgreSQL these transactions commit asynchronously (``synchronous_commit = off``): a
server crash may lose the last fraction of a second of counters and log rows, never corrupt
them.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import threading
import time
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, NamedTuple
from urllib.parse import quote

from sqlalchemy import Connection, Engine, bindparam, case, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .clock import utc_now
from .errors import InputError, KeyStateError, NotFoundError
from .storage.engine import driver_query, reading, write_transaction
from .storage.tables import partner_rate, partner_requests, partners

__all__ = [
    "DEFAULT_RATE_LIMIT",
    "WINDOW_SECONDS",
    "Admission",
    "Lease",
    "Partner",
    "RequestRecord",
    "Scope",
    "Verdict",
    "add_partner",
    "admit",
    "hash_key",
    "lease",
    "list_partners",
    "parse_scopes",
    "record_requests",
    "revoke_partner",
]

#: Requests per minute a new key may make unless told otherwise.
DEFAULT_RATE_LIMIT = 600
#: Length of one rate-limit window.
WINDOW_SECONDS = 60
_MAX_RATE_LIMIT = 1_000_000
_KEY_PREFIX = "pk_"
_KEY_RE = re.compile(r"^pk_[A-Za-z0-9_-]{32}$")
_ID_RE = re.compile(r"^pid_[0-9a-f]{12}$")
_NAME_RE = re.compile(r"^[^\x00-\x1f\x7f]{1,100}$")
_PATH_MAX = 200
# The key's row and its current window (if any), in one read (run with driver_query: it
# serves every API request).
_BY_HASH_SQL = (
    "SELECT p.id, p.name, p.scopes, p.rate_limit, p.created_at, p.revoked_at, "
    "r.window_start, r.used FROM partners p "
    "LEFT JOIN partner_rate r ON r.partner_id = p.id WHERE p.key_hash = {m}"
)
_LOG = insert(partner_requests)
_UPSERTS: dict[str, Any] = {}
_SQLITE_WRITES = threading.Lock()


class _KeyRow(NamedTuple):
    """A row of ``_BY_HASH_SQL``."""

    id: str
    name: str
    scopes: str
    rate_limit: int
    created_at: str
    revoked_at: str | None
    window_start: int | None
    used: int | None


class Scope(StrEnum):
    """What a key may call."""

    ITEMS_READ = "items:read"  # item summaries, histories, proof bundles
    LOG_READ = "log:read"  # checkpoints, consistency proofs, anchors, public keys
    VERIFY = "verify"  # POST /v1/verify


class Verdict(StrEnum):
    """The outcome of :func:`admit`."""

    OK = "ok"
    UNKNOWN = "unknown"  # no key, a malformed key, or one we never issued
    REVOKED = "revoked"
    SCOPE = "scope"  # the key lacks the scope the route needs
    LIMITED = "limited"  # over the rate limit for this window


@dataclass(frozen=True)
class Partner:
    """One partner key as stored (never the key itself)."""

    id: str
    name: str
    scopes: frozenset[Scope]
    rate_limit: int
    created_at: str
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        """Whether the key has not been revoked."""
        return self.revoked_at is None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (for staff: the name is local metadata)."""
        return {
            "id": self.id,
            "name": self.name,
            "scopes": sorted(self.scopes),
            "rate_limit": self.rate_limit,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }


@dataclass(frozen=True)
class Admission:
    """What :func:`admit` decided; ``partner`` is set whenever the key is one we issued."""

    verdict: Verdict
    partner: Partner | None = None
    #: Seconds until the current window ends (for ``Retry-After``), when limited.
    retry_after: int = 0

    @property
    def ok(self) -> bool:
        """Whether the request may proceed."""
        return self.verdict is Verdict.OK


def hash_key(key: str) -> str:
    """The stored form of a key: SHA-256 of its text, in hex."""
    return hashlib.sha256(key.encode()).hexdigest()


def parse_scopes(values: Iterable[str] | None) -> frozenset[Scope]:
    """Scopes from their names; none given means all of them."""
    names = list(values or [])
    if not names:
        return frozenset(Scope)
    scopes = set()
    for name in names:
        try:
            scopes.add(Scope(name.strip()))
        except ValueError:
            known = ", ".join(s.value for s in Scope)
            raise InputError(f"unknown scope {name!r}; known scopes: {known}") from None
    return frozenset(scopes)


def add_partner(
    engine: Engine,
    *,
    name: str,
    scopes: Iterable[str] | None = None,
    rate_limit: int = DEFAULT_RATE_LIMIT,
) -> tuple[Partner, str]:
    """Issue a key; return its record and the key itself (shown once, stored only hashed)."""
    if not _NAME_RE.match(name) or not name.strip():
        raise InputError("a partner name must be 1-100 printable characters")
    if not 1 <= rate_limit <= _MAX_RATE_LIMIT:
        raise InputError(f"the rate limit must be 1-{_MAX_RATE_LIMIT:,} requests per minute")
    chosen = parse_scopes(scopes)
    key = _KEY_PREFIX + secrets.token_urlsafe(24)  # 24 bytes -> 32 URL-safe characters
    partner = Partner(
        id=f"pid_{secrets.token_hex(6)}",
        name=name.strip(),
        scopes=chosen,
        rate_limit=rate_limit,
        created_at=utc_now(),
    )
    with write_transaction(engine) as conn:
        conn.execute(
            insert(partners).values(
                id=partner.id,
                name=partner.name,
                key_hash=hash_key(key),
                scopes=" ".join(sorted(chosen)),
                rate_limit=rate_limit,
                created_at=partner.created_at,
            )
        )
    return partner, key


def list_partners(engine: Engine) -> list[Partner]:
    """Every key ever issued, oldest first (revoked ones included)."""
    with engine.connect() as conn:
        rows = conn.execute(select(partners).order_by(partners.c.created_at, partners.c.id)).all()
    return [_partner(r) for r in rows]


def revoke_partner(engine: Engine, partner_id: str) -> Partner:
    """Revoke a key by id; it stops working at once, in every worker."""
    if not _ID_RE.match(partner_id):
        raise InputError(f"{partner_id!r} is not a partner key id (pid_ and 12 hex digits)")
    with write_transaction(engine) as conn:
        row = conn.execute(select(partners).where(partners.c.id == partner_id)).first()
        if row is None:
            raise NotFoundError(f"no partner key {partner_id}")
        if row.revoked_at is not None:
            raise KeyStateError(f"partner key {partner_id} was already revoked at {row.revoked_at}")
        at = utc_now()
        conn.execute(update(partners).where(partners.c.id == partner_id).values(revoked_at=at))
    return replace(_partner(row), revoked_at=at)


def admit(
    engine: Engine | Connection,
    key: str | None,
    *,
    scope: Scope,
    now: float | None = None,
    check_limit: bool = True,
) -> Admission:
    """Who presents ``key``, and whether the request may go ahead: one indexed read (on
    ``engine``, or on a connection the caller goes on using).

    The request is not counted here (:func:`lease` counts). A window already full is refused
    here, before any work is done. With ``check_limit=False`` only the key, its state and
    its scope are checked: the API's workers hold leased requests that the stored count
    already includes, so they ask their lease instead.
    """
    if key is None or not _KEY_RE.match(key):
        return Admission(Verdict.UNKNOWN)
    moment = time.time() if now is None else now
    with reading(engine) as conn:
        found = driver_query(conn, _BY_HASH_SQL, (hash_key(key),))
    if not found:
        return Admission(Verdict.UNKNOWN)
    row = _KeyRow(*found[0])
    partner = _partner(row)
    if not partner.active:
        return Admission(Verdict.REVOKED, partner)
    if scope not in partner.scopes:
        return Admission(Verdict.SCOPE, partner)
    start, used = row.window_start or 0, row.used or 0  # no window row yet: nothing used
    if check_limit and start >= _window(moment) and used >= partner.rate_limit:
        return Admission(Verdict.LIMITED, partner, retry_after=_retry(start, moment))
    return Admission(Verdict.OK, partner)


@dataclass(frozen=True)
class Lease:
    """Requests granted to one process in one window by :func:`lease`."""

    window_start: int
    granted: int
    #: Seconds until the window ends (for ``Retry-After`` when nothing was granted).
    retry_after: int


def lease(engine: Engine, partner: Partner, *, want: int, now: float | None = None) -> Lease:
    """Take up to ``want`` requests from the partner's current window for this process.

    One upsert adds ``want`` to the shared count, atomically across processes, and the grant
    is what fits under the limit: so the requests granted to all processes together never
    exceed the limit. Requests a process leased but did not use are lost to the window (at
    most ``want`` per process; the API leases about 1 % of the limit at a time, and one
    request at a time for limits under 200, which is then exact).
    """
    if want < 1:
        raise InputError("a lease must ask for at least one request")
    moment = time.time() if now is None else now
    with _serialised(engine), write_transaction(engine) as conn:
        _relaxed_commit(conn)
        params = {"partner_id": partner.id, "window": _window(moment), "want": want}
        used, start = conn.execute(_upsert(conn.dialect.name), params).one()
    granted = max(0, min(want, partner.rate_limit - (int(used) - want)))
    return Lease(int(start), granted, _retry(int(start), moment))


@dataclass(frozen=True)
class RequestRecord:
    """One partner request for the log (nothing about the client)."""

    partner_id: str
    method: str
    path: str
    status: int
    at: str


def record_requests(engine: Engine, records: Iterable[RequestRecord]) -> int:
    """Append request-log rows in one transaction; return how many."""
    rows = [_log_row(r) for r in records]
    if rows:
        with _serialised(engine), write_transaction(engine) as conn:
            _relaxed_commit(conn)
            conn.execute(_LOG, rows)
    return len(rows)


def _log_row(record: RequestRecord) -> dict[str, Any]:
    return {
        "partner_id": record.partner_id,
        "method": record.method[:8],
        "path": _printable(record.path)[:_PATH_MAX],
        "status": record.status,
        "at": record.at,
    }


def _printable(path: str) -> str:
    """The path as it would appear in a URL: control characters and the like percent-encoded
    (PostgreSQL refuses NUL in text, and a log line should not carry terminal escapes)."""
    return quote(path, safe="/:@!$&'()*+,;=-._~%")


def _window(moment: float) -> int:
    return int(moment // WINDOW_SECONDS) * WINDOW_SECONDS


def _retry(window_start: int, moment: float) -> int:
    return max(1, math.ceil(window_start + WINDOW_SECONDS - moment))


def _upsert(dialect_name: str) -> Any:
    """The window upsert for one dialect, built once (statement construction costs more than
    running it)."""
    if dialect_name not in _UPSERTS:
        dialect = postgresql if dialect_name == "postgresql" else sqlite
        stmt = dialect.insert(partner_rate).values(
            partner_id=bindparam("partner_id"),
            window_start=bindparam("window"),
            used=bindparam("want"),
        )
        same = partner_rate.c.window_start >= stmt.excluded.window_start
        # Every SET expression sees the old row, so both CASEs test the stored window.
        _UPSERTS[dialect_name] = stmt.on_conflict_do_update(
            index_elements=[partner_rate.c.partner_id],
            set_={
                "used": case(
                    (same, partner_rate.c.used + stmt.excluded.used), else_=stmt.excluded.used
                ),
                "window_start": case(
                    (same, partner_rate.c.window_start), else_=stmt.excluded.window_start
                ),
            },
        ).returning(partner_rate.c.used, partner_rate.c.window_start)
    return _UPSERTS[dialect_name]


def _serialised(engine: Engine) -> AbstractContextManager[object]:
    """On SQLite, one bookkeeping write at a time per process. Threads of one API worker would
    otherwise meet at SQLite's write lock, whose busy handler sleeps for milliseconds between
    tries; queueing on a Python lock wakes the next writer at once. (Processes still share
    the busy handler; PostgreSQL needs neither.)"""
    return _SQLITE_WRITES if engine.dialect.name == "sqlite" else nullcontext()


def _relaxed_commit(conn: Connection) -> None:
    # Counters and request-log rows may lose their last moments in a server crash; waiting for
    # a WAL flush on every API request is not worth it (PostgreSQL only). SQLite's
    # synchronous mode is per connection, and pooled connections also write the ledger, so
    # these batched writes (a few a second) stay as durable as every other commit.
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")


def _partner(row: Any) -> Partner:
    return Partner(
        id=row.id,
        name=row.name,
        scopes=frozenset(Scope(s) for s in row.scopes.split()),
        rate_limit=int(row.rate_limit),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )
