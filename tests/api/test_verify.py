"""``POST /v1/verify``: any bundle checked against this store's log key (or the one the
``log_key`` parameter pins), answered with the verdict; bad bodies get a 4xx JSON answer."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select

from provenance import Ledger, SigningKey
from provenance.log.checkpoint import verifier_key
from provenance.log.transparency import TransparencyLog
from provenance.partners import add_partner
from provenance.proof.bundle import MAX_BUNDLE_BYTES, build_bundle
from provenance.storage.tables import partner_requests

from ..forgery import forge_bundle
from ..samples import VINYL, Staff
from .conftest import Shop, TestClient, auth


def _post(client: TestClient, key: str, body: bytes, ctype: str | None = "application/json") -> Any:
    headers = auth(key)
    if ctype is not None:
        headers["content-type"] = ctype
    return client.post("/v1/verify", content=body, headers=headers)


@pytest.fixture
def bundle(shop: Shop) -> dict[str, Any]:
    return build_bundle(shop.ledger.engine, shop.record)


@pytest.fixture
def proven(shop: Shop) -> dict[str, Any]:
    """The record's bundle after a checkpoint that covers its newest event too."""
    TransparencyLog(shop.ledger.engine).checkpoint(shop.log_key)
    return build_bundle(shop.ledger.engine, shop.record)


def _statuses(report: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["status"] for c in report["checks"]}


def test_a_checkpointed_bundle_verifies_under_the_stores_own_key(
    client: TestClient, shop: Shop, proven: dict[str, Any]
) -> None:
    response = _post(client, shop.keys["verify"], json.dumps(proven).encode())
    assert response.status_code == 200
    report = response.json()
    assert report["outcome"] == "verified" and report["log_key_pinned"] is True
    assert report["ok"] is True and report["item"] == shop.record and report["unproven"] == []
    assert report["summary"].startswith("verified: every event is in the signed log;")
    statuses = _statuses(report)
    assert statuses["signatures"] == statuses["inclusion"] == statuses["checkpoint"] == "passed"
    assert statuses["anchor"] == "not_checked"
    assert report["complete"] is False
    checkpoint = next(c for c in report["checks"] if c["name"] == "checkpoint")
    assert "signed by the pinned log key" in checkpoint["detail"]


def test_the_stores_export_with_a_newer_event_is_unproven(
    client: TestClient, shop: Shop, bundle: dict[str, Any]
) -> None:
    # The shop's last note came after its checkpoint: honest, and not proven yet.
    report = _post(client, shop.keys["verify"], json.dumps(bundle).encode()).json()
    assert report["outcome"] == "unproven" and report["ok"] is True
    assert report["summary"] == "unproven: 1 newest event is not yet in a signed checkpoint"
    assert report["unproven"] == bundle["unproven"]


def test_a_bundle_forged_from_scratch_is_not_verified(client: TestClient, shop: Shop) -> None:
    # Fresh keys for a real item id, checkpoint null: every signature holds, nothing is proven.
    forged = forge_bundle(shop.record)
    report = _post(client, shop.keys["verify"], json.dumps(forged).encode()).json()
    assert report["outcome"] == "unproven" and report["item"] == shop.record
    assert _statuses(report)["signatures"] == "passed"
    assert _statuses(report)["checkpoint"] == "not_checked"
    assert report["summary"].startswith("unproven: the bundle has no signed checkpoint")


def test_a_forgery_with_its_own_log_key_fails_against_the_stores(
    client: TestClient, shop: Shop
) -> None:
    forged = forge_bundle(shop.record, log_key=SigningKey.generate())
    from provenance.proof.verifier import verify_bundle

    assert verify_bundle(forged).outcome == "verified"  # unpinned, it would pass: hence the pin
    report = _post(client, shop.keys["verify"], json.dumps(forged).encode()).json()
    assert report["outcome"] == "failed" and report["log_key_pinned"] is True
    assert _statuses(report)["checkpoint"] == "failed"
    assert "is not the pinned one" in report["summary"]


def test_another_pinned_key_fails_a_real_bundle(
    client: TestClient, shop: Shop, proven: dict[str, Any]
) -> None:
    other = verifier_key("provenance.log/test-records", SigningKey.generate().public)
    response = client.post(
        "/v1/verify",
        params={"log_key": other},
        content=json.dumps(proven).encode(),
        headers={**auth(shop.keys["verify"]), "content-type": "application/json"},
    )
    assert response.status_code == 200
    report = response.json()
    assert report["outcome"] == "failed" and _statuses(report)["checkpoint"] == "failed"


def test_the_log_key_parameter_pins_that_key(
    client: TestClient, shop: Shop, proven: dict[str, Any]
) -> None:
    # Another store's bundle, verified against that store's published key.
    log_key = SigningKey.generate()
    elsewhere = forge_bundle(shop.record, log_key=log_key, origin="provenance.log/elsewhere")
    published = elsewhere["log"]["verifier_key"]
    assert "+" in published
    headers = {**auth(shop.keys["verify"]), "content-type": "application/json"}
    for raw in (quote(published, safe=""), published):  # '+' encoded, and left as is (a space)
        response = client.post(
            f"/v1/verify?log_key={raw}", content=json.dumps(elsewhere).encode(), headers=headers
        )
        report = response.json()
        assert report["outcome"] == "verified" and report["log_key_pinned"] is True, report
    # ... and the store's own bundle fails against it.
    report = client.post(
        "/v1/verify", params={"log_key": published}, content=json.dumps(proven), headers=headers
    ).json()
    assert report["outcome"] == "failed"


@pytest.mark.parametrize("bad", ["not-a-key", "a+00000000+AQ==", "a b+1+x"])
def test_a_malformed_log_key_is_422(
    client: TestClient, shop: Shop, proven: dict[str, Any], bad: str
) -> None:
    response = client.post(
        "/v1/verify",
        params={"log_key": bad},
        content=json.dumps(proven).encode(),
        headers={**auth(shop.keys["verify"]), "content-type": "application/json"},
    )
    assert response.status_code == 422, response.text  # refused by the schema's pattern
    assert response.json()["kind"] == "invalid_input"
    assert "log_key" in response.json()["error"]


def test_a_well_formed_key_that_verifies_nothing_fails_the_checkpoint(
    client: TestClient, shop: Shop, proven: dict[str, Any]
) -> None:
    published = TransparencyLog(shop.ledger.engine).identity().verifier_key
    name, key_hex, encoded = published.split("+", 2)
    wrong_id = f"{name}+{'0' * 8 if key_hex != '0' * 8 else '1' * 8}+{encoded}"
    response = client.post(
        "/v1/verify",
        params={"log_key": wrong_id},
        content=json.dumps(proven).encode(),
        headers={**auth(shop.keys["verify"]), "content-type": "application/json"},
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["outcome"] == "failed" and report["verdict"] == "failed"
    checkpoint = next(c for c in report["checks"] if c["name"] == "checkpoint")
    assert checkpoint["status"] == "failed"
    assert "the pinned log key cannot verify anything" in checkpoint["detail"]


def test_a_store_without_a_log_key_must_be_told_one(ledger: Ledger, staff: Staff) -> None:
    from provenance_api import create_app

    _partner, key = add_partner(ledger.engine, name="Partner", scopes=["verify"])
    forged = forge_bundle(ledger.register(signer=staff.registrar, data=VINYL).event.item)
    with TestClient(create_app(ledger.engine)) as client:
        response = _post(client, key, json.dumps(forged).encode())
        assert response.status_code == 503
        assert response.json()["kind"] == "configuration"
        assert "pass log_key=" in response.json()["error"]


def test_duplicate_keys_fail_the_format_check(
    client: TestClient, shop: Shop, proven: dict[str, Any]
) -> None:
    text = json.dumps(proven).replace('"item": ', '"item": "00000-00000-0", "item": ', 1)
    report = _post(client, shop.keys["verify"], text.encode()).json()
    assert report["outcome"] == "failed"
    assert report["checks"][0] == {
        "name": "format",
        "status": "failed",
        "detail": "bundle is not valid JSON: duplicate key 'item'",
    }


def test_a_doctored_bundle_is_200_with_ok_false(
    client: TestClient, shop: Shop, bundle: dict[str, Any]
) -> None:
    bundle["events"][1]["body"] = bundle["events"][1]["body"].replace("VG+", "NM")
    for document in (bundle, {}, {"format": "provenance.bundle", "version": 1}):
        response = _post(client, shop.keys["verify"], json.dumps(document).encode())
        assert response.status_code == 200
        assert response.json()["ok"] is False
        assert response.json()["outcome"] == "failed"
    report = _post(client, shop.keys["verify"], b"{}").json()
    assert report["checks"][0]["name"] == "format" and report["checks"][0]["status"] == "failed"


@pytest.mark.parametrize(
    ("body", "ctype", "status", "kind"),
    [
        (
            b'{"format": "provenance.bundle", "events": [',
            "application/json",
            400,
            "invalid_input",
        ),
        (b"", "application/json", 400, "invalid_input"),
        (b"\xff\xfe\x00garbage", "application/json", 400, "invalid_input"),
        ('{"a": "\u00e9"}'.encode("utf-16"), "application/json", 400, "invalid_input"),
        (b"[1, 2, 3]", "application/json", 400, "invalid_input"),
        (b'"a string"', "application/json", 400, "invalid_input"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 400, "invalid_input"),
        (b"{}", "text/plain", 415, "unsupported_media_type"),
        (b"{}", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (b"{}", None, 415, "unsupported_media_type"),
    ],
)
def test_malformed_bodies(
    client: TestClient, shop: Shop, body: bytes, ctype: str | None, status: int, kind: str
) -> None:
    response = _post(client, shop.keys["verify"], body, ctype)
    assert response.status_code == status, response.text
    assert response.json()["kind"] == kind


def test_json_with_a_charset_is_fine(client: TestClient, shop: Shop) -> None:
    response = _post(client, shop.keys["verify"], b"{}", "application/json; charset=utf-8")
    assert response.status_code == 200


def test_an_oversized_bundle_is_413_before_it_is_read(client: TestClient, shop: Shop) -> None:
    body = b'{"pad": "' + b"x" * MAX_BUNDLE_BYTES + b'"}'
    response = _post(client, shop.keys["verify"], body)
    assert response.status_code == 413
    assert response.json()["kind"] == "too_large"


def test_a_body_without_length_is_cut_off_at_the_limit(shop: Shop) -> None:
    """Streamed (chunked, no Content-Length), the body is read only up to the limit: driven
    at the ASGI level, since the test client reads a body whole before the app sees it."""
    from provenance_api import create_app
    from provenance_api.settings import ApiSettings

    app = create_app(shop.ledger.engine, settings=ApiSettings(max_bundle_bytes=4096))
    chunks = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal chunks
        chunks += 1
        return {"type": "http.request", "body": b" " * 512, "more_body": chunks < 100}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/verify",
        "raw_path": b"/v1/verify",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"authorization", f"Bearer {shop.keys['verify']}".encode()),
            (b"content-type", b"application/json"),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["kind"] == "too_large"
    assert chunks == 9  # 9 x 512 bytes > 4096: not one chunk more
    app.state.ctx.bookkeeper.close()  # what the lifespan does at shutdown: write the log
    with shop.ledger.engine.connect() as conn:
        logged = conn.execute(select(partner_requests.c.path, partner_requests.c.status)).all()
    assert [tuple(r) for r in logged] == [("/v1/verify", 413)]


def test_a_body_under_a_lowered_limit_is_fine(shop: Shop) -> None:
    from provenance_api import create_app
    from provenance_api.settings import ApiSettings

    app = create_app(shop.ledger.engine, settings=ApiSettings(max_bundle_bytes=4096))
    with TestClient(app) as client:
        assert _post(client, shop.keys["verify"], b" " * 4000 + b"{}").status_code == 200
        assert _post(client, shop.keys["verify"], b" " * 4095 + b"{}").status_code == 413


@pytest.mark.parametrize(
    "shape",
    ["escaped-quotes", "deep", "many-strings", "many-objects"],
)
def test_adversarial_bodies_at_the_size_limit_are_refused_quickly(
    client: TestClient, shop: Shop, shape: str
) -> None:
    # Coarse on purpose (bench/api_abuse.py measures): the quadratic pre-check needed days
    # for an 8 MiB body, and a parse of every tiny value several seconds.
    size = MAX_BUNDLE_BYTES - 64
    body = {
        "escaped-quotes": b'"' + b'\\"' * ((size - 1) // 2),
        "deep": b"[" * size,
        "many-strings": b'{"notes": [' + b'"",' * ((size - 16) // 3) + b'""]}',
        "many-objects": b'{"events": [' + b"{}," * ((size - 16) // 3) + b"{}]}",
    }[shape]
    assert len(body) <= MAX_BUNDLE_BYTES
    started = time.monotonic()
    response = _post(client, shop.keys["verify"], body)
    assert time.monotonic() - started < 10.0
    assert response.status_code == 400, response.text
    assert response.json()["kind"] == "invalid_input"
