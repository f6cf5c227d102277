"""The buyer's page in a real headless Chromium (Debian's, driven by Playwright) at a phone
viewport (390 x 844, JavaScript off), served over real HTTP on 127.0.0.1, reached by decoding
real QR tags with zxing-cpp.

Every case asserts the verdict the page says first (``data-verdict``), that the verdict box
ends above the fold (its bottom at most 844 px down), and that nothing scrolls sideways
(``scrollWidth`` ≤ 390). Pages that are not about an item (unknown item, malformed link) have
no verdict; they carry ``data-problem`` instead. Screenshots go to
``test-artifacts/buyer-page/``. The stores are built by :mod:`tests.integration._shops`
(a lasting anchor is the embedded EVM's, recorded as on Ethereum mainnet: see there).
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from provenance.tags.codes import render_png
from provenance.tags.scans import scan_report

from ..samples import VINYL
from ._shops import (
    CHROMIUM_FLAGS,
    CONTACT,
    IPHONE,
    OWNER,
    VIEWPORT,
    Store,
    demo_records,
    groove_vault,
    serving,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "buyer-page"


@dataclass
class Shops:
    vault: Store
    demo: Store


@pytest.fixture(scope="module")
def shops(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shops]:
    tmp = tmp_path_factory.mktemp("shops")
    vault, demo = groove_vault(tmp), demo_records(tmp)
    with ExitStack() as stack:
        stack.enter_context(serving(vault))
        stack.enter_context(serving(demo))
        yield Shops(vault, demo)
    vault.engine.dispose()
    demo.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = shutil.which("chromium")
    if chromium is None:
        if os.environ.get("PROVENANCE_REQUIRE_CHROMIUM") == "1":
            pytest.fail("chromium is not installed (scripts/test.sh installs it)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport=VIEWPORT,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        user_agent=IPHONE,
        java_script_enabled=False,  # the page must work without it
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def _scan(url: str) -> str:
    """Render the tag as printed and decode it, as a phone camera would."""
    image = Image.open(io.BytesIO(render_png(url, "tag")))
    (decoded,) = [b.text for b in zxingcpp.read_barcodes(image)]
    return decoded


def _visit(page: Any, url: str, name: str) -> tuple[int, str]:
    response = page.goto(url)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    return int(response.status), str(page.inner_text("body"))


def _fits_a_phone(page: Any, box_selector: str) -> None:
    """The box ends above the fold and the page never scrolls sideways."""
    box = page.locator(box_selector).bounding_box()
    assert box is not None and box["y"] + box["height"] <= VIEWPORT["height"], box
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]


def _verdict(page: Any) -> str:
    assert page.locator("[data-verdict]").count() == 1
    _fits_a_phone(page, "[data-verdict]")
    return str(page.get_attribute("[data-verdict]", "data-verdict"))


def test_verified(shops: Shops, phone: Any) -> None:
    console: list[str] = []
    phone.on("console", lambda message: console.append(message.text))
    status, text = _visit(phone, _scan(shops.vault.urls["verified"]), "verified")
    assert status == 200
    assert not [m for m in console if "Content Security Policy" in m], console
    assert phone.evaluate("getComputedStyle(document.querySelector('main')).maxWidth") == "544px"
    assert _verdict(phone) == "verified"
    verdict = phone.inner_text("[data-verdict]")
    assert "Verified" in verdict and "sealed on Ethereum mainnet" in verdict
    assert "The scanned tag is the one bound to it." in verdict
    # Who vouches: the store's name, its log and its key's fingerprint.
    store = phone.inner_text("#store")
    assert "Groove Vault" in store and "provenance.log/groove-vault" in store
    assert len(phone.inner_text("#store code >> nth=1").split()) == 4  # "ceef 34be a8f9 c76f"
    # The item, the grade and what it means, owners without names, history as sentences.
    for words in ("Blue Train", "John Coltrane", "BLP 1577", "BN-LP-1577-A", "Blue Note"):
        assert words in text
    assert "Record VG+ — Very Good Plus: light signs of play" in text
    assert "With its 1st recorded owner since" in text
    assert "Registered on" in text and "Graded VG+/VG (play-graded) on" in text
    html = phone.content()
    assert OWNER not in html and CONTACT not in html
    # The photos staff took at registration, each a thumbnail linking to the full size.
    images = phone.locator("#photos img")
    assert images.count() == 2
    for i in range(2):
        assert images.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
        assert "/photo/" in images.nth(i).evaluate("img => img.parentElement.href")
    # The technical checks, folded away, with the chain by name and final.
    assert phone.get_attribute("details#technical", "open") is None
    checks = phone.locator("#checks").text_content()
    assert "✗" not in checks and "Sealed on Ethereum mainnet" in checks and "final" in checks
    assert "Ethereum mainnet (chain id 1)" in phone.locator("#technical").text_content()


def test_pending(shops: Shops, phone: Any) -> None:
    _visit(phone, _scan(shops.vault.urls["pending"]), "pending")
    assert _verdict(phone) == "pending"
    assert "not sealed on a public chain yet" in phone.inner_text("[data-verdict]")
    assert "✗" not in phone.locator("#checks").text_content()


def test_stolen(shops: Shops, phone: Any) -> None:
    status, text = _visit(phone, _scan(shops.vault.urls["stolen"]), "stolen")
    assert status == 200
    assert _verdict(phone) == "warning"
    verdict = phone.inner_text("[data-verdict]")
    assert "reported STOLEN on 20" in verdict and "Do not buy it; contact the store." in verdict
    assert "Reported stolen on" in text and "taken from the shop window" in text
    # No green anywhere: not a tag box, not even a passed check's mark.
    assert "Genuine tag" not in text
    greens = phone.evaluate(
        """() => [...document.querySelectorAll('*')].filter(e => {
             const c = getComputedStyle(e);
             return [c.color, c.backgroundColor].some(v => {
               const m = v.match(/\\d+/g); if (!m) return false;
               const [r, g, b] = m.map(Number); return g > 100 && g > r + 40 && g > b + 40;
             });
           }).length"""
    )
    assert greens == 0


def test_tampered_history(shops: Shops, phone: Any) -> None:
    _visit(phone, _scan(shops.vault.urls["tampered"]), "tampered")
    assert _verdict(phone) == "failed"
    verdict = phone.inner_text("[data-verdict]")
    assert "Do not trust this item's record." in verdict
    assert "was changed after it was signed" in verdict
    assert "✗" in phone.locator("#checks").text_content()


def test_wrong_tag(shops: Shops, phone: Any) -> None:
    _visit(phone, _scan(shops.vault.urls["wrong"]), "wrong-tag")
    assert _verdict(phone) == "failed"
    assert "not the one bound to this item" in phone.inner_text("[data-verdict]")


def test_revoked_tag(shops: Shops, phone: Any) -> None:
    _visit(phone, _scan(shops.vault.urls["revoked"]), "revoked-tag")
    assert _verdict(phone) == "failed"
    assert "was replaced and is no longer valid" in phone.inner_text("[data-verdict]")


def test_anchored_on_the_dev_chain_only(shops: Shops, phone: Any) -> None:
    _visit(phone, _scan(shops.demo.urls["dev-chain"]), "dev-chain")
    assert _verdict(phone) == "pending"
    assert "sealed on a development chain only" in phone.inner_text("[data-verdict]")
    technical = phone.locator("#technical").text_content()
    assert "the embedded dev chain" in technical  # by name, not only by its number
    assert "final" not in technical.lower()  # never "final" on a chain that ends


def test_unknown_item(shops: Shops, phone: Any) -> None:
    status, text = _visit(phone, f"{shops.vault.base}/v/00000-00000-0?tag=ABC", "unknown")
    assert status == 404 and "There is no item 00000-00000-0" in text
    assert phone.locator("[data-verdict]").count() == 0
    assert phone.get_attribute("[data-problem]", "data-problem") == "not-found"
    _fits_a_phone(phone, "[data-problem]")


def test_malformed_link(shops: Shops, phone: Any) -> None:
    status, text = _visit(phone, f"{shops.vault.base}/v/not-an-id", "malformed")
    assert status == 400 and "Not a valid item link" in text
    assert phone.locator("[data-verdict]").count() == 0
    assert phone.get_attribute("[data-problem]", "data-problem") == "malformed"
    _fits_a_phone(phone, "[data-problem]")
    assert "Traceback" not in phone.content()


def test_film_print(shops: Shops, phone: Any) -> None:
    _, text = _visit(phone, _scan(shops.vault.urls["film"]), "film")
    assert _verdict(phone) == "verified"
    assert "Film print, 16 mm" in text and "Carol Reed" in text
    assert "A-D level 1: early signs of vinegar syndrome" in text


def test_scans_are_recorded_without_personal_data(shops: Shops, phone: Any) -> None:
    phone.goto(shops.vault.urls["wrong"])
    report = scan_report(shops.vault.engine, shops.vault.items["verified"])
    assert report.by_verdict.get("wrong", 0) >= 1
    assert {r["client"] for r in report.recent} == {"mobile"}
    assert set(report.recent[0]) == {"at", "verdict", "client"}


def test_bundle_download(shops: Shops, phone: Any) -> None:
    from provenance.proof.verifier import verify_bundle

    item = shops.vault.items["verified"]
    response = phone.request.get(f"{shops.vault.base}/v/{item}/bundle.json")
    assert response.status == 200
    report = verify_bundle(response.body())
    assert report.ok and report.check("inclusion").status == "passed"


@dataclass
class Tapped:
    store: Store
    item: str
    tag: Any  # the software NTAG 424 DNA written as provisioning says


@pytest.fixture(scope="module")
def tapped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tapped]:
    """A store whose sealed record carries a secure NFC tag, served with its master key."""
    from provenance.tags.nfc.binding import bind_tag
    from provenance.tags.nfc.master import MasterKeyFile
    from provenance.tags.nfc.tag_model import SoftTag

    from ._shops import anchor_store, free_port, new_store

    tmp = tmp_path_factory.mktemp("nfc-shop")
    home = tmp / "home"
    master = MasterKeyFile.in_home(home).create(NFC_PASSPHRASE, iterations=100_000)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    engine, ledger, keys = new_store(tmp / "nfc-records.db", "NFC Records")
    item = ledger.register(signer=keys["registrar"], data=VINYL).event.item
    binding = bind_tag(
        ledger,
        signer=keys["registrar"],
        item=item,
        uid=bytes.fromhex("04DE5F1EACC040"),
        master_key=master,
        base_url=base,
    )
    anchor_store(engine, keys["log"], as_mainnet=True)
    store = Store("NFC Records", engine, base, port)
    with pytest.MonkeyPatch.context() as env, serving(store):
        env.setenv("PROVENANCE_HOME", str(home))
        env.setenv("PROVENANCE_NFC_PASSPHRASE", NFC_PASSPHRASE)
        yield Tapped(store, item, SoftTag.from_provisioning(binding.provisioning))
    engine.dispose()


NFC_PASSPHRASE = "nfc-master-passphrase"


def test_a_genuine_tap_then_its_replay(tapped: Tapped, phone: Any) -> None:
    url = tapped.tag.tap()  # what the phone opens when the buyer taps the sleeve
    assert url.startswith(f"{tapped.store.base}/n/{tapped.item}?picc_data=")
    status, text = _visit(phone, url, "nfc-genuine")
    assert status == 200 and "Blue Train" in text
    assert _verdict(phone) == "verified"
    verdict = phone.inner_text("[data-verdict]")
    assert "Verified" in verdict and "The scanned tag is the one bound to it." in verdict
    checks = phone.locator("#checks").text_content()
    assert "Secure NFC tag" in checks and "✗" not in checks

    # The same URL again, as a copied tag (or a photographed link) would send it.
    status, _ = _visit(phone, url, "nfc-copied")
    assert status == 200
    assert _verdict(phone) == "failed"
    verdict = phone.inner_text("[data-verdict]")
    assert "is a copy: its tap counter was seen before" in verdict
    assert "Verified" not in verdict
    assert "✗" in phone.locator("#checks").text_content()

    # The genuine tag, tapped again, is still genuine: its counter moved on.
    _visit(phone, tapped.tag.tap(), "nfc-genuine-again")
    assert _verdict(phone) == "verified"
    report = scan_report(tapped.store.engine, tapped.item)
    assert report.by_verdict.get("copied", 0) == 1 and report.by_verdict.get("genuine", 0) == 2


def test_each_side_of_the_record_with_its_runout_photo(shops: Shops, phone: Any) -> None:
    _, text = _visit(phone, _scan(shops.vault.urls["runouts"]), "runouts")
    assert _verdict(phone) == "verified"
    sides = phone.locator("#runouts .runout")
    assert sides.count() == 3
    a = phone.locator('#runouts .runout[data-side="A"]')
    assert "BN-LP-1577-A" in a.inner_text()
    assert "Hand-etched in the lacquer" in a.inner_text()
    assert "Mastering engineer's mark: RVG" in a.inner_text()
    assert "Pressing plant's mark: ear" in a.inner_text() and "Other marks: P" in a.inner_text()
    b = phone.locator('#runouts .runout[data-side="B"]')
    assert "Stamped (machine-pressed from the metal parts)" in b.inner_text()
    for side in (a, b):  # each side's own photo, loaded and linking to the full size
        img = side.locator("img")
        assert img.count() == 1
        img.scroll_into_view_if_needed()
        assert img.evaluate("img => img.complete && img.naturalWidth > 0")
        assert "/photo/" in img.evaluate("img => img.parentElement.href")
    c = phone.locator('#runouts .runout[data-side="C"]')
    assert c.locator("img").count() == 0 and "a test side with text only" in c.inner_text()
    # The side photos are shown with their sides, not again among the other photos.
    assert phone.locator("#photos img").count() == 1
    assert "of 3" not in phone.inner_text("#photos")
    assert phone.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]
    assert "Runouts" in text
