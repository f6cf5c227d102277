"""Discogs listings in the ledger, on SQLite and PostgreSQL: the import (registers, grades and
the private mapping in one transaction, nothing twice), what stays out of the public record,
and the upload rows read back from it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select, text

from provenance import Ledger, SigningKey, audit
from provenance.errors import ConflictError, InputError, NotFoundError, RoleError
from provenance.ledger.discogs import Inventory, Listing, ListingTerms, read_inventory
from provenance.ledger.grading import GradingMethod
from provenance.ledger.listings import import_listings, plan_import, upload_rows
from provenance.ledger.schemas import EventType
from provenance.log.transparency import TransparencyLog
from provenance.proof.bundle import build_bundle
from provenance.storage.tables import discogs_listings, events

from ...samples import VINYL, Staff
from .test_discogs import INVENTORY


def _url(item: str) -> str:
    return f"https://shop.example/v/{item}"


def _inventory() -> Inventory:
    return read_inventory(INVENTORY, method=GradingMethod.PLAY)


def _import(ledger: Ledger, staff: Staff, inventory: Inventory | None = None) -> Any:
    plan = plan_import(ledger.engine, inventory or _inventory())
    done = import_listings(
        ledger, registrar=staff.registrar, grader=staff.grader, listings=plan.listings
    )
    return plan, done


def _state(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT log_index, hash FROM events ORDER BY log_index")).all()
        head = conn.execute(text("SELECT size FROM log_head")).all()
        nodes = conn.execute(text("SELECT count(*) FROM log_nodes")).all()
        mapped = conn.execute(text("SELECT * FROM discogs_listings ORDER BY listing_id")).all()
    return [tuple(r) for r in [*rows, *head, *nodes, *mapped]]


def test_import_registers_and_grades_each_listing(ledger: Ledger, staff: Staff) -> None:
    size = ledger.size()
    seen: list[int] = []
    plan = plan_import(ledger.engine, _inventory())
    done = import_listings(
        ledger,
        registrar=staff.registrar,
        grader=staff.grader,
        listings=plan.listings,
        progress=seen.append,
    )
    assert len(done) == 31 and seen[-1] == 31
    assert [s.line for s in plan.skipped] == [x.line for x in _inventory().skipped]
    assert ledger.size() == size + 62
    by_id = {x.listing_id: x for x in plan.listings}
    for imported in done:
        history = ledger.history(imported.item)
        register, grade = (h.event for h in history)
        listing = by_id[imported.listing_id]
        assert (register.type, register.by, register.data) == (
            EventType.REGISTER,
            staff.registrar.key_id,
            listing.register,
        )
        assert (grade.type, grade.by, grade.data) == (
            EventType.GRADE,
            staff.grader.key_id,
            listing.grade,
        )
        assert history[1].log_index == history[0].log_index + 1  # logged right after
        assert register.data["discogs_release"] == listing.register["discogs_release"]
    report = audit(ledger.engine)
    assert report.findings == [] and report.events == ledger.size()


def test_importing_again_registers_nothing_twice(ledger: Ledger, staff: Staff) -> None:
    _plan, done = _import(ledger, staff)
    before = _state(ledger.engine)
    again = plan_import(ledger.engine, _inventory())
    assert again.listings == []
    items = {d.listing_id: d.item for d in done}
    already = [s for s in again.skipped if s.reason.startswith("already imported")]
    assert {int(s.listing_id): s.reason for s in already} == {
        listing_id: f"already imported as {item}" for listing_id, item in items.items()
    }
    assert len(again.skipped) == 36 and [s.line for s in again.skipped] == sorted(
        s.line for s in again.skipped
    )
    assert (
        import_listings(
            ledger, registrar=staff.registrar, grader=staff.grader, listings=again.listings
        )
        == []
    )
    assert _state(ledger.engine) == before


def test_a_listing_the_store_uploaded_is_not_registered_again(ledger: Ledger, staff: Staff) -> None:
    # Listed from here, exported from Discogs with a new listing id: external_id names the item.
    item = ledger.register(signer=staff.registrar, data=VINYL).event.item
    inventory = _inventory()
    first = inventory.listings[0]
    relisted = Inventory(
        inventory.path,
        [
            Listing(first.line, 9_000_000_001, item, first.register, first.grade, first.terms),
            *inventory.listings[1:],
        ],
        inventory.skipped,
    )
    plan = plan_import(ledger.engine, relisted)
    assert len(plan.listings) == 30
    assert plan.skipped[0].reason == f"already in the ledger as {item} (its external_id)"


def test_the_import_is_all_or_nothing(ledger: Ledger, staff: Staff) -> None:
    before = _state(ledger.engine)
    plan = plan_import(ledger.engine, _inventory())
    # Another import takes one of the listings after this one planned: the mapping's key
    # refuses the second row, and the events written before it in the transaction go too.
    with ledger.engine.begin() as conn:
        conn.execute(
            insert(discogs_listings).values(
                listing_id=plan.listings[-1].listing_id,
                item="00000-00001-Y",
                imported_at="2026-12-05T00:00:00Z",
            )
        )
    raced = _state(ledger.engine)
    with pytest.raises(ConflictError, match="another import registered some of these listings"):
        import_listings(
            ledger, registrar=staff.registrar, grader=staff.grader, listings=plan.listings
        )
    assert _state(ledger.engine) == raced
    assert len(raced) == len(before) + 1 and raced[: len(before)] == before  # just that row
    # A key that may not grade: refused before anything is signed.
    with pytest.raises(RoleError, match="a registrar key may not sign grade events"):
        import_listings(
            ledger, registrar=staff.registrar, grader=staff.registrar, listings=plan.listings
        )
    assert _state(ledger.engine) == raced
    audit_report = audit(ledger.engine)
    assert audit_report.findings == []


def test_the_mapping_stays_out_of_the_public_record(ledger: Ledger, staff: Staff) -> None:
    log_key = SigningKey.generate()
    TransparencyLog(ledger.engine).set_identity(log_key, store_name="Test Records")
    plan, done = _import(ledger, staff)
    TransparencyLog(ledger.engine).checkpoint(log_key)
    with ledger.engine.connect() as conn:
        public = "\n".join(conn.execute(select(events.c.body)).scalars())
        mapped = conn.execute(select(func.count()).select_from(discogs_listings)).scalar_one()
    assert mapped == 31
    public += "\n".join(json.dumps(build_bundle(ledger.engine, d.item)) for d in done)
    for listing in plan.listings:
        assert str(listing.listing_id) not in public
        terms = listing.terms
        if terms.location:
            assert json.dumps(terms.location)[1:-1] not in public
        if terms.price_amount:
            price = terms.price_amount
            assert f"{price // 100}.{price % 100:02d}" not in public
    assert '"price' not in public and '"location' not in public
    assert "Shelf A, box 3" not in public and "Vault" not in public
    assert '"discogs_release":2602178' in public  # the release is public, on purpose


def test_upload_rows_round_trip_the_grades_and_terms(ledger: Ledger, staff: Staff) -> None:
    plan, done = _import(ledger, staff)
    upload = upload_rows(ledger.engine, url=_url)
    assert upload.skipped == []
    assert [r.external_id for r in upload.rows] == [d.item for d in done]  # oldest first
    by_item = {d.item: listing for d, listing in zip(done, plan.listings, strict=True)}
    for row in upload.rows:
        listing = by_item[row.external_id]
        assert row.release_id == listing.register["discogs_release"]
        assert (row.media, row.sleeve) == (listing.grade["media"], listing.grade["sleeve"])
        assert row.comments.endswith(f"Provenance record: {_url(row.external_id)}")
        assert row.comments.startswith(listing.grade.get("notes", "Provenance record"))
        assert row.terms == listing.terms


def test_upload_rows_follow_the_ledger(ledger: Ledger, staff: Staff) -> None:
    _plan, done = _import(ledger, staff)
    first, second, third = (d.item for d in done[:3])
    # A regrade (and a corrected one) is what the listing says; a flagged item is not listed.
    ledger.append(
        signer=staff.grader,
        item=first,
        event_type=EventType.GRADE,
        data={"kind": "vinyl", "media": "G", "sleeve": "Generic", "method": "play"},
    )
    ledger.append(
        signer=staff.grader,
        item=first,
        event_type=EventType.CORRECT,
        data={
            "supersedes": 2,
            "reason": "regraded after cleaning",
            "data": {"kind": "vinyl", "media": "G+", "sleeve": "Generic", "method": "play"},
        },
    )
    ledger.append(
        signer=staff.registrar, item=second, event_type=EventType.STATUS, data={"status": "stolen"}
    )
    plain = ledger.register(signer=staff.registrar, data=VINYL).event.item
    released = ledger.register(signer=staff.registrar, data={**VINYL, "discogs_release": 5}).event
    upload = upload_rows(ledger.engine, url=_url)
    rows = {r.external_id: r for r in upload.rows}
    assert (rows[first].media, rows[first].sleeve) == ("G+", "Generic")
    assert rows[first].comments == f"Provenance record: {_url(first)}"  # the regrade's notes
    assert second not in rows and plain not in rows
    assert upload.skipped == [
        (second, "it is flagged stolen"),
        (released.item, "it has no grade yet"),
    ]
    # Named: in the order given, and an item that cannot be listed is an error.
    named = upload_rows(ledger.engine, items=[third.lower(), first], url=_url)
    assert [r.external_id for r in named.rows] == [third, first]
    assert named.rows[0].terms == rows[third].terms != ListingTerms()
    with pytest.raises(InputError, match=f"item {plain} cannot be listed.*names no Discogs"):
        upload_rows(ledger.engine, items=[first, plain], url=_url)
    with pytest.raises(InputError, match="flagged stolen"):
        upload_rows(ledger.engine, items=[second], url=_url)
    with pytest.raises(NotFoundError, match="no item 00000-00001-Y"):
        upload_rows(ledger.engine, items=["00000-00001-Y"], url=_url)
    # A registered item (not imported) is listed with empty terms.
    ledger.append(
        signer=staff.grader,
        item=released.item,
        event_type=EventType.GRADE,
        data={"kind": "vinyl", "media": "NM", "sleeve": "NM", "method": "visual", "notes": "x"},
    )
    [row] = upload_rows(ledger.engine, items=[released.item], url=_url).rows
    assert (row.release_id, row.terms, row.comments) == (
        5,
        None,
        f"x Provenance record: {_url(released.item)}",
    )
