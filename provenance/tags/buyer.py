"""What the buyer's verification page shows about one item, computed from the ledger (no HTML
here): the one verdict first, then the plain facts, then the technical checks.

The verdict is :func:`provenance.proof.verdict.decide` over this :class:`Evidence`:

* **history**: every event of the item re-verified (hash, signature, the signer's key valid
  with the right role at that log position, links from seq 0) by the audit's own
  :class:`~provenance.ledger.chain_audit.ChainChecker` (as ``check_rows`` runs it); every
  photo an event names re-hashed by the audit's
  :class:`~provenance.ledger.photo_audit.PhotoChecker`; and the newest event the anchored
  checkpoint covers proven into that checkpoint's root, under the log key. Because
  each event links to the one before by hash, that one proof commits the history up to it;
* **tag**: the scanned code against the item's tag events (no code: nothing scanned);
* **status**: the latest status flag and when it was reported;
* **seal**: how many of the item's events the anchored checkpoint covers, and on which chain
  (:mod:`provenance.chain.anchored`: the store's own anchor records; the page never contacts
  a chain, and an anchor on a test or development chain never reads as lasting);
* **chain**: a stored alarm (:func:`~provenance.log.guard.refuse_if_diverged`) or an anchored
  checkpoint that was changed or deleted (:func:`~provenance.chain.anchored.anchored_conflict`).

Everything is read in one connection and checked by :mod:`._record`; the technical lines
are :mod:`._lines`' and the words for people :mod:`.plain`'s.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from ..chain.names import chain_name
from ..errors import NotFoundError, VerificationError
from ..ledger.events import Event
from ..ledger.itemid import parse_item_id
from ..ledger.state import ItemSummary, effective_payloads, summarise
from ..log.checkpoint import verifier_key
from ..proof.verdict import Evidence, ItemVerdict, decide, flag_reported_at
from ..storage.tables import events
from ..vocab import EventType
from ._lines import CheckLine, history_lines, plain_failure, seal_facts, seal_line, tag_line
from ._record import HistoryMemo, Record, photo_names, prove_newest, read_record
from .codes import Verdict, tag_verdict
from .plain import HistoryLine, grade_lines, history, owners_sentence, plain_date
from .runouts import RunoutView, runout_views, side_photo_names

__all__ = [
    "CheckLine",
    "HistoryMemo",
    "ItemView",
    "PhotoView",
    "StoreView",
    "item_view",
    "key_fingerprint",
    "named_photos",
]


@dataclass(frozen=True)
class StoreView:
    """Who vouches for the item: the store, its log's origin and its log key."""

    name: str
    origin: str | None
    fingerprint: str | None
    verifier_key: str | None


@dataclass(frozen=True)
class PhotoView:
    """A photo a signed event names; ``ok``: stored, and its bytes hash to its name."""

    sha256: str
    media_type: str | None
    caption: str
    ok: bool

    @property
    def previewable(self) -> bool:
        """Whether a thumbnail can be made (Pillow reads every stored type but HEIC)."""
        return self.ok and self.media_type != "image/heic"


@dataclass(frozen=True)
class ItemView:
    """Everything the page shows about one item, the verdict first."""

    item: str
    verdict: ItemVerdict
    evidence: Evidence
    tag: Verdict
    store: StoreView
    summary: ItemSummary | None
    grade: list[str]
    owners: str
    history: list[HistoryLine]
    photos: list[PhotoView]  # the photos not shown with a runout
    runouts: list[RunoutView]  # each side of a record, with its runout photo
    checks: list[CheckLine]
    seal: list[tuple[str, str]]
    pending_events: int


def key_fingerprint(public_key: bytes) -> str:
    """A short fingerprint of the store's log key a person can compare: the first 64 bits
    of SHA-256 over the raw Ed25519 key, in four groups of four hex digits (far beyond what a
    look-alike store could grind to match, unlike the 32-bit signed-note key ID)."""
    digest = hashlib.sha256(public_key).hexdigest()[:16]
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def named_photos(engine: Engine, item: str) -> set[str]:
    """Every photo hash ``item``'s stored events name (the only photos its page may serve;
    what is served is still checked against that hash, so it is the photo the name commits
    to). Raises :class:`NotFoundError` for an unknown item."""
    item_id = parse_item_id(item)
    with engine.connect() as conn:
        bodies = list(conn.execute(select(events.c.body).where(events.c.item == item_id)).scalars())
    if not bodies:
        raise NotFoundError(f"no item {item_id} in this ledger")
    named: set[str] = set()
    for body in bodies:
        try:
            data = json.loads(body).get("data")
        except (ValueError, AttributeError):
            continue
        if isinstance(data, dict):
            named.update(photo_names(data))
    return named


def item_view(
    engine: Engine,
    item: str,
    tag_code: str | None,
    *,
    memo: HistoryMemo | None = None,
    nfc: tuple[str, str] | None = None,
) -> ItemView:
    """Build the page's view of ``item`` for a scan carrying ``tag_code`` (or none).
    ``memo`` (one per process) spares re-checking the signatures of unchanged rows. ``nfc``
    is the verdict and plain words of a secure NFC tap (:mod:`provenance.tags.nfc.taps`),
    which then stands as the scanned tag."""
    item_id = parse_item_id(item)
    got = read_record(engine, item_id, memo=memo)
    rows = got.rows
    problems: list[str] = []  # in plain words, for the verdict
    checks: list[CheckLine] = []

    # 1. Signatures, keys and links: the audit's own checks over the item and the key chain.
    if got.key_problem:
        problems.append(got.key_problem)
    elif got.failures:
        problems.append(plain_failure(*got.failures[0]))
    checks.extend(history_lines(len(rows), got.failures))

    # 2. Photos: each one an event names is stored and still hashes to its name.
    if got.photo_problems:
        problems.append("a photo was replaced or removed after it was registered")
        checks.append(CheckLine("Photos", False, next(iter(got.photo_problems.values()))))
    elif got.named:
        count = len(got.named)
        checks.append(
            CheckLine(
                "Photos",
                True,
                f"{count} photo{'s' if count != 1 else ''} match the SHA-256 fingerprints "
                "in the signed entries",
            )
        )

    # 3. The signed log and the seal.
    anchored, covered = got.anchored, 0
    seal: list[tuple[str, str]] = []
    if anchored is None or got.proof is None:
        checks.append(
            CheckLine("In the store's public log", None, "not in a sealed checkpoint yet")
        )
        if anchored is not None:
            where = chain_name(anchored.chain_id).name
            later = "these entries are newer than the store's last seal"
            checks.append(CheckLine(f"Sealed on {where}", None, f"not yet: {later}"))
    else:
        newest = [r for r in rows if r.log_index < anchored.size][-1]
        try:
            prove_newest(got, anchored, newest)
        except VerificationError as exc:
            problems.append("the history is not in the store's signed public log as claimed")
            checks.append(CheckLine("In the store's public log", False, str(exc)))
        else:
            covered = sum(1 for r in rows if r.log_index < anchored.size)
            checks.append(
                CheckLine(
                    "In the store's public log",
                    True,
                    f"entries up to #{newest.seq} proven into the signed checkpoint of "
                    f"{anchored.size:,} entries",
                )
            )
        seal = seal_facts(anchored)
        checks.append(seal_line(anchored))
    if got.chain_problem:
        checks.append(CheckLine("Log matches its seals", False, got.chain_problem))

    # 4. The tag and the status.
    parsed = [e for e in got.parsed if e is not None]
    if nfc is not None:
        tag: Any = nfc[0]
        ok = tag == "genuine"
        checks.insert(0, CheckLine("Secure NFC tag", ok, nfc[1]))
    else:
        tag = tag_verdict(item_id, parsed, tag_code)
        checks.insert(0, tag_line(tag))
    summary = _summary(got.parsed)
    status = summary.status if summary is not None else None
    evidence = Evidence(
        events=len(rows),
        history_problem="; ".join(problems) or None,
        tag=None if tag == "none" else tag,
        status=status,
        status_since=flag_reported_at(parsed, status),
        anchored=covered,
        anchor_chain_id=anchored.chain_id if anchored is not None else None,
        anchor_ephemeral=anchored.ephemeral if anchored is not None else False,
        # Plain words for the verdict; the technical account is in the checks.
        chain_problem="its log was changed or cut short after it was sealed"
        if got.chain_problem
        else None,
    )
    lines = history(parsed) if summary is not None else []
    sides = side_photo_names(summary.details) if summary is not None else set()
    photos = _photos(parsed, got) if summary is not None else []
    others = _photos(parsed, got, skip=sides) if sides else photos
    return ItemView(
        item=item_id,
        verdict=decide(evidence),
        evidence=evidence,
        tag=tag,
        store=_store(got.identity),
        summary=summary,
        grade=grade_lines(summary.grade) if summary is not None and summary.grade else [],
        owners=owners_sentence(summary.owners, summary.owner_since) if summary else "",
        history=lines,
        photos=others,
        runouts=runout_views(summary.details, {p.sha256: p for p in photos}) if summary else [],
        checks=checks,
        seal=seal,
        pending_events=len(rows) - covered,
    )


def _summary(parsed: list[Event | None]) -> ItemSummary | None:
    """The item as its history says, or ``None`` when an event cannot even be read."""
    if any(e is None for e in parsed):
        return None
    try:
        return summarise([e for e in parsed if e is not None])
    except (ValueError, KeyError, TypeError):
        return None


def _store(identity: Any) -> StoreView:
    if identity is None:
        return StoreView("this store", None, None, None)
    if not identity.log_public_key:
        return StoreView(identity.name, identity.origin, None, None)
    public = bytes.fromhex(identity.log_public_key)
    return StoreView(
        name=identity.name,
        origin=identity.origin,
        fingerprint=key_fingerprint(public),
        verifier_key=verifier_key(identity.origin, public),
    )


def _photos(
    parsed: list[Event], got: Record, skip: AbstractSet[str] = frozenset()
) -> list[PhotoView]:
    shown: list[PhotoView] = []
    seen: set[str] = set(skip)
    for event, payload in effective_payloads(parsed):
        if payload is None or event.type not in (EventType.REGISTER, EventType.GRADE):
            continue
        digests = [d for d in photo_names(payload) if d not in seen]
        when = "registration" if event.type is EventType.REGISTER else "grading"
        for n, digest in enumerate(digests, 1):
            seen.add(digest)
            number = f" {n} of {len(digests)}" if len(digests) > 1 else ""
            shown.append(
                PhotoView(
                    sha256=digest,
                    media_type=got.media_types.get(digest),
                    caption=f"Photo{number} taken at {when}, {plain_date(event.at)}",
                    ok=digest not in got.photo_problems and digest in got.media_types,
                )
            )
    return shown
