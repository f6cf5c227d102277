"""Fixtures for the partner API: a shop on the ``ledger`` fixture (SQLite and PostgreSQL) with
items registered, graded, sold to a named buyer and flagged, a signed checkpoint, partner
keys, and a TestClient on ``create_app(engine)``."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from provenance import Ledger, SigningKey
from provenance.ledger.schemas import EventType
from provenance.log.transparency import TransparencyLog
from provenance.partners import add_partner

from ..samples import FILM, FILM_GRADE, VINYL, VINYL_GRADE, Staff

with warnings.catch_warnings():
    # Starlette asks for httpx2 in TestClient; httpx is what the project depends on.
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

OWNER = "Jane Example"
CONTACT = "jane@example.com"


@dataclass
class Shop:
    """The ledger, its items and keys, and partner keys by scope."""

    ledger: Ledger
    staff: Staff
    log_key: SigningKey
    record: str  # registered, graded, corrected, sold to OWNER, checkpointed, then a note
    film: str  # registered, graded, flagged stolen
    keys: dict[str, str] = field(default_factory=dict)  # label -> partner key
    ids: dict[str, str] = field(default_factory=dict)  # label -> partner key id


def make_shop(ledger: Ledger, staff: Staff) -> Shop:
    """Build the shop every API test starts from."""
    log_key = SigningKey.generate()
    TransparencyLog(ledger.engine).set_identity(log_key, store_name="Test Records")
    record = ledger.register(signer=staff.registrar, data=VINYL).event.item
    ledger.append(signer=staff.grader, item=record, event_type=EventType.GRADE, data=VINYL_GRADE)
    ledger.append(
        signer=staff.grader,
        item=record,
        event_type=EventType.CORRECT,
        data={
            "supersedes": 1,
            "reason": "sleeve re-examined",
            "data": {**VINYL_GRADE, "sleeve": "VG+"},
        },
    )
    ledger.transfer(
        signer=staff.registrar,
        item=record,
        label=OWNER,
        contact=CONTACT,
        claim_code=True,
        price={"amount": 45000, "currency": "EUR"},
        public_price=True,  # the history test reads the price back (prices are private by default)
    )
    film = ledger.register(signer=staff.registrar, data=FILM).event.item
    ledger.append(signer=staff.grader, item=film, event_type=EventType.GRADE, data=FILM_GRADE)
    ledger.append(
        signer=staff.registrar,
        item=film,
        event_type=EventType.STATUS,
        data={"status": "stolen", "note": "taken from the booth"},
    )
    TransparencyLog(ledger.engine).checkpoint(log_key)
    ledger.append(
        signer=staff.grader, item=record, event_type=EventType.NOTE, data={"text": "cleaned"}
    )
    shop = Shop(ledger=ledger, staff=staff, log_key=log_key, record=record, film=film)
    for label, scopes in (
        ("all", None),
        ("items", ["items:read"]),
        ("log", ["log:read"]),
        ("verify", ["verify"]),
    ):
        partner, key = add_partner(ledger.engine, name=f"Partner {label}", scopes=scopes)
        shop.keys[label] = key
        shop.ids[label] = partner.id
    return shop


@pytest.fixture
def shop(ledger: Ledger, staff: Staff) -> Shop:
    return make_shop(ledger, staff)


@pytest.fixture
def client(shop: Shop) -> Iterator[TestClient]:
    from provenance_api import create_app

    with TestClient(create_app(shop.ledger.engine)) as test_client:
        yield test_client


def auth(key: str) -> dict[str, Any]:
    """The header a partner sends."""
    return {"Authorization": f"Bearer {key}"}
