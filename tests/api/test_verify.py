"""``POST /v1/verify``: a stateless check of any bundle; bad bodies get a 4xx JSON answer."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import select

from provenance.proof.bundle import MAX_BUNDLE_BYTES, build_bundle
from provenance.storage.tables import partner_requests

from .conftest import Shop, TestClient, auth


def _post(client: TestClient, key: str, body: bytes, ctype: str | None = "application/json") -> Any:
    headers = auth(key)
    if ctype is not None:
        headers["content-type"] = ctype
    return client.post("/v1/verify", content=body, headers=headers)


@pytest.fixture
def bundle(shop: Shop) -> dict[str, Any]:
    return build_bundle(shop.ledger.engine, shop.record)


def test_a_good_bundle_verifies(client: TestClient, shop: Shop, bundle: dict[str, Any]) -> None:
    response = _post(client, shop.keys["verify"], json.dumps(bundle).encode())
    assert response.status_code == 200
    report = response.json()
    assert report["ok"] is True and report["item"] == shop.record
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    assert statuses["signatures"] == statuses["inclusion"] == "passed"
    assert statuses["anchor"] == "not_checked"
    assert report["complete"] is False


def test_a_doctored_bundle_is_200_with_ok_false(
    client: TestClient, shop: Shop, bundle: dict[str, Any]
) -> None:
    bundle["events"][1]["body"] = bundle["events"][1]["body"].replace("VG+", "NM")
    for document in (bundle, {}, {"format": "provenance.bundle", "version": 1}):
        response = _post(client, shop.keys["verify"], json.dumps(document).encode())
        assert response.status_code == 200
        assert response.json()["ok"] is False
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
