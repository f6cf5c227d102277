"""The buyer's page at scale: an item with 50 events and two photos in a 1,000,000-event
ledger.

The cached dataset's featured item (50 events) gets a grading with two phone-sized photos
(12-megapixel JPEGs of about 2.5 MB each, as a label and a runout shot are) and a QR tag, the
log a checkpoint anchored on the embedded chain, and the app is served by uvicorn on
127.0.0.1 in a child process. Every request re-verifies the item's history, re-hashes both
photos and proves the newest covered event into the anchored checkpoint. The anchor's
deployment is then recorded as on Ethereum mainnet (chain id 1), so the page measured is the
"verified" one (the page reads the store's anchor records and never contacts a chain).
This process requests the page (with the tag code, as a scan does) ``--requests`` times, one
at a time, and records the server time (the page's ``Server-Timing`` header: everything from
the request to the complete HTML, the scan record included) and the client's round trip.

    .venv/bin/python bench/page_bench.py [--n 1000000] [--requests 300]
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import re
import socket
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from _dataset import ledger_dataset
from _results import Figure, write_results
from eth_account import Account
from PIL import Image, ImageDraw, ImageFilter
from sqlalchemy import update

from provenance.chain.anchorer import Anchorer, fund_dev_account, record_deployment
from provenance.chain.contract import deploy
from provenance.chain.endpoints import ChainSpec, connect
from provenance.chain.transactions import FeePolicy
from provenance.ledger.ledger import Ledger
from provenance.ledger.schemas import EventType
from provenance.log.transparency import TransparencyLog
from provenance.storage import make_engine
from provenance.storage.tables import deployments
from provenance.tags.codes import issue_tag

TARGET_MS = 20.0
_TIMING = re.compile(r"app;dur=([0-9.]+)")


def _serve(url: str, port: int) -> None:
    import uvicorn
    from provenance_api import create_app
    from provenance_api.settings import ApiSettings

    # No per-client limit: every bench request comes from 127.0.0.1.
    app = create_app(url, settings=ApiSettings(page_rate_limit=0))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def _phone_photo(seed: int) -> bytes:
    """A 12-megapixel JPEG with a photo's texture (noise does not compress away)."""
    noise = Image.effect_noise((4032, 3024), 40 + seed).filter(ImageFilter.GaussianBlur(1.2))
    img = Image.merge(
        "RGB", (noise, noise.point(lambda v: v * 0.9), noise.point(lambda v: v * 0.8))
    )
    ImageDraw.Draw(img).ellipse([500, 100, 3500, 2900], outline=(10, 10, 10), width=40)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=90)
    return out.getvalue()


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    dataset = ledger_dataset(args.n)
    with tempfile.TemporaryDirectory(prefix="provenance-bench-") as tmp:
        work = dataset.copy_to(Path(tmp))
        engine = make_engine(work.url)
        port = _port()
        photos = [_phone_photo(0), _phone_photo(1)]
        Ledger(engine).append(
            signer=work.keys["grader"],
            item=work.featured_item,
            event_type=EventType.GRADE,
            data={"kind": "vinyl", "media": "VG+", "sleeve": "VG", "method": "play"},
            photos=photos,
        )
        tag = issue_tag(
            Ledger(engine),
            signer=work.keys["registrar"],
            item=work.featured_item,
            base_url=f"http://127.0.0.1:{port}",
        )
        chain = connect(ChainSpec("embedded"))
        account = Account.create()
        fund_dev_account(chain, account.address)
        deployment = record_deployment(
            engine, chain, deploy(chain, account, FeePolicy()), deployer=account.address
        )
        cp, _ = TransparencyLog(engine).checkpoint(work.keys["log"])
        Anchorer(engine, chain, account, deployment).anchor(cp)
        with engine.begin() as conn:  # see the module docstring
            conn.execute(update(deployments).values(ephemeral=False, chain_id=1))
        engine.dispose()

        server = multiprocessing.get_context("spawn").Process(
            target=_serve, args=(work.url, port), daemon=True
        )
        server.start()
        try:
            with httpx.Client(timeout=10) as client:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        client.get(f"http://127.0.0.1:{port}/healthz")
                        break
                    except httpx.HTTPError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.2)
                for _ in range(20):  # warm-up
                    client.get(tag.url)
                server_ms, client_ms = [], []
                for _ in range(args.requests):
                    start = time.perf_counter()
                    response = client.get(tag.url)
                    client_ms.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200
                    assert 'data-verdict="verified"' in response.text, response.text[:2000]
                    match = _TIMING.search(response.headers.get("server-timing", ""))
                    assert match, "no Server-Timing header"
                    server_ms.append(float(match.group(1)))
        finally:
            server.terminate()
            server.join(10)

    p50 = statistics.median(server_ms)
    quant = statistics.quantiles(server_ms, n=100)
    figures = [
        Figure(
            f"Buyer page, 52-event item with 2 photos, {args.n:,} events: server time p50",
            p50,
            "ms",
            target=f"≤ {TARGET_MS:g} ms",
            meets=p50 <= TARGET_MS,
        ),
        Figure("Buyer page: server time p99", quant[98], "ms"),
        Figure("Buyer page: client round trip p50 (127.0.0.1)", statistics.median(client_ms), "ms"),
    ]
    path = write_results(
        "buyer_page",
        title=f"Buyer page, {args.n:,} events",
        params={
            "n": args.n,
            "requests": args.requests,
            "item_events": 50 + 2,
            "photos": len(photos),
            "photo_bytes": sum(len(p) for p in photos),
        },
        figures=figures,
        details={"server_ms_p90": round(quant[89], 2)},
    )
    for f in figures:
        print(f"  {f.figure:<58} {f.value:>8.2f} {f.unit}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
