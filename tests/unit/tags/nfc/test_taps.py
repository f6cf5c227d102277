"""Taps judged against the store: NFC tag events, the counter table, and every verdict, with
the software tag written from what provisioning returns."""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, inspect, select, text

from provenance import Ledger
from provenance.errors import InputError, NotFoundError, RoleError
from provenance.ledger.chain_audit import audit
from provenance.ledger.events import Event
from provenance.ledger.schemas import validate_payload
from provenance.ledger.state import describe
from provenance.storage import make_engine
from provenance.storage.tables import nfc_counters
from provenance.tags.codes import issue_tag, tag_verdict
from provenance.tags.nfc.binding import bind_tag, nfc_tags, resolve
from provenance.tags.nfc.provision import provision
from provenance.tags.nfc.tag_model import SoftTag
from provenance.tags.nfc.taps import check_tap, split_tap_url
from provenance.tags.nfc.uid import uid_commitment
from provenance.types import ItemId

from ....samples import VINYL, Staff

H = bytes.fromhex
MASTER = H("00112233445566778899AABBCCDDEEFF")
UID = H("04DE5F1EACC040")
UID2 = H("04A1B2C3D4E5F6")
BASE = "https://shop.example"


def _item(ledger: Ledger, staff: Staff) -> str:
    return ledger.register(signer=staff.registrar, data=VINYL).event.item


def _tag(ledger: Ledger, staff: Staff, item: str, uid: bytes = UID) -> SoftTag:
    bound = bind_tag(
        ledger, signer=staff.registrar, item=item, uid=uid, master_key=MASTER, base_url=BASE
    )
    return SoftTag.from_provisioning(bound.provisioning)


def _check(engine: Engine, item: str, url: str, *, record: bool = True) -> str:
    return check_tap(engine, item=item, url_or_query=url, master_key=MASTER, record=record).verdict


def _flip(url: str, name: str, digit: int) -> str:
    """The URL with one bit flipped in hex digit ``digit`` of parameter ``name``."""
    parts = urlsplit(url)
    pairs = dict(p.split("=") for p in parts.query.split("&"))
    value = pairs[name]
    flipped = f"{int(value[digit], 16) ^ 1:X}"
    pairs[name] = value[:digit] + flipped + value[digit + 1 :]
    query = "&".join(f"{k}={v}" for k, v in pairs.items())
    return parts._replace(query=query).geturl()


# -- the verdicts ------------------------------------------------------------------------------


def test_a_genuine_tap_and_the_same_url_again(ledger: Ledger, staff: Staff) -> None:
    item = _item(ledger, staff)
    tag = _tag(ledger, staff, item)
    url = tag.tap()
    first = check_tap(ledger.engine, item=item, url_or_query=url, master_key=MASTER, record=True)
    assert (first.verdict, first.counter, first.last_counter, first.recorded) == (
        "genuine",
        1,
        None,
        True,
    )
    assert first.tag == uid_commitment(UID)[:12]
    assert first.provisioned_at is not None
    again = check_tap(ledger.engine, item=item, url_or_query=url, master_key=MASTER, record=True)
    assert (again.verdict, again.counter, again.last_counter) == ("copied", 1, 1)
    assert "not above 1" in again.detail
    assert _check(ledger.engine, item, tag.tap()) == "genuine"


def test_an_older_counter_after_a_newer_one(ledger: Ledger, staff: Staff) -> None:
    item = _item(ledger, staff)
    tag = _tag(ledger, staff, item)
    older, newer = tag.tap(), tag.tap()
    assert _check(ledger.engine, item, newer) == "genuine"
    assert _check(ledger.engine, item, older) == "copied"
    assert _check(ledger.engine, item, older, record=False) == "copied"


def test_staff_checks_do_not_advance_the_counter(ledger: Ledger, staff: Staff) -> None:
    item = _item(ledger, staff)
    tag = _tag(ledger, staff, item)
    url = tag.tap()
    for _ in range(3):
        verdict = check_tap(
            ledger.engine, item=item, url_or_query=url, master_key=MASTER, record=False
        )
        assert (verdict.verdict, verdict.recorded) == ("genuine", False)
    assert _check(ledger.engine, item, url) == "genuine"  # the buyer's tap still counts
    assert _check(ledger.engine, item, url, record=False) == "copied"


def test_the_query_alone_is_enough(ledger: Ledger, staff: Staff) -> None:
    item = _item(ledger, staff)
    url = _tag(ledger, staff, item).tap()
    named, query = split_tap_url(url)
    assert named == item
    assert _check(ledger.engine, item, query) == "genuine"
    assert _check(ledger.engine, item, "?" + query) == "copied"


def test_a_tag_bound_to_another_item(ledger: Ledger, staff: Staff) -> None:
    mine, theirs = _item(ledger, staff), _item(ledger, staff)
    url = _tag(ledger, staff, theirs).tap()
    _, query = split_tap_url(url)  # the query moved onto another item's page
    verdict = check_tap(
        ledger.engine, item=mine, url_or_query=query, master_key=MASTER, record=True
    )
    assert (verdict.verdict, verdict.bound_item, verdict.recorded) == ("other-item", theirs, False)
    assert _check(ledger.engine, theirs, url) == "genuine"  # nothing was accepted above


def test_a_tag_moved_to_another_item(ledger: Ledger, staff: Staff) -> None:
    first, second = _item(ledger, staff), _item(ledger, staff)
    old = _tag(ledger, staff, first)
    assert _check(ledger.engine, first, old.tap()) == "genuine"
    _, query = split_tap_url(old.tap())  # read at counter 2, never shown to the store
    bound = bind_tag(
        ledger, signer=staff.registrar, item=second, uid=UID, master_key=MASTER, base_url=BASE
    )
    assert bound.last_counter == 1
    assert _check(ledger.engine, first, query) == "other-item"
    # The counter stays with the tag: rewritten for the second item, the chip counts on.
    rewritten = SoftTag.from_provisioning(bound.provisioning, counter=old.counter)
    assert _check(ledger.engine, second, rewritten.tap()) == "genuine"
    # A URL read before the move, carried over to the new item's page, is still a copy.
    assert _check(ledger.engine, second, query) == "copied"
    assert [(t.state, t.bound_item) for t in nfc_tags(ledger, first)] == [("moved", second)]
    assert [(t.state, t.last_counter) for t in nfc_tags(ledger, second)] == [("current", 3)]


def test_a_revoked_tag(ledger: Ledger, staff: Staff) -> None:
    item = _item(ledger, staff)
    old = _tag(ledger, staff, item, UID)
    new = _tag(ledger, staff, item, UID2)
    verdict = check_tap(
        ledger.engine, item=item, url_or_query=old.tap(), master_key=MASTER, record=True
    )
    assert verdict.verdict == "revoked"
    assert verdict.replaced_at is not None and verdict.provisioned_at is not None
    assert _check(ledger.engine, item, new.tap()) == "genuine"
    listing = nfc_tags(ledger, item)
    assert [t.state for t in listing] == ["revoked", "current"]
    assert [t.prefix for t in listing] == [uid_commitment(u)[:12] for u in (UID, UID2)]


@pytest.mark.parametrize(("name", "digit"), [("picc_data", 0), ("picc_data", 31), ("cmac", 0)])
def test_one_flipped_bit_is_malformed(ledger: Ledger, staff: Staff, name: str, digit: int) -> None:
    item = _item(ledger, staff)
    tag = _tag(ledger, staff, item)
    url = tag.tap()
    for d in (digit, 15) if name == "cmac" else (digit,):
        verdict = check_tap(
            ledger.engine,
            item=item,
            url_or_query=_flip(url, name, d),
            master_key=MASTER,
            record=True,
        )
        assert (verdict.verdict, verdict.counter, verdict.tag) == ("malformed", None, None)
        assert verdict.detail == "the tap does not verify under this store's keys"
    assert _check(ledger.engine, item, url) == "genuine"  # the bad taps changed nothing


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "no picc_data"),
        ("picc_data=00&cmac=0000000000000000", "32 hex digits"),
        ("picc_data=" + "0" * 32, "no cmac"),
        ("picc_data=" + "0" * 32 + "&cmac=" + "0" * 16 + "&x=1", "unexpected parameter"),
    ],
)
def test_a_bad_query_is_malformed(ledger: Ledger, staff: Staff, query: str, message: str) -> None:
    item = _item(ledger, staff)
    verdict = check_tap(
        ledger.engine, item=item, url_or_query=query, master_key=MASTER, record=True
    )
    assert verdict.verdict == "malformed"
    assert message in verdict.detail


def test_an_unbound_uid_and_a_foreign_store_are_malformed(ledger: Ledger, staff: Staff) -> None:
    item = _item(ledger, staff)
    _tag(ledger, staff, item)
    # Written with this store's keys, but never bound by a tag event.
    stray = SoftTag.from_provisioning(
        provision(base_url=BASE, item=item, uid=UID2, master_key=MASTER)
    )
    verdict = check_tap(
        ledger.engine, item=item, url_or_query=stray.tap(), master_key=MASTER, record=True
    )
    assert (verdict.verdict, verdict.counter) == ("malformed", 1)
    assert "bound to no item" in verdict.detail
    # Another store's tag for the same UID.
    foreign = SoftTag.from_provisioning(
        provision(base_url=BASE, item=item, uid=UID, master_key=bytes(16))
    )
    assert _check(ledger.engine, item, foreign.tap()) == "malformed"


def test_what_is_not_a_verdict(ledger: Ledger, staff: Staff) -> None:
    item, other = _item(ledger, staff), _item(ledger, staff)
    url = _tag(ledger, staff, item).tap()
    with pytest.raises(NotFoundError, match="no item"):
        _check(ledger.engine, "00000-00000-0", url)
    with pytest.raises(InputError, match=f"the tap URL is for item {item}, not {other}"):
        _check(ledger.engine, other, url)
    with pytest.raises(InputError, match="not a tag URL"):
        split_tap_url(f"{BASE}/v/{item}?tag=x")


# -- the tag events --------------------------------------------------------------------------


def test_qr_and_nfc_tags_are_independent(ledger: Ledger, staff: Staff) -> None:
    item = _item(ledger, staff)

    def events() -> list[Event]:
        return [s.event for s in ledger.history(item)]

    qr = issue_tag(ledger, signer=staff.registrar, item=item, base_url=BASE)
    nfc = _tag(ledger, staff, item)
    assert tag_verdict(item, events(), qr.code) == "genuine"  # the NFC tag revoked no QR tag
    issue_tag(ledger, signer=staff.registrar, item=item, base_url=BASE)
    assert tag_verdict(item, events(), qr.code) == "revoked"
    assert _check(ledger.engine, item, nfc.tap()) == "genuine"  # nor the QR tag an NFC one
    tag_events = [e for e in events() if e.type == "tag"]
    assert [e.data.get("kind") for e in tag_events] == [None, "nfc", None]
    assert tag_events[1].data == {"kind": "nfc", "commitment": uid_commitment(UID)}
    assert describe(tag_events[1]).startswith("NFC tag bound (")
    assert audit(ledger.engine).ok


def test_only_registrars_and_admins_bind(ledger: Ledger, staff: Staff) -> None:
    item = _item(ledger, staff)
    with pytest.raises(RoleError, match="may not sign tag"):
        bind_tag(ledger, signer=staff.grader, item=item, uid=UID, master_key=MASTER, base_url=BASE)
    with ledger.engine.connect() as conn:
        assert conn.execute(select(nfc_counters)).all() == []
    bind_tag(ledger, signer=staff.admin, item=item, uid=UID, master_key=MASTER, base_url=BASE)
    with pytest.raises(InputError, match="base URL"):
        bind_tag(
            ledger, signer=staff.admin, item=item, uid=UID2, master_key=MASTER, base_url="ftp://x"
        )
    with pytest.raises(InputError, match="does not start with 04"):
        bind_tag(
            ledger,
            signer=staff.admin,
            item=item,
            uid=H("05DE5F1EACC040"),
            master_key=MASTER,
            base_url=BASE,
        )
    assert len(nfc_tags(ledger, item)) == 1


def test_a_pointer_without_its_event_is_overruled(ledger: Ledger, staff: Staff) -> None:
    # As if provisioning had died between the pointer and the tag event: the pointer names an
    # item whose events do not bind the tag, and the events win.
    item, other = _item(ledger, staff), _item(ledger, staff)
    tag = _tag(ledger, staff, item)
    with ledger.engine.begin() as conn:
        conn.execute(nfc_counters.update().values(item=other))
    assert _check(ledger.engine, item, tag.tap()) == "genuine"
    commitment = uid_commitment(UID)
    history = ledger.history(other)
    assert resolve(
        ledger.engine, item=ItemId(other), history=history, commitment=commitment
    ).state == ("unbound")


def test_the_store_keeps_no_uid(ledger: Ledger, staff: Staff) -> None:
    item = _item(ledger, staff)
    tag = _tag(ledger, staff, item)
    _check(ledger.engine, item, tag.tap())
    needles = [UID.hex(), UID.hex().upper(), MASTER.hex(), MASTER.hex().upper()]
    with ledger.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                for value in row:
                    raw = value if isinstance(value, bytes) else str(value).encode()
                    assert UID not in raw and MASTER not in raw, table
                    assert not any(n.encode() in raw for n in needles), table
    verdict = check_tap(
        ledger.engine, item=item, url_or_query=tag.tap(), master_key=MASTER, record=False
    )
    shown = str(verdict.to_json())
    assert not any(n in shown for n in needles)


# -- concurrency -----------------------------------------------------------------------------


def _race(engines: list[Engine], item: str, url: str) -> list[str]:
    """The verdicts of one tap of ``url`` per engine, all started together."""
    barrier = threading.Barrier(len(engines))
    verdicts: list[str] = []
    errors: list[BaseException] = []

    def worker(engine: Engine) -> None:
        try:
            barrier.wait(timeout=10)
            verdicts.append(_check(engine, item, url))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return verdicts


def test_two_taps_with_one_counter_exactly_one_wins(
    ledger: Ledger, staff: Staff, db_url: str
) -> None:
    # Two workers, each with its own engine (its own connections), get the same URL at once;
    # the first round has no counter row yet (a tag from before the table), the rest do.
    item = _item(ledger, staff)
    tag = _tag(ledger, staff, item)
    with ledger.engine.begin() as conn:
        conn.execute(nfc_counters.delete())
    engines = [make_engine(db_url) for _ in range(2)]
    try:
        for _round in range(8):
            assert sorted(_race(engines, item, tag.tap())) == ["copied", "genuine"]
    finally:
        for e in engines:
            e.dispose()
    with ledger.engine.connect() as conn:
        assert conn.execute(select(nfc_counters.c.counter)).scalar_one() == 8


def test_the_tag_payload_kind() -> None:
    commitment = uid_commitment(UID)
    qr = {"commitment": commitment}
    assert validate_payload("tag", qr, kind="vinyl") == qr  # old events keep their form
    nfc = {"commitment": commitment, "kind": "nfc"}
    assert validate_payload("tag", nfc, kind="vinyl", rules="stored") == nfc
    with pytest.raises(InputError, match="kind"):
        validate_payload("tag", {"commitment": commitment, "kind": "rfid"}, kind="vinyl")
