"""Engine construction from a URL, with the SQLite settings the ledger relies on.

SQLite: WAL journal (readers never block the writer), ``synchronous = FULL`` so a commit is
on disk before it returns, a busy timeout so concurrent writers queue instead of failing,
``secure_delete`` so erased owner data is overwritten on disk, and ``BEGIN IMMEDIATE`` for
write transactions so two processes cannot both read the log head and then race to write.
PostgreSQL needs none of this: writers lock the ``log_head`` row, and its commits are durable
by default (``synchronous_commit = on``).

Why FULL: with WAL, ``NORMAL`` syncs only at checkpoints, so a power cut can roll back
transactions that had already committed (https://www.sqlite.org/pragma.html#pragma_synchronous).
For this ledger a lost commit is not just lost work: the CLI has already printed the item id or
the buyer's one-time claim code of an event that would then not exist. ``FULL`` syncs the WAL at
every commit; ``EXTRA`` adds nothing in WAL mode (it syncs the directory after a rollback
journal is deleted).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from ..errors import ConfigurationError, InputError

__all__ = [
    "SQLITE_SYNCHRONOUS",
    "driver_query",
    "is_sqlite",
    "make_engine",
    "reading",
    "sqlite_path",
    "write_transaction",
]

_BUSY_TIMEOUT_MS = 30_000
#: Durable commits (see the module docstring); ``PRAGMA synchronous`` reads it back as 2.
SQLITE_SYNCHRONOUS = "FULL"


def is_sqlite(engine: Engine) -> bool:
    """Whether ``engine`` talks to SQLite."""
    return engine.dialect.name == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file path of a SQLite URL, or ``None`` for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def make_engine(url: str, *, create: bool = False) -> Engine:
    """Build an engine for ``url``.

    With ``create=False`` a SQLite file that does not exist is an error rather than silently
    created empty: a mistyped path must not look like an empty ledger.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InputError(f"not a database URL: {url!r}") from exc
    path = sqlite_path(url)
    if path is not None:
        if not path.exists() and not create:
            raise ConfigurationError(f"no ledger at {path}; run 'provenance init' first")
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(parsed, pool_pre_ping=parsed.get_backend_name() != "sqlite")
    except (ArgumentError, ImportError) as exc:
        raise InputError(f"unsupported database URL {url!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that intends to write; on SQLite it starts with ``BEGIN IMMEDIATE``."""
    try:
        with engine.connect() as conn:
            conn.execution_options(provenance_write=True)
            with conn.begin():
                yield conn
    except OperationalError as exc:
        raise ConfigurationError(f"database error: {_first_line(exc)}") from exc


def reading(bind: Engine | Connection) -> AbstractContextManager[Connection]:
    """A connection to read on: ``bind`` itself if it is one (the caller's, left open), else
    a new one from the engine's pool (closed at the end of the ``with``)."""
    return nullcontext(bind) if isinstance(bind, Connection) else bind.connect()


def driver_query(conn: Connection, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run one read on the database driver's own cursor; ``{m}`` in ``sql`` marks each
    placeholder (``?`` for SQLite, ``%s`` for psycopg).

    For the few reads behind every API request, where SQLAlchemy's statement and row handling
    cost more than SQLite takes to answer. Callers interpolate nothing but the placeholder
    marks: every value is a bound parameter. Driver errors become
    :class:`~provenance.errors.ConfigurationError`, as SQLAlchemy's do in
    :func:`write_transaction`.
    """
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    driver = conn.connection.driver_connection
    if driver is None:
        raise ConfigurationError("database error: the connection is closed")
    cursor = driver.cursor()
    try:
        cursor.execute(sql.format(m=mark), tuple(params))
        return list(cursor.fetchall())
    except conn.dialect.loaded_dbapi.Error as exc:
        raise ConfigurationError(f"database error: {_first_line(exc)}") from exc
    finally:
        cursor.close()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" hook below (pysqlite otherwise
        # begins lazily, and always DEFERRED).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute(f"PRAGMA synchronous = {SQLITE_SYNCHRONOUS}")
        cur.execute("PRAGMA secure_delete = ON")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("provenance_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
