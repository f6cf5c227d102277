"""Engines, SQLite settings, write transactions and migrations, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from provenance.errors import ConfigurationError, InputError
from provenance.storage import current_revision, ensure_current, make_engine, schema_head, upgrade
from provenance.storage.engine import is_sqlite, sqlite_path, write_transaction
from provenance.storage.migrate import alembic_head

SQLITE_FULL = 2  # PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA (sqlite.org/pragma.html)

EXPECTED_TABLES = {
    "alembic_version",
    "anchors",
    "blobs",
    "chain_alarms",
    "checkpoints",
    "deployments",
    "discogs_listings",
    "events",
    "key_names",
    "log_head",
    "log_nodes",
    "nfc_counters",
    "owners",
    "partner_rate",
    "partner_requests",
    "partners",
    "scans",
    "store",
}


def test_schema_head() -> None:
    assert schema_head() == "0010"


def test_schema_head_constant_matches_the_shipped_migrations() -> None:
    # SCHEMA_HEAD spares every command alembic's import; it must track the newest migration.
    assert alembic_head() == schema_head()


def test_upgrade_creates_the_schema(engine: Engine) -> None:
    assert current_revision(engine) == schema_head()
    ensure_current(engine)
    with engine.connect() as conn:
        if is_sqlite(engine):
            names = "SELECT name FROM sqlite_master WHERE type = 'table'"
        else:
            names = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        tables = {r[0] for r in conn.execute(text(names))}
        assert conn.execute(text("SELECT id, size FROM log_head")).all() == [(1, 0)]
    assert tables == EXPECTED_TABLES


def test_single_row_tables_refuse_a_second_row(engine: Engine) -> None:
    for table, row in (
        ("log_head", "(2, 0)"),
        ("store", "(2, 'Other', '2026-01-01T00:00:00Z', NULL, NULL)"),
    ):
        refused = pytest.raises(IntegrityError, match=f"{table}_single_row")
        with refused, engine.begin() as conn:
            conn.execute(text(f"INSERT INTO {table} VALUES {row}"))


def test_ensure_current_without_a_schema(db_url: str) -> None:
    eng = make_engine(db_url, create=True)
    try:
        assert current_revision(eng) is None
        with pytest.raises(
            ConfigurationError, match=r"no ledger in .*; run 'provenance init' first"
        ):
            ensure_current(eng)
    finally:
        eng.dispose()


def test_ensure_current_with_an_unknown_revision(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(
        ConfigurationError, match="ledger schema is at 0000, this version needs 0010"
    ):
        ensure_current(engine)


def test_unreachable_postgres_database(pg_url: str) -> None:
    eng = make_engine(pg_url.rsplit("/", 1)[0] + "/prov_does_not_exist")
    try:
        with pytest.raises(ConfigurationError, match="cannot open the ledger database"):
            current_revision(eng)
        with pytest.raises(ConfigurationError, match="cannot migrate the ledger database"):
            upgrade(eng)
    finally:
        eng.dispose()


def test_make_engine_url_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a database URL"):
        make_engine("not a url")
    with pytest.raises(InputError, match="unsupported database URL 'nosuchdb://x'"):
        make_engine("nosuchdb://x")
    missing = tmp_path / "nested" / "ledger.db"
    with pytest.raises(
        ConfigurationError, match=r"no ledger at .*ledger\.db; run 'provenance init'"
    ):
        make_engine(f"sqlite:///{missing}")
    assert not missing.parent.exists()
    eng = make_engine(f"sqlite:///{missing}", create=True)
    eng.dispose()
    assert missing.parent.is_dir()


def test_sqlite_path() -> None:
    assert sqlite_path("sqlite:////tmp/x/ledger.db") == Path("/tmp/x/ledger.db")
    assert sqlite_path("sqlite://") is None
    assert sqlite_path("sqlite:///:memory:") is None
    assert sqlite_path("postgresql+psycopg:///shop") is None


def test_sqlite_connection_settings(sqlite_url: str) -> None:
    eng = make_engine(sqlite_url, create=True)
    try:
        with eng.connect() as conn:
            pragmas = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in (
                    "journal_mode",
                    "synchronous",
                    "secure_delete",
                    "foreign_keys",
                    "busy_timeout",
                )
            }
    finally:
        eng.dispose()
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": SQLITE_FULL,  # a commit is on disk before it returns
        "secure_delete": 1,
        "foreign_keys": 1,
        "busy_timeout": 30_000,
    }


def test_every_pooled_sqlite_connection_is_durable(tmp_path: Path) -> None:
    # The pragma is per connection: each new one the pool opens must get it, the ledger's
    # write connections included.
    eng = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}", create=True)
    try:
        upgrade(eng)
        conns = [eng.connect() for _ in range(3)]
        try:
            assert [c.exec_driver_sql("PRAGMA synchronous").scalar() for c in conns] == [2, 2, 2]
        finally:
            for c in conns:
                c.close()
        with write_transaction(eng) as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == SQLITE_FULL
    finally:
        eng.dispose()


def test_owners_vault_has_the_private_price_columns(engine: Engine) -> None:
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("owners")}
    assert {"price_amount", "price_currency", "price_salt"} <= columns


def test_sqlite_write_transactions_take_the_write_lock_at_once(tmp_path: Path) -> None:
    # BEGIN IMMEDIATE: while one write transaction is open, another cannot even start.
    path = tmp_path / "ledger.db"
    eng = make_engine(f"sqlite:///{path}", create=True)
    upgrade(eng)
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with write_transaction(eng) as conn:
            conn.execute(text("SELECT size FROM log_head")).scalar_one()
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                probe.execute("BEGIN IMMEDIATE")
        probe.execute("BEGIN IMMEDIATE")  # free again
        probe.execute("ROLLBACK")
    finally:
        probe.close()
        eng.dispose()


def test_write_transaction_wraps_sqlite_errors(tmp_path: Path) -> None:
    path = tmp_path / "gone" / "ledger.db"
    eng = make_engine(f"sqlite:///{path}", create=True)
    path.parent.rmdir()  # the directory vanished under a running program
    try:
        refused = pytest.raises(ConfigurationError, match="database error: unable to open")
        with refused, write_transaction(eng) as conn:
            conn.execute(text("SELECT 1"))
    finally:
        eng.dispose()


def test_write_transaction_wraps_postgres_errors(pg_url: str) -> None:
    eng = make_engine(pg_url.rsplit("/", 1)[0] + "/prov_does_not_exist")
    try:
        refused = pytest.raises(ConfigurationError, match=r"database error: .*prov_does_not_exist")
        with refused, write_transaction(eng) as conn:
            conn.execute(text("SELECT 1"))
    finally:
        eng.dispose()


def test_write_transaction_commits_and_rolls_back(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        conn.execute(text("UPDATE log_head SET size = 5"))
    with pytest.raises(RuntimeError, match="boom"), write_transaction(engine) as conn:
        conn.execute(text("UPDATE log_head SET size = 9"))
        raise RuntimeError("boom")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT size FROM log_head")).scalar_one() == 5


def test_migration_0008_keeps_existing_owners(db_url: str) -> None:
    eng = make_engine(db_url, create=True)
    try:
        upgrade(eng, "0007")
        with eng.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO owners (owner_id, label, contact, salt, created_at) "
                    "VALUES ('own_1', 'Jane', 'jane@x.example', :salt, '2026-01-01T00:00:00Z')"
                ),
                {"salt": bytes(32)},
            )
        upgrade(eng, "0008")
        assert current_revision(eng) == "0008"
        with eng.connect() as conn:
            row = conn.execute(
                text("SELECT label, price_amount, price_currency, price_salt FROM owners")
            ).one()
        assert tuple(row) == ("Jane", None, None, None)
    finally:
        eng.dispose()
