"""Demo stores for the buyer-page tests and ``scripts/screens.py``: real ledgers with every
case a buyer can meet (verified, pending, stolen, tampered, wrong and revoked tags, sealed on
a development chain only), and the servers that serve them over real HTTP on 127.0.0.1.

"Verified" needs an anchor on a lasting chain. The page reads the store's own anchor records
and never contacts a chain, so the store anchors for real on the embedded EVM (deploy, sign,
send, mine: the anchorer's own code), and that deployment is then recorded as being on
Ethereum mainnet (chain id 1, not ephemeral): exactly the rows a mainnet anchor leaves. The
anchoring itself is tested against real chains in the chain and Hardhat tests.
"""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from eth_account import Account
from PIL import Image, ImageDraw
from sqlalchemy import Engine, text, update

from provenance import Ledger, SigningKey
from provenance.chain.anchorer import Anchorer, AnchorSettings, fund_dev_account, record_deployment
from provenance.chain.contract import deploy
from provenance.chain.endpoints import ChainSpec, connect
from provenance.chain.transactions import FeePolicy
from provenance.ledger.canonical import sha256_hex
from provenance.ledger.schemas import EventType, Role
from provenance.log.transparency import TransparencyLog
from provenance.storage import make_engine, upgrade
from provenance.storage.tables import deployments
from provenance.tags.codes import issue_tag, new_tag_code, tag_url

from ..samples import FILM, VINYL

OWNER, CONTACT = "Jane Example", "jane@example.com"
#: A phone's screen in CSS pixels (an iPhone 12 to 15), and its browser.
VIEWPORT = {"width": 390, "height": 844}
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def photo(kind: str, *, size: tuple[int, int] = (1200, 900), text: str = "BN-LP-1577-A") -> bytes:
    """A JPEG standing in for a staff photo of a label or a runout (deterministic)."""
    img = Image.new("RGB", size, (40, 36, 32))
    draw = ImageDraw.Draw(img)
    w, h = size
    r = min(w, h) // 2 - 20
    draw.ellipse([w // 2 - r, h // 2 - r, w // 2 + r, h // 2 + r], fill=(18, 18, 18))
    if kind == "label":
        q = r // 3
        draw.ellipse([w // 2 - q, h // 2 - q, w // 2 + q, h // 2 + q], fill=(30, 80, 160))
        draw.text((w // 2 - 40, h // 2 - 10), "BLUE NOTE", fill=(240, 240, 240))
    else:
        for k in range(r // 3, r, 6):
            draw.ellipse([w // 2 - k, h // 2 - k, w // 2 + k, h // 2 + k], outline=(60, 60, 60))
        draw.text((w // 2 - 60, h // 2 + r // 3 + 10), text, fill=(200, 200, 200))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=85)
    return out.getvalue()


@dataclass
class Store:
    """One store's ledger and the tag links of its items (``urls[case]``)."""

    name: str
    engine: Engine
    base: str
    port: int
    urls: dict[str, str] = field(default_factory=dict)
    items: dict[str, str] = field(default_factory=dict)
    photos: list[bytes] = field(default_factory=list)


def new_store(path: Path, name: str) -> tuple[Engine, Ledger, dict[str, SigningKey]]:
    engine = make_engine(f"sqlite:///{path}", create=True)
    upgrade(engine)
    keys = {role: SigningKey.generate() for role in ("admin", "registrar", "grader", "log")}
    ledger = Ledger(engine)
    ledger.initialise(store_name=name, admin=keys["admin"], admin_name="admin")
    ledger.add_key(
        signer=keys["admin"], new_key=keys["registrar"], role=Role.REGISTRAR, name="rick"
    )
    ledger.add_key(signer=keys["admin"], new_key=keys["grader"], role=Role.GRADER, name="anna")
    TransparencyLog(engine).set_identity(keys["log"], store_name=name)
    return engine, ledger, keys


def anchor_store(engine: Engine, log_key: SigningKey, *, as_mainnet: bool) -> None:
    """Checkpoint the log and anchor it on the embedded EVM (as mainnet if asked)."""
    chain = connect(ChainSpec("embedded"))
    account = Account.create()
    fund_dev_account(chain, account.address)
    deployed = deploy(chain, account, FeePolicy())
    deployment = record_deployment(engine, chain, deployed, deployer=account.address)
    checkpoint, _ = TransparencyLog(engine).checkpoint(log_key)
    outcome = Anchorer(
        engine, chain, account, deployment, AnchorSettings(), sleep=lambda _s: None
    ).anchor(checkpoint)
    assert outcome.anchor is not None and outcome.anchor.state in ("anchored", "final")
    if as_mainnet:  # see the module docstring
        with engine.begin() as conn:
            conn.execute(update(deployments).values(ephemeral=False, chain_id=1))


def _grade(
    ledger: Ledger, key: SigningKey, item: str, media: str, notes: str | None = None
) -> None:
    data = {"kind": "vinyl", "media": media, "sleeve": "VG", "method": "play"}
    if notes:
        data["notes"] = notes
    ledger.append(signer=key, item=item, event_type=EventType.GRADE, data=data)


def groove_vault(directory: Path, port: int | None = None) -> Store:
    """A store whose anchor counts as lasting: verified, pending, stolen, tampered, film, and
    the wrong and revoked tags of the verified record."""
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    engine, ledger, k = new_store(directory / "groove-vault.db", "Groove Vault")
    store = Store("Groove Vault", engine, base, port)
    reg, grader = k["registrar"], k["grader"]

    store.photos = [photo("label"), photo("runout")]
    genuine = ledger.register(signer=reg, data=VINYL, photos=store.photos).event.item
    _grade(ledger, grader, genuine, "VG")
    _grade(ledger, grader, genuine, "VG+", "light scuffs, plays quietly")
    ledger.transfer(signer=reg, item=genuine, label=OWNER, contact=CONTACT)
    old = issue_tag(ledger, signer=reg, item=genuine, base_url=base)
    tag = issue_tag(ledger, signer=reg, item=genuine, base_url=base)  # revokes `old`
    store.items["verified"] = genuine
    store.urls["verified"] = tag.url
    store.urls["revoked"] = old.url
    store.urls["wrong"] = tag_url(base, genuine, new_tag_code())

    stolen = ledger.register(signer=reg, data=VINYL).event.item
    _grade(ledger, grader, stolen, "NM")
    store.urls["stolen"] = issue_tag(ledger, signer=reg, item=stolen, base_url=base).url
    ledger.append(
        signer=reg,
        item=stolen,
        event_type=EventType.STATUS,
        data={"status": "stolen", "note": "taken from the shop window"},
    )
    store.items["stolen"] = stolen

    tampered = ledger.register(signer=reg, data=VINYL).event.item
    _grade(ledger, grader, tampered, "G", "light scuffs")
    store.urls["tampered"] = issue_tag(ledger, signer=reg, item=tampered, base_url=base).url
    store.items["tampered"] = tampered

    film = ledger.register(signer=reg, data=FILM).event.item
    data = {"kind": "film", "ad_level": "1", "shrinkage_permille": 5, "splices": 3}
    ledger.append(signer=grader, item=film, event_type=EventType.GRADE, data=data)
    store.urls["film"] = issue_tag(ledger, signer=reg, item=film, base_url=base).url
    store.items["film"] = film

    # A record whose runouts are described side by side, each with its photo.
    side_a, side_b = photo("runout", text="BLP-1577-A"), photo("runout", text="BLP-1577-B")
    sha = {name: sha256_hex(data) for name, data in (("A", side_a), ("B", side_b))}
    runouts = {
        **VINYL,
        "matrix": {
            "A": {
                "text": "BN-LP-1577-A",
                "made": "etched",
                "engineer": "RVG",
                "plant": "ear",
                "marks": ["P"],
                "photo": sha["A"],
            },
            "B": {"text": "BN-LP-1577-B", "made": "stamped", "photo": sha["B"]},
            "C": "BN-LP-1577-C (a test side with text only)",
        },
    }
    store.items["runouts"] = ledger.register(
        signer=reg, data=runouts, photos=[photo("label"), side_a, side_b]
    ).event.item
    store.urls["runouts"] = issue_tag(
        ledger, signer=reg, item=store.items["runouts"], base_url=base
    ).url

    anchor_store(engine, k["log"], as_mainnet=True)

    late = ledger.register(signer=reg, data=VINYL).event.item  # after the anchor
    store.urls["pending"] = issue_tag(ledger, signer=reg, item=late, base_url=base).url
    store.items["pending"] = late

    # The history edited in the database after the fact (the trigger that refuses it dropped).
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER events_no_update"))
        conn.execute(
            text(
                "UPDATE events SET body = replace(body, '\"G\"', '\"M\"') "
                "WHERE item = :item AND seq = 1"
            ),
            {"item": tampered},
        )
    return store


def demo_records(directory: Path, port: int | None = None) -> Store:
    """A demo store anchored only on the embedded development chain."""
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    engine, ledger, k = new_store(directory / "demo-records.db", "Demo Records")
    store = Store("Demo Records", engine, base, port)
    item = ledger.register(signer=k["registrar"], data=VINYL).event.item
    _grade(ledger, k["grader"], item, "VG+")
    store.urls["dev-chain"] = issue_tag(ledger, signer=k["registrar"], item=item, base_url=base).url
    store.items["dev-chain"] = item
    anchor_store(engine, k["log"], as_mainnet=False)
    return store


@contextmanager
def serving(store: Store, *, page_rate_limit: int = 0) -> Iterator[None]:
    """Serve ``store`` with uvicorn on its port (no rate limit unless asked: every test
    request comes from 127.0.0.1)."""
    import uvicorn
    from provenance_api import create_app
    from provenance_api.settings import ApiSettings

    app = create_app(store.engine, settings=ApiSettings(page_rate_limit=page_rate_limit))
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=store.port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the app did not start"
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)
