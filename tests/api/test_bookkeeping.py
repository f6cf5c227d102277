"""The API's per-process bookkeeping: rate-limit leases shared through the database, and the
write-behind request log. Two :class:`Bookkeeper` objects on one database stand for two
worker processes (each process has exactly one)."""

from __future__ import annotations

import pytest
from provenance_api import create_app
from provenance_api.bookkeeping import Bookkeeper, lease_size
from sqlalchemy import select

from provenance.errors import InputError
from provenance.partners import (
    WINDOW_SECONDS,
    Partner,
    add_partner,
    admit,
    lease,
    revoke_partner,
)
from provenance.storage.tables import partner_rate, partner_requests

from .conftest import Shop, TestClient, auth

START = 2_000_000 * WINDOW_SECONDS + 1.0  # the start of some window, give or take a second


def _admitted(workers: list[Bookkeeper], partner: Partner, tries: int) -> int:
    admitted = 0
    for i in range(tries):
        # Round-robin over the workers, as a load balancer would spread a partner's requests.
        admitted += workers[i % len(workers)].take(partner, now=START + i * 0.001) == 0
    return admitted


def test_lease_size() -> None:
    assert [lease_size(n) for n in (1, 5, 199, 200, 600, 10_000, 1_000_000)] == [
        1,
        1,
        1,
        2,
        6,
        100,
        100,
    ]


def test_small_limits_are_exact_across_workers(shop: Shop) -> None:
    partner, _key = add_partner(shop.ledger.engine, name="Small", rate_limit=150)
    workers = [Bookkeeper(shop.ledger.engine, flush_seconds=1) for _ in range(3)]
    assert _admitted(workers, partner, 400) == 150
    with shop.ledger.engine.connect() as conn:
        used = conn.execute(
            select(partner_rate.c.used).where(partner_rate.c.partner_id == partner.id)
        ).scalar_one()
    # Each worker asked the database once more, found the window full, and then refused
    # locally until the window ends.
    assert used == 150 + len(workers)


def test_leased_limits_are_never_exceeded(shop: Shop) -> None:
    limit = 5_000  # leases of 50
    partner, _key = add_partner(shop.ledger.engine, name="Large", rate_limit=limit)
    workers = [Bookkeeper(shop.ledger.engine, flush_seconds=1) for _ in range(3)]
    admitted = _admitted(workers, partner, limit + 500)
    # Never over the limit; under it by at most one unused lease per other worker.
    assert limit - 2 * lease_size(limit) <= admitted <= limit
    # A refused request says when the window ends.
    assert workers[0].take(partner, now=START + 20) == 39  # the window ends at START + 59
    # The next window starts afresh.
    assert workers[1].take(partner, now=START + WINDOW_SECONDS) == 0


def test_lease_grants_only_what_fits(shop: Shop) -> None:
    engine = shop.ledger.engine
    partner, key = add_partner(engine, name="Fit", rate_limit=10)
    first = lease(engine, partner, want=8, now=START)
    second = lease(engine, partner, want=8, now=START + 1)
    third = lease(engine, partner, want=8, now=START + 2)
    assert (first.granted, second.granted, third.granted) == (8, 2, 0)
    assert third.retry_after == 57  # START is 1 s into its window
    # admit's own limit check sees the shared count; the API's does not use it.
    assert admit(engine, key, scope=next(iter(partner.scopes)), now=START + 3, check_limit=False).ok
    with pytest.raises(InputError, match="at least one request"):
        lease(engine, partner, want=0)


def test_the_log_is_written_in_order_and_on_close(shop: Shop) -> None:
    engine = shop.ledger.engine
    partner, _key = add_partner(engine, name="Logged", rate_limit=100)
    keeper = Bookkeeper(engine, flush_seconds=60)  # the interval never passes in this test
    for status in (200, 404, 429):
        keeper.record(partner, method="GET", path=f"/v1/items/{status}", status=status)
    with engine.connect() as conn:
        assert conn.execute(select(partner_requests)).all() == []  # buffered, not yet written
    keeper.close()
    with engine.connect() as conn:
        rows = conn.execute(
            select(partner_requests.c.path, partner_requests.c.status)
            .where(partner_requests.c.partner_id == partner.id)
            .order_by(partner_requests.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("/v1/items/200", 200),
        ("/v1/items/404", 404),
        ("/v1/items/429", 429),
    ]


def test_a_revoked_key_is_refused_even_with_a_lease_in_hand(shop: Shop) -> None:
    engine = shop.ledger.engine
    partner, key = add_partner(engine, name="Revoked", rate_limit=100_000)  # leases of 100
    with TestClient(create_app(engine)) as client:
        assert client.get("/v1/keys", headers=auth(key)).status_code == 200  # took a lease
        revoke_partner(engine, partner.id)
        assert client.get("/v1/keys", headers=auth(key)).status_code == 401
