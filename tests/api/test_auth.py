"""Partner keys: issuing, revoking, scopes, the shared rate limit and the request log, on
SQLite and PostgreSQL; through the library and through the API."""

from __future__ import annotations

import hashlib
import time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from provenance.errors import InputError, KeyStateError, NotFoundError
from provenance.ledger.events import utc_now
from provenance.partners import (
    WINDOW_SECONDS,
    RequestRecord,
    Scope,
    Verdict,
    add_partner,
    admit,
    lease,
    list_partners,
    record_requests,
    revoke_partner,
)
from provenance.storage.tables import partner_requests, partners

from .conftest import Shop, TestClient, auth


def test_a_key_is_shown_once_and_stored_hashed(shop: Shop) -> None:
    partner, key = add_partner(shop.ledger.engine, name="Discogs", scopes=["verify"])
    assert key.startswith("pk_") and len(key) == 35
    assert partner.id.startswith("pid_") and partner.scopes == frozenset({Scope.VERIFY})
    with shop.ledger.engine.connect() as conn:
        row = conn.execute(select(partners).where(partners.c.id == partner.id)).one()
        dump = repr(conn.execute(select(partners)).all())
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in dump and key[3:] not in dump
    assert "Discogs" in [p.name for p in list_partners(shop.ledger.engine)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": ""}, "1-100 printable"),
        ({"name": "   "}, "1-100 printable"),
        ({"name": "x" * 101}, "1-100 printable"),
        ({"name": "bad\nname"}, "1-100 printable"),
        ({"name": "ok", "scopes": ["items:write"]}, "unknown scope 'items:write'"),
        ({"name": "ok", "rate_limit": 0}, "rate limit must be"),
    ],
)
def test_bad_partner_input(shop: Shop, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        add_partner(shop.ledger.engine, **kwargs)  # type: ignore[arg-type]


def test_revocation_is_final(shop: Shop) -> None:
    engine = shop.ledger.engine
    revoked = revoke_partner(engine, shop.ids["items"])
    assert revoked.revoked_at is not None
    assert admit(engine, shop.keys["items"], scope=Scope.ITEMS_READ).verdict is Verdict.REVOKED
    with pytest.raises(KeyStateError, match="already revoked"):
        revoke_partner(engine, shop.ids["items"])
    with pytest.raises(NotFoundError, match="no partner key pid_000000000000"):
        revoke_partner(engine, "pid_000000000000")
    with pytest.raises(InputError, match="is not a partner key id"):
        revoke_partner(engine, "Partner items")
    # The table keeps every key: no delete, no un-revoking, no edits but the revocation; and
    # a logged request never changes.
    partner = next(p for p in list_partners(engine) if p.id == shop.ids["all"])
    record_requests(engine, [RequestRecord(partner.id, "GET", "/v1/keys", 200, utc_now())])
    for statement in (
        "DELETE FROM partners",
        "UPDATE partners SET revoked_at = NULL",
        "UPDATE partners SET scopes = 'verify'",
        "UPDATE partner_requests SET status = 200",
    ):
        with pytest.raises(DatabaseError), engine.begin() as conn:
            conn.execute(text(statement))


def test_admit_and_lease_count_in_one_window(shop: Shop) -> None:
    engine = shop.ledger.engine
    partner, key = add_partner(engine, name="Small", rate_limit=2)
    start = 1_000_000 * WINDOW_SECONDS + 5.0
    for i in range(2):
        assert admit(engine, key, scope=Scope.VERIFY, now=start + i).ok
        assert lease(engine, partner, want=1, now=start + i).granted == 1
    limited = admit(engine, key, scope=Scope.VERIFY, now=start + 10)
    assert limited.verdict is Verdict.LIMITED and limited.retry_after == 45
    # A request that raced past admit gets nothing when it is counted.
    late = lease(engine, partner, want=1, now=start + 10)
    assert (late.granted, late.retry_after) == (0, 45)
    # The next window starts afresh.
    assert admit(engine, key, scope=Scope.VERIFY, now=start + WINDOW_SECONDS).ok
    assert admit(engine, "pk_" + "A" * 32, scope=Scope.VERIFY).verdict is Verdict.UNKNOWN
    assert admit(engine, "not a key", scope=Scope.VERIFY).verdict is Verdict.UNKNOWN
    assert admit(engine, None, scope=Scope.VERIFY).verdict is Verdict.UNKNOWN
    assert admit(engine, shop.keys["log"], scope=Scope.VERIFY).verdict is Verdict.SCOPE


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "an API key is required"),
        ({"Authorization": "Bearer pk_" + "A" * 32}, "unknown API key"),
        ({"Authorization": "Bearer nonsense"}, "unknown API key"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "an API key is required"),
        ({"X-API-Key": "pk_" + "A" * 32}, "an API key is required"),
    ],
)
def test_missing_or_unknown_key_is_401(
    client: TestClient, shop: Shop, headers: dict[str, str], message: str
) -> None:
    for method, path in (
        ("GET", f"/v1/items/{shop.record}"),
        ("GET", "/v1/keys"),
        ("POST", "/v1/verify"),
        ("GET", "/v1/consistency?old=0&new=x"),  # the key is checked before the parameters
    ):
        response = client.request(method, path, headers=headers)
        assert response.status_code == 401, (path, response.text)
        assert response.json()["kind"] == "unauthenticated"
        assert response.json()["error"].startswith(message)
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_revoked_key_is_401_from_the_next_request(client: TestClient, shop: Shop) -> None:
    assert client.get("/v1/keys", headers=auth(shop.keys["log"])).status_code == 200
    revoke_partner(shop.ledger.engine, shop.ids["log"])
    response = client.get("/v1/keys", headers=auth(shop.keys["log"]))
    assert response.status_code == 401
    assert response.json()["error"] == "this API key has been revoked"


@pytest.mark.parametrize(
    ("label", "method", "path"),
    [
        ("log", "GET", "/v1/items/{record}"),
        ("log", "GET", "/v1/items/{record}/bundle"),
        ("verify", "GET", "/v1/items/{record}/history"),
        ("items", "GET", "/v1/checkpoints/latest"),
        ("items", "GET", "/v1/anchors"),
        ("verify", "GET", "/v1/keys"),
        ("items", "POST", "/v1/verify"),
        ("log", "POST", "/v1/verify"),
    ],
)
def test_wrong_scope_is_403(
    client: TestClient, shop: Shop, label: str, method: str, path: str
) -> None:
    response = client.request(
        method, path.format(record=shop.record), headers=auth(shop.keys[label])
    )
    assert response.status_code == 403
    assert response.json()["kind"] == "forbidden"


def test_rate_limit_is_429_with_retry_after(client: TestClient, shop: Shop) -> None:
    _partner, key = add_partner(shop.ledger.engine, name="Tiny", rate_limit=3)
    codes = [
        client.get(f"/v1/items/{shop.record}", headers=auth(key)).status_code for _ in range(3)
    ]
    assert codes == [200, 200, 200]
    response = client.get(f"/v1/items/{shop.record}", headers=auth(key))
    assert response.status_code == 429
    assert response.json()["kind"] == "rate_limited"
    assert 1 <= int(response.headers["retry-after"]) <= WINDOW_SECONDS
    # Another partner's window is its own.
    assert client.get("/v1/keys", headers=auth(shop.keys["all"])).status_code == 200


def test_every_partner_request_is_logged(client: TestClient, shop: Shop) -> None:
    key, pid = shop.keys["items"], shop.ids["items"]
    client.get(f"/v1/items/{shop.record}", headers=auth(key))
    client.get("/v1/items/XXXX", headers=auth(key))
    client.get("/v1/items/" + "A" * 65, headers=auth(key))  # refused by the route's validation
    client.get("/v1/keys", headers=auth(key))  # wrong scope
    for ctype in ("application/json", "text/plain"):  # text/plain: refused after the key check
        headers = {**auth(shop.keys["verify"]), "content-type": ctype}
        client.post("/v1/verify", content=b"{}", headers=headers)
    client.get("/v1/items/%00%1b[2J", headers=auth(key))  # logged, but not as raw control bytes
    client.get(f"/v1/items/{shop.record}")  # no key: not a partner request
    # The log is written behind the responses, by the worker's flusher thread, within its
    # interval (0.2 s by default): wait for it rather than flushing by hand.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with shop.ledger.engine.connect() as conn:
            if conn.execute(select(func.count()).select_from(partner_requests)).scalar() >= 7:
                break
        time.sleep(0.05)
    with shop.ledger.engine.connect() as conn:
        rows = conn.execute(
            select(
                partner_requests.c.partner_id,
                partner_requests.c.method,
                partner_requests.c.path,
                partner_requests.c.status,
                partner_requests.c.at,
            ).order_by(partner_requests.c.id)
        ).all()
        columns = set(conn.execute(select(partner_requests).limit(1)).keys())
    assert [(r.partner_id, r.method, r.path, r.status) for r in rows] == [
        (pid, "GET", f"/v1/items/{shop.record}", 200),
        (pid, "GET", "/v1/items/XXXX", 422),
        (pid, "GET", "/v1/items/" + "A" * 65, 422),
        (pid, "GET", "/v1/keys", 403),
        (shop.ids["verify"], "POST", "/v1/verify", 200),
        (shop.ids["verify"], "POST", "/v1/verify", 415),
        (pid, "GET", "/v1/items/%00%1B%5B2J", 422),
    ]
    assert all(r.at.endswith("Z") for r in rows)
    # Nothing about the client is kept.
    assert columns == {"id", "partner_id", "method", "path", "status", "at"}
