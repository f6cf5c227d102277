"""The buyer pages over HTTP (Starlette's test client, a real SQLite ledger): security headers
on every page, HEAD, no redirect built from the Host header, gzip, the per-client rate limit,
photos served by content address and checked before serving, and scan notes nobody can plant.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from provenance_api import create_app
from provenance_api.page_guard import CSP, ClientLimiter
from provenance_api.settings import ApiSettings
from sqlalchemy import Engine, insert, text
from starlette.testclient import TestClient

from provenance.ledger.canonical import sha256_hex
from provenance.storage.tables import chain_alarms, scans
from provenance.tags.codes import issue_tag, new_tag_code
from provenance.tags.scans import BURST_LIMIT, scan_notes

from ..samples import VINYL
from ._shops import IPHONE, photo

BASE = "https://shop.example"
DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/130.0"


@dataclass
class Page:
    engine: Engine
    item: str
    path: str  # the tag's link, without the host
    photos: list[bytes]


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    from ._shops import new_store

    engine, ledger, keys = new_store(tmp_path / "ledger.db", "Test Records")
    photos = [photo("label"), photo("runout")]
    item = ledger.register(signer=keys["registrar"], data=VINYL, photos=photos).event.item
    tag = issue_tag(ledger, signer=keys["registrar"], item=item, base_url=BASE)
    yield Page(engine, item, tag.url.removeprefix(BASE), photos)
    engine.dispose()


def _client(page: Page, *, limit: int = 0) -> TestClient:
    return TestClient(create_app(page.engine, settings=ApiSettings(page_rate_limit=limit)))


def _assert_page_headers(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["content-security-policy"] == CSP
    assert "script-src" not in CSP and "'unsafe-inline'" not in CSP
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_every_page_sends_the_security_headers(page: Page) -> None:
    client = _client(page)
    thumb = next(re.finditer(r'src="([^"]+/thumb/[0-9a-f]{64})"', client.get(page.path).text))[1]
    for path, status in [
        (page.path, 200),
        (f"/v/{page.item}", 200),
        (thumb, 200),
        (f"/v/{page.item}/bundle.json", 200),
        ("/v/00000-00000-0", 404),
        ("/v/not-an-id", 400),
        (f"/v/{page.item}/no/such/page", 404),
        ("/static/page.css", 200),
        ("/favicon.ico", 200),
    ]:
        response = client.get(path)
        assert response.status_code == status, path
        _assert_page_headers(response)


def test_pages_have_no_inline_script_or_style(page: Page) -> None:
    html = _client(page).get(page.path).text
    assert "<script" not in html and "<style" not in html and " style=" not in html
    assert '<meta name="description" content="' in html
    assert 'rel="icon" href="/favicon.ico"' in html


def test_head_answers_every_get_route(page: Page) -> None:
    client = _client(page)
    html = client.get(page.path).text
    photo_path = next(re.finditer(r'href="(/v/[^"]+/photo/[0-9a-f]{64})"', html))[1]
    for path in (
        page.path,
        photo_path,
        photo_path.replace("/photo/", "/thumb/"),
        f"/v/{page.item}/bundle.json",
        "/static/page.css",
        "/favicon.ico",
    ):
        response = client.head(path)
        assert response.status_code == 200, path
        assert response.content == b""
        _assert_page_headers(response)


def test_a_head_request_records_no_scan(page: Page) -> None:
    client = _client(page)
    client.head(page.path)
    with page.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM scans")).scalar() == 0


def test_no_redirect_is_built_from_the_host_header(page: Page) -> None:
    client = _client(page)
    for path in (f"/v/{page.item}/", f"{page.path.replace('?', '/?')}"):
        response = client.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
        assert response.status_code == 308
        location = response.headers["location"]
        assert location.startswith(f"/v/{page.item}") and "evil" not in location
    assert client.get(page.path.replace("?", "/?")).url.path == f"/v/{page.item}"
    # Other paths under /v/ are 404 pages, never Starlette's Host-based slash redirect.
    for path in (
        "/v/",
        "/v",
        f"/v/{page.item}/bundle.json/",
        "/static/page.css/",
        "/healthz/",  # and no redirect anywhere else either
        "/docs/",
        "/v1/log/checkpoint/",
    ):
        response = client.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
        assert response.status_code == 404 and "location" not in response.headers, path
    response = client.get("/v/%2F%2Fevil.example%2F/", follow_redirects=False)
    assert response.status_code in (400, 404) and "location" not in response.headers


def test_gzip_when_accepted(page: Page) -> None:
    client = _client(page)
    zipped = client.get(page.path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "data-verdict" in zipped.text  # httpx unzipped it
    plain = client.get(page.path, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    with client.stream("GET", page.path, headers={"Accept-Encoding": "gzip"}) as streamed:
        raw = b"".join(streamed.iter_raw())
    assert gzip.decompress(raw).startswith(b"<!doctype html>")
    # Photos are compressed already: never gzipped again.
    html = plain.text
    photo_path = next(re.finditer(r'href="(/v/[^"]+/photo/[0-9a-f]{64})"', html))[1]
    assert "content-encoding" not in client.get(photo_path).headers


def test_rate_limit_per_client(page: Page) -> None:
    client = _client(page, limit=5)
    assert all(client.get(page.path).status_code == 200 for _ in range(5))
    limited = client.get(page.path)
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert 'data-problem="rate-limited"' in limited.text and "<!doctype html>" in limited.text
    _assert_page_headers(limited)
    assert client.get("/static/page.css").status_code == 200  # assets do not count
    assert client.get("/healthz").status_code == 200  # nor does anything outside the pages


def test_the_limiter_refills_and_forgets_the_oldest_clients() -> None:
    now = [0.0]
    limiter = ClientLimiter(60, max_clients=3, clock=lambda: now[0])
    assert all(limiter.admit("a") is None for _ in range(60))
    wait = limiter.admit("a")
    assert wait is not None and 0 < wait <= 1.0
    now[0] += 1.0  # one request's worth refilled
    assert limiter.admit("a") is None and limiter.admit("a") is not None
    for client in ("b", "c", "d", "e"):
        limiter.admit(client)
    assert len(limiter) == 3  # bounded: "a" (least recently seen) forgotten
    assert limiter.admit("a") is None


def test_a_served_photo_is_the_registered_photo(page: Page) -> None:
    client = _client(page)
    html = client.get(page.path).text
    links = re.findall(r'href="(/v/[^"]+/photo/([0-9a-f]{64}))"', html)
    assert [digest for _path, digest in links] == [sha256_hex(p) for p in page.photos]
    for (path, _digest), registered in zip(links, page.photos, strict=True):
        response = client.get(path)
        assert response.status_code == 200 and response.content == registered
        assert response.headers["content-type"] == "image/jpeg"
        assert "immutable" in response.headers["cache-control"]
        again = client.get(path, headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        thumb = client.get(path.replace("/photo/", "/thumb/"))
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
        with Image.open(io.BytesIO(thumb.content)) as img:
            assert max(img.size) <= 480 and len(thumb.content) < 100_000


def test_only_photos_the_item_names_are_served(page: Page) -> None:
    client = _client(page)
    other = sha256_hex(b"not a photo of this item")
    assert client.get(f"/v/{page.item}/photo/{other}").status_code == 404
    assert client.get(f"/v/{page.item}/photo/NOT-A-HASH").status_code == 400
    assert client.get(f"/v/00000-00000-0/photo/{other}").status_code == 404


def test_an_altered_photo_is_not_served(page: Page) -> None:
    client = _client(page)
    digest = sha256_hex(page.photos[1])
    altered = photo("label", size=(1200, 901))  # another picture under the same name
    with page.engine.begin() as conn:
        conn.execute(
            text("UPDATE blobs SET data = :d WHERE sha256 = :h"), {"d": altered, "h": digest}
        )
    for kind in ("photo", "thumb"):
        response = client.get(f"/v/{page.item}/{kind}/{digest}")
        assert response.status_code == 410
        assert 'data-problem="photo-altered"' in response.text
        assert altered not in response.content
    html = client.get(page.path).text
    assert 'data-verdict="failed"' in html
    assert "a photo was replaced or removed after it was registered" in html
    assert f"/thumb/{digest}" not in html and "no longer matches the one registered" in html


def test_an_entry_edited_after_a_checked_view_fails_the_next_view(page: Page) -> None:
    client = _client(page)
    assert 'data-verdict="pending"' in client.get(page.path).text  # checked, and memoised
    with page.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER events_no_update"))
        conn.execute(
            text("UPDATE events SET body = replace(body, 'Blue Train', 'Blue Trane') WHERE seq = 0")
        )
    html = client.get(page.path).text
    assert 'data-verdict="failed"' in html and "was changed after it was signed" in html


def test_an_unreadable_entry_fails_the_page_and_never_breaks_it(page: Page) -> None:
    with page.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER events_no_update"))
        conn.execute(
            text("UPDATE events SET body = '{}' WHERE item = :i AND seq = 0"), {"i": page.item}
        )
    response = _client(page).get(page.path)
    assert response.status_code == 200
    assert 'data-verdict="failed"' in response.text
    assert (
        "the registration of" in response.text
        and "was changed after it was signed" in response.text
    )


def test_a_log_that_disagrees_with_its_seal_fails_every_page(page: Page) -> None:
    with page.engine.begin() as conn:
        conn.execute(
            insert(chain_alarms).values(
                chain_id=1, address="0x" + "ab" * 20, kind="shortfall", tree_size=99,
                chain_root="cd" * 32, local_root=None, local_size=20,
                found_at="2026-12-02T00:00:00Z",
            )
        )  # fmt: skip
    html = _client(page).get(page.path).text
    assert 'data-verdict="failed"' in html
    assert "its log was changed or cut short after it was sealed" in html
    assert "holds tree size 99" in html  # the technical account, under the checks
    assert "README" not in html  # staff's restore hint is not for buyers


def test_one_wrong_scan_puts_no_note_on_the_genuine_page(page: Page) -> None:
    client = _client(page)
    wrong = f"/v/{page.item}?tag={new_tag_code()}"
    assert 'data-verdict="failed"' in client.get(wrong, headers={"User-Agent": IPHONE}).text
    assert 'class="note"' not in client.get(page.path, headers={"User-Agent": IPHONE}).text
    # The same mistake again, from the same kind of phone, still makes no note.
    client.get(wrong, headers={"User-Agent": IPHONE})
    assert 'class="note"' not in client.get(page.path).text


def test_a_burst_of_requests_puts_no_note_on_the_genuine_page(page: Page) -> None:
    client = _client(page)
    wrong = f"/v/{page.item}?tag={new_tag_code()}"
    for _ in range(BURST_LIMIT + 1):  # a script without the code, however it names itself
        client.get(wrong, headers={"User-Agent": "curl/8.5"})
        client.get(f"/v/{page.item}", headers={"User-Agent": IPHONE})
    assert 'class="note"' not in client.get(page.path, headers={"User-Agent": IPHONE}).text


def test_notes_need_recent_scans_from_more_than_one_kind_of_client(page: Page) -> None:
    engine = page.engine

    def rows(verdict: str, clients: list[str], n: int = 1) -> list[tuple[str, str]]:
        return [(verdict, c) for c in clients for _ in range(n)]

    def notes() -> list[str]:
        return scan_notes(engine, page.item)

    def add(rows_: list[tuple[str, str]], ago: timedelta) -> None:
        at = (datetime.now(UTC) - ago).strftime("%Y-%m-%dT%H:%M:%SZ")
        with engine.begin() as conn:
            conn.execute(
                insert(scans),
                [{"item": page.item, "verdict": v, "client": c, "at": at} for v, c in rows_],
            )

    add(rows("wrong", ["mobile", "desktop"]), timedelta(days=2))  # too long ago
    add(rows("genuine", ["mobile", "desktop"], BURST_LIMIT), timedelta(hours=2))
    assert notes() == []
    add(rows("wrong", ["mobile"], 5), timedelta(minutes=5))  # one kind of client only
    add(rows("genuine", ["mobile"], BURST_LIMIT + 1), timedelta(minutes=5))
    assert notes() == []
    add(rows("revoked", ["desktop"]), timedelta(minutes=5))
    add(rows("genuine", ["desktop"]), timedelta(minutes=5))
    found = notes()
    assert len(found) == 2
    assert "not this item's current tag" in found[0] and "may have been copied" in found[1]


def test_the_current_scan_never_counts_against_its_page(page: Page) -> None:
    client = _client(page)
    # 30 genuine scans from phones and computers this hour: at the limit, no note yet.
    with page.engine.begin() as conn:
        at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        conn.execute(
            insert(scans),
            [
                {"item": page.item, "verdict": "genuine", "client": c, "at": at}
                for c in ["mobile"] * (BURST_LIMIT - 1) + ["desktop"]
            ],
        )
    first = client.get(page.path, headers={"User-Agent": DESKTOP}).text
    assert 'class="note"' not in first  # the 31st scan is this one: not counted
    second = client.get(page.path, headers={"User-Agent": DESKTOP}).text
    assert "may have been copied" in second  # the earlier one now is


def test_thumbnails_are_bounded_upright_and_kept_by_hash() -> None:
    from provenance_api.thumbnails import THUMB_PX, Thumbnails, make_thumbnail

    from provenance.errors import InputError

    tall = photo("label", size=(900, 2400))
    with Image.open(io.BytesIO(make_thumbnail(tall))) as img:
        assert img.format == "JPEG" and img.size == (180, THUMB_PX)
        assert not img.getexif()  # no EXIF (and no location in it) is copied
    memo = Thumbnails(entries=1)
    first = memo.make("a" * 64, tall)
    assert memo.get("a" * 64) is first
    memo.make("b" * 64, photo("runout"))
    assert memo.get("a" * 64) is None  # bounded: the older one is gone
    with pytest.raises(InputError, match="no preview"):
        make_thumbnail(b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64)
    with pytest.raises(InputError, match="larger than"):
        make_thumbnail(photo("label", size=(9000, 8000)))
