"""The buyer's page at scale: an item with 50 events in a 1,000,000-event ledger.

The cached dataset's featured item (50 events) gets a QR tag, the log a checkpoint anchored
on the embedded chain, and the app is served by uvicorn on 127.0.0.1 in a child process.
This process requests the page (with the tag code, as a scan does) ``--requests`` times, one
at a time, and records the server time (the page's ``Server-Timing`` header: everything from
the request to the complete HTML, the scan record included) and the client's round trip.

    .venv/bin/python bench/page_bench.py [--n 1000000] [--requests 300]
"""

from __future__ import annotations

import argparse
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

from provenance.chain.anchorer import Anchorer, fund_dev_account, record_deployment
from provenance.chain.contract import deploy
from provenance.chain.endpoints import ChainSpec, connect
from provenance.chain.transactions import FeePolicy
from provenance.ledger.ledger import Ledger
from provenance.log.transparency import TransparencyLog
from provenance.storage import make_engine
from provenance.tags.codes import issue_tag

TARGET_MS = 20.0
_TIMING = re.compile(r"app;dur=([0-9.]+)")


def _serve(url: str, port: int) -> None:
    import uvicorn
    from provenance_api import create_app

    uvicorn.run(create_app(url), host="127.0.0.1", port=port, log_level="warning")


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
                    assert response.status_code == 200 and "Genuine tag" in response.text
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
            "Buyer page, 50-event item, 1M events: server time p50",
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
        params={"n": args.n, "requests": args.requests, "item_events": 50 + 1},
        figures=figures,
        details={"server_ms_p90": round(quant[89], 2)},
    )
    for f in figures:
        print(f"  {f.figure:<58} {f.value:>8.2f} {f.unit}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
