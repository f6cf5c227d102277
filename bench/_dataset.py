"""A large, real ledger for the benches that need one (log, API, buyer page), built once and
cached under ``bench/.data/``.

Every event in it is real: validated, signed, chained and added to the transparency log by
``Ledger.register_many`` / ``Ledger.append``, exactly as the CLI writes them. One item (the
*featured* item) carries 50 events, for the page and bundle benches. Keys are kept next to the
database in a JSON file, unencrypted: this is bench data, never a store's.

Benches that write must work on a copy (:meth:`Dataset.copy_to`) so the cache stays the size
its name says.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from _catalogue import grade_rows, vinyl_rows
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from provenance.keys.signing import SigningKey
from provenance.ledger.ledger import Ledger
from provenance.ledger.schemas import EventType, Role
from provenance.log.transparency import TransparencyLog
from provenance.storage import make_engine, upgrade
from provenance.storage.migrate import schema_head

DATA = Path(__file__).resolve().parent / ".data"
FEATURED_EVENTS = 50
_BATCH = 20_000
_SEED = 1977
_ROLES = ("admin", "registrar", "grader", "log")


def _raw(key: SigningKey) -> str:
    return key.private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    ).hex()


def _key(hex_key: str) -> SigningKey:
    return SigningKey.from_private(Ed25519PrivateKey.from_private_bytes(bytes.fromhex(hex_key)))


@dataclass(frozen=True)
class Dataset:
    """A cached ledger of ``events`` events and the keys that wrote it."""

    path: Path
    events: int
    keys: dict[str, SigningKey]
    featured_item: str

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def copy_to(self, directory: Path) -> Dataset:
        """A writable copy in ``directory`` (the cache itself stays untouched)."""
        target = directory / self.path.name
        shutil.copyfile(self.path, target)
        return Dataset(target, self.events, self.keys, self.featured_item)


def ledger_dataset(events: int) -> Dataset:
    """The cached ledger of exactly ``events`` events, built first if need be."""
    DATA.mkdir(exist_ok=True)
    path = DATA / f"ledger-{events}-schema{schema_head()}.db"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        info = json.loads(meta.read_text())
        keys = {role: _key(info["keys"][role]) for role in _ROLES}
        return Dataset(path, events, keys, info["featured_item"])
    for stale in (path, meta, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    return _build(path, meta, events)


def _build(path: Path, meta: Path, events: int) -> Dataset:
    keys = {role: SigningKey.generate() for role in _ROLES}
    engine = make_engine(f"sqlite:///{path}", create=True)
    try:
        upgrade(engine)
        ledger = Ledger(engine)
        ledger.initialise(store_name="Bench Records", admin=keys["admin"], admin_name="admin")
        ledger.add_key(
            signer=keys["admin"], new_key=keys["registrar"], role=Role.REGISTRAR, name="registrar"
        )
        ledger.add_key(
            signer=keys["admin"], new_key=keys["grader"], role=Role.GRADER, name="grader"
        )
        TransparencyLog(engine).set_identity(keys["log"], store_name="Bench Records")
        featured = ledger.register(signer=keys["registrar"], data=vinyl_rows(1, seed=_SEED)[0])
        item = featured.event.item
        for data in grade_rows(FEATURED_EVENTS - 1, seed=_SEED):
            ledger.append(signer=keys["grader"], item=item, event_type=EventType.GRADE, data=data)
        remaining = events - ledger.size()
        if remaining < 0:
            raise SystemExit(f"a dataset needs at least {ledger.size()} events")
        start = time.perf_counter()
        done = 0
        while done < remaining:
            n = min(_BATCH, remaining - done)
            ledger.register_many(signer=keys["registrar"], rows=vinyl_rows(n, seed=_SEED + done))
            done += n
            rate = done / (time.perf_counter() - start)
            print(
                f"\r  building {path.name}: {done:,}/{remaining:,} events ({rate:,.0f}/s)",
                end="",
                file=sys.stderr,
                flush=True,
            )
        print(file=sys.stderr)
        assert ledger.size() == events
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    info = {"keys": {role: _raw(k) for role, k in keys.items()}, "featured_item": item}
    meta.write_text(json.dumps(info, indent=2) + "\n")
    return Dataset(path, events, keys, item)
