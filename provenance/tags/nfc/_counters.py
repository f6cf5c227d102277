"""The ``nfc_counters`` table: per NFC tag (by UID commitment), the item it was last
provisioned for and the highest read counter accepted.

Every statement that decides something is a single conditional write, so the database, not
this process, decides between two taps or two provisionings that race:

* a tap is accepted by ``UPDATE ... SET counter = :c WHERE tag = :t AND counter < :c`` (one
  row changed: accepted; none: the counter was not new), or, for a tag with no row yet, by
  ``INSERT ... ON CONFLICT DO NOTHING``. On PostgreSQL the second of two concurrent updates
  waits for the first's row lock and then re-checks ``counter < :c`` against the committed
  row (READ COMMITTED, PostgreSQL manual §13.2.1), so it changes nothing; on SQLite the
  write transactions are serialised by ``BEGIN IMMEDIATE``.
* the ``item`` column is an index into the signed record, written before the ``tag`` event
  (see :mod:`.binding`); nothing believes it without finding the event.

SQLite and PostgreSQL only: ``ON CONFLICT`` is spelled by their SQLAlchemy dialects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, update

from ...errors import ConfigurationError
from ...storage.engine import reading, write_transaction
from ...storage.tables import nfc_counters

__all__ = [
    "CounterRow",
    "accept_counter",
    "any_rows",
    "read_row",
    "restore_hint",
    "set_hint",
]


@dataclass(frozen=True)
class CounterRow:
    """One tag's row: the item it was last provisioned for, the highest accepted counter."""

    item: str
    counter: int


def _insert(conn: Connection) -> Any:
    name = conn.dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(nfc_counters)
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(nfc_counters)
    raise ConfigurationError(f"NFC tag counters need SQLite or PostgreSQL, not {name}")


def _row(conn: Connection, tag: str, *, lock: bool) -> CounterRow | None:
    query = select(nfc_counters.c.item, nfc_counters.c.counter).where(nfc_counters.c.tag == tag)
    if lock:
        query = query.with_for_update()  # PostgreSQL; SQLite's write lock is already held
    row = conn.execute(query).one_or_none()
    return None if row is None else CounterRow(item=row.item, counter=int(row.counter))


def read_row(bind: Engine | Connection, tag: str) -> CounterRow | None:
    """The tag's row, or ``None`` if it has none."""
    with reading(bind) as conn:
        return _row(conn, tag, lock=False)


def any_rows(bind: Engine | Connection) -> bool:
    """Whether any NFC tag was ever provisioned (or tapped) in this store."""
    with reading(bind) as conn:
        return conn.execute(select(nfc_counters.c.tag).limit(1)).first() is not None


def set_hint(engine: Engine, *, tag: str, item: str) -> CounterRow | None:
    """Point the tag's row at ``item`` (a new row starts at counter 0); return the row as it
    was before (``None``: there was none). The counter is kept: a tag provisioned again
    still refuses the URLs read from it earlier."""
    with write_transaction(engine) as conn:
        before = _row(conn, tag, lock=True)
        if before is None:
            inserted = conn.execute(
                _insert(conn)
                .values(tag=tag, item=item, counter=0)
                .on_conflict_do_nothing()
                .returning(nfc_counters.c.tag)
            ).first()
            if inserted is not None:
                return None
            before = _row(conn, tag, lock=True)  # another provisioning inserted it first
        conn.execute(update(nfc_counters).where(nfc_counters.c.tag == tag).values(item=item))
        return before


def restore_hint(engine: Engine, *, tag: str, item: str, before: CounterRow | None) -> None:
    """Undo :func:`set_hint` after the ``tag`` event could not be written (unless the row has
    moved on since: then it is someone else's)."""
    with write_transaction(engine) as conn:
        mine = (nfc_counters.c.tag == tag) & (nfc_counters.c.item == item)
        if before is None:
            conn.execute(delete(nfc_counters).where(mine & (nfc_counters.c.counter == 0)))
        else:
            conn.execute(update(nfc_counters).where(mine).values(item=before.item))


def accept_counter(engine: Engine, *, tag: str, item: str, counter: int) -> tuple[bool, int | None]:
    """Accept ``counter`` for the tag if it is above every counter accepted before.

    Returns whether this call accepted it, and the highest counter accepted before it (``None``
    if none was). Of two calls with one counter, exactly one returns ``True``.
    """
    with write_transaction(engine) as conn:
        before = _row(conn, tag, lock=True)
        if before is None:
            # RETURNING says whether this statement inserted the row: rowcount does not, on
            # PostgreSQL through psycopg, for INSERT ... ON CONFLICT DO NOTHING (it reads 0).
            inserted = conn.execute(
                _insert(conn)
                .values(tag=tag, item=item, counter=counter)
                .on_conflict_do_nothing()
                .returning(nfc_counters.c.tag)
            ).first()
            if inserted is not None:
                return True, None
        won = conn.execute(
            update(nfc_counters)
            .where(nfc_counters.c.tag == tag, nfc_counters.c.counter < counter)
            .values(counter=counter)
        )
        previous = before.counter if before is not None and before.counter > 0 else None
        return won.rowcount == 1, previous
