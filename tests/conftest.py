"""Shared fixtures: databases (a SQLite file, or a fresh PostgreSQL database per test), a
ledger with its staff keys, and the known-answer vectors under ``tests/assets/``.

PostgreSQL comes from ``PROVENANCE_TEST_PG_URL``, an admin URL (``scripts/test.sh`` sets it to
``postgresql+psycopg:///postgres`` on the local socket). Each test gets its own database,
dropped afterwards. Without the variable PostgreSQL tests are skipped, unless
``PROVENANCE_REQUIRE_PG=1`` (the test command sets it), where they fail: a suite that was
meant to cover PostgreSQL must not pass by skipping it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from provenance import Ledger, Role, SigningKey
from provenance.storage import make_engine, upgrade

from .samples import Staff, load_vector

PG_URL_ENV = "PROVENANCE_TEST_PG_URL"
REQUIRE_PG_ENV = "PROVENANCE_REQUIRE_PG"


def admin_pg_url() -> str:
    """The admin URL, or fail/skip the calling test as the environment asks."""
    url = os.environ.get(PG_URL_ENV)
    if url:
        return url
    if os.environ.get(REQUIRE_PG_ENV) == "1":
        pytest.fail(f"{REQUIRE_PG_ENV}=1 but {PG_URL_ENV} is not set; run scripts/test.sh")
    pytest.skip(f"{PG_URL_ENV} is not set (scripts/test.sh sets it)")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file URL in the test's own directory (the file does not exist yet)."""
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test, dropped afterwards."""
    admin_url = make_url(admin_pg_url())
    name = f"prov_{secrets.token_hex(6)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield admin_url.set(database=name).render_as_string(hide_password=False)
        finally:
            # FORCE ends connections that engines made by the test still hold in their pools.
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty database; every test using it runs on SQLite and on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on ``db_url`` with the ledger schema migrated to head (not initialised)."""
    eng = make_engine(db_url, create=True)
    upgrade(eng)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def staff() -> Staff:
    """Fresh, unencrypted in-memory keys (encryption is only exercised in test_keys.py)."""
    return Staff(
        admin=SigningKey.generate(),
        registrar=SigningKey.generate(),
        grader=SigningKey.generate(),
    )


@pytest.fixture
def ledger(engine: Engine, staff: Staff) -> Ledger:
    """An initialised ledger whose key chain adds ``staff``: admin, registrar, grader."""
    led = Ledger(engine)
    led.initialise(store_name="Test Records", admin=staff.admin, admin_name="admin")
    led.add_key(signer=staff.admin, new_key=staff.registrar, role=Role.REGISTRAR, name="rick")
    led.add_key(signer=staff.admin, new_key=staff.grader, role=Role.GRADER, name="anna")
    return led


@pytest.fixture
def vector() -> Callable[[str], Any]:
    """``vector("rfc8785")`` loads ``tests/assets/rfc8785.json``."""
    return load_vector
