"""Phone screenshots of the buyer's page for the README: verified, pending, stolen and failed.

Builds the demo stores the browser tests use (``tests/integration/_shops.py``: real signed
ledgers, anchored on the embedded EVM; the lasting store's deployment recorded as on Ethereum
mainnet), serves them on 127.0.0.1, scans each tag link in Debian's headless Chromium at
390 x 844 (2 device pixels per CSS pixel, JavaScript off) and saves the first screen, what a
buyer sees before scrolling, to ``docs/screens/``.

    .venv/bin/python scripts/screens.py [--out docs/screens]
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.integration._shops

from PIL import Image  # noqa: E402

from tests.integration._shops import (  # noqa: E402
    CHROMIUM_FLAGS,
    IPHONE,
    VIEWPORT,
    demo_records,
    groove_vault,
    serving,
)

#: Screenshot name → (store, case): the four verdicts a buyer can meet.
SHOTS = {
    "verified": ("vault", "verified"),
    "pending": ("demo", "dev-chain"),
    "stolen": ("vault", "stolen"),
    "failed": ("vault", "tampered"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screens")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("needs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="provenance-screens-") as tmp, ExitStack() as stack:
        stores = {"vault": groove_vault(Path(tmp)), "demo": demo_records(Path(tmp))}
        for store in stores.values():
            stack.callback(store.engine.dispose)  # last, after the servers stopped
            stack.enter_context(serving(store))
        pw = stack.enter_context(sync_playwright())
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        context = browser.new_context(
            viewport=VIEWPORT,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            user_agent=IPHONE,
            java_script_enabled=False,
        )
        page = context.new_page()
        for name, (store, case) in SHOTS.items():
            page.goto(stores[store].urls[case])
            word = page.get_attribute("[data-verdict]", "data-verdict")
            shot = Image.open(io.BytesIO(page.screenshot()))
            path = args.out / f"{name}.png"
            shot.convert("RGB").quantize(colors=128).save(path, optimize=True)
            print(f"{path}: {word}")  # noqa: T201 (what the script made)
        browser.close()


if __name__ == "__main__":
    main()
