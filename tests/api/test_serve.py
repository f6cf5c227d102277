"""The real thing: ``provenance partners`` and ``provenance serve`` as subprocesses, with
uvicorn on 127.0.0.1 (one worker on SQLite, two on PostgreSQL sharing one rate limit)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from .conftest import Shop, auth

PROVENANCE = str(Path(sys.executable).with_name("provenance"))


def _env(tmp_path: Path, shop: Shop) -> dict[str, str]:
    url = shop.ledger.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PROVENANCE_HOME": str(tmp_path / "home"), "PROVENANCE_DB_URL": url}
    env.pop("PROVENANCE_KEY", None)
    return env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PROVENANCE, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serving(env: dict[str, str], *args: str) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [PROVENANCE, "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                output = proc.stdout.read() if proc.stdout else ""
                pytest.fail(f"serve exited with {proc.returncode}: {output}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("serve did not answer /healthz within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    output = proc.stdout.read() if proc.stdout else ""
    assert "Traceback" not in output, output
    assert "unexpected error" not in output, output


def test_serve_answers_a_partner(tmp_path: Path, shop: Shop) -> None:
    env = _env(tmp_path, shop)
    postgres = shop.ledger.engine.dialect.name == "postgresql"
    workers = ["--workers", "2"] if postgres else []
    with _serving(env, *workers) as base:
        key = _add(env, "Auction House", 100)
        item = httpx.get(f"{base}/v1/items/{shop.record}", headers=auth(key), timeout=10)
        assert item.status_code == 200
        assert item.json()["verification"]["ok"] is True
        assert httpx.get(f"{base}/v1/keys", timeout=10).status_code == 401
        assert "provenance_api_requests_total" in httpx.get(f"{base}/metrics", timeout=10).text
        assert httpx.get(f"{base}/docs", timeout=10).status_code == 200
        # A new connection each time, so that with two workers both take requests: the limit
        # lives in the database, so it is one limit (5 a minute) whichever worker answers.
        for _attempt in range(3):
            small = _add(env, "Small", 5)
            window = time.time() // 60
            codes = [
                httpx.get(f"{base}/v1/keys", headers=auth(small), timeout=10).status_code
                for _ in range(7)
            ]
            if time.time() // 60 == window:  # else a new minute began midway: try again
                break
        assert codes == [200] * 5 + [429] * 2


def _add(env: dict[str, str], name: str, limit: int) -> str:
    added = _cli(env, "--json", "partners", "add", name, "--rate-limit", str(limit))
    assert added.returncode == 0, added.stderr
    key: str = json.loads(added.stdout)["key"]
    return key


def _fails(result: subprocess.CompletedProcess[str], code: int, needle: str) -> None:
    assert result.returncode == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("provenance: error: "), result.stderr
    assert needle in lines[0]


def test_partners_cli(tmp_path: Path, shop: Shop) -> None:
    env = _env(tmp_path, shop)
    added = _cli(env, "partners", "add", "Discogs", "--scope", "verify", "--scope", "items:read")
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip()
    assert key.startswith("pk_") and len(key) == 35  # stdout carries the key alone
    assert "only time the key is shown" in added.stderr
    listed: dict[str, Any] = json.loads(_cli(env, "--json", "partners", "list").stdout)
    mine = next(p for p in listed["partners"] if p["name"] == "Discogs")
    assert mine["scopes"] == ["items:read", "verify"] and mine["revoked_at"] is None
    assert key not in json.dumps(listed)
    text = _cli(env, "partners", "list").stdout
    assert mine["id"] in text and "Discogs" in text and "active" in text
    revoked = _cli(env, "--json", "partners", "revoke", mine["id"])
    assert revoked.returncode == 0 and json.loads(revoked.stdout)["partner"]["revoked_at"]

    _fails(_cli(env, "partners", "revoke", mine["id"]), 2, "already revoked")
    _fails(_cli(env, "partners", "revoke", "pid_000000000000"), 3, "no partner key")
    _fails(_cli(env, "partners", "revoke", "Discogs"), 2, "not a partner key id")
    _fails(_cli(env, "partners", "add", "X", "--scope", "admin"), 2, "unknown scope 'admin'")
    _fails(_cli(env, "partners", "add", "X", "--rate-limit", "0"), 2, "rate limit must be")
    _fails(_cli(env, "partners", "add", ""), 2, "1-100 printable characters")
    missing = {**env, "PROVENANCE_DB_URL": f"sqlite:///{tmp_path / 'none.db'}"}
    _fails(_cli(missing, "partners", "list"), 4, "run 'provenance init' first")
    _fails(_cli(missing, "serve", "--port", "1"), 4, "run 'provenance init' first")
    json_error = _cli(env, "--json", "partners", "revoke", "pid_000000000000")
    assert json.loads(json_error.stdout) == {
        "ok": False,
        "error": "no partner key pid_000000000000",
        "kind": "not_found",
    }
    usage = _cli(env, "serve", "--port", "0")
    assert usage.returncode == 2


def test_a_client_hanging_up_mid_upload_is_not_a_server_error(tmp_path: Path, shop: Shop) -> None:
    env = {**_env(tmp_path, shop), "PROVENANCE_API_LOG_FLUSH_SECONDS": "0.05"}
    with _serving(env) as base:
        added = _cli(env, "--json", "partners", "add", "Hangs Up", "--scope", "verify")
        key = json.loads(added.stdout)["key"]
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                b"POST /v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + f"Authorization: Bearer {key}\r\n".encode()
                + b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                + b'{"format": "provenance.bundle", "events": ['
            )
            time.sleep(0.5)  # the server is now waiting for the rest of the body
        deadline = time.monotonic() + 10
        while True:
            metrics = httpx.get(f"{base}/metrics", timeout=10).text
            if 'route="/v1/verify",method="POST",status="499"' in metrics:
                break
            assert time.monotonic() < deadline, metrics
            time.sleep(0.2)
        assert 'status="500"' not in metrics
    # (_serving checked the server's output: no traceback, no "unexpected error".)
    with shop.ledger.engine.connect() as conn:
        logged = conn.execute(text("SELECT path, status FROM partner_requests")).all()
    assert ("/v1/verify", 499) in [tuple(r) for r in logged]


def test_docs_work_offline(tmp_path: Path, shop: Shop) -> None:
    env = _env(tmp_path, shop)
    with _serving(env) as base:
        page = httpx.get(f"{base}/docs", timeout=10)
        assert page.status_code == 200
        assert "script-src 'self'" in page.headers["content-security-policy"]
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources and all(s.startswith("/docs/") for s in sources), sources
        assert "<script>" not in page.text  # no inline script
        for source in sources:
            asset = httpx.get(f"{base}{source}", timeout=10)
            assert asset.status_code == 200 and len(asset.content) > 20, source
        bundle = httpx.get(f"{base}/docs/assets/swagger-ui-bundle.js", timeout=10).text
        assert "SwaggerUIBundle" in bundle
        assert httpx.get(f"{base}/openapi.json", timeout=10).json()["info"]["title"]
