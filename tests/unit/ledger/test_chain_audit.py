"""The checker over plain rows (no database tampering here; see integration/test_tamper.py)."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial

import pytest
from sqlalchemy import Engine

from provenance import Ledger, audit
from provenance.errors import (
    ChainBreakError,
    EventFormatError,
    HashMismatchError,
    InputError,
    RoleError,
    SignatureError,
    UnknownKeyError,
    VerificationError,
)
from provenance.keys.signing import SigningKey
from provenance.ledger.chain_audit import ChainChecker, Row, build_keyring, check_rows
from provenance.ledger.events import KEY_CHAIN, Event, SignedEvent, utc_now
from provenance.ledger.schemas import EventType, validate_payload
from provenance.types import EventHash

from ...samples import VINYL, VINYL_GRADE, Staff


def _rows(ledger: Ledger, staff: Staff) -> tuple[str, list[Row]]:
    item = ledger.register(signer=staff.registrar, data=VINYL).event.item
    ledger.append(signer=staff.grader, item=item, event_type=EventType.GRADE, data=VINYL_GRADE)
    ledger.append(signer=staff.grader, item=item, event_type=EventType.NOTE, data={"text": "x"})
    return item, ledger.rows(item)


def _signed_row(row: Row, key: SigningKey, **changes: object) -> Row:
    """Re-sign ``row``'s event with ``changes`` applied, as a well-formed row."""
    ev = SignedEvent.parse(row.body, bytes(row.signature)).event
    signed = replace(ev, **changes).sign(key)  # type: ignore[arg-type]
    new = signed.event
    return Row(
        row.log_index,
        new.item,
        new.seq,
        str(new.type),
        new.by,
        signed.hash,
        signed.body,
        signed.signature,
    )


def test_empty_and_initialised_databases_audit_clean(engine: Engine, staff: Staff) -> None:
    empty = audit(engine)
    assert (empty.ok, empty.events, empty.items) == (True, 0, 0)
    led = Ledger(engine)
    led.initialise(store_name="S", admin=staff.admin, admin_name="admin")
    report = audit(engine)
    assert (report.ok, report.events, report.items) == (True, 1, 0)


def test_audit_counts_and_progress(ledger: Ledger, staff: Staff) -> None:
    _rows(ledger, staff)
    seen: list[int] = []
    report = audit(ledger.engine, progress=seen.append)
    assert (report.ok, report.events, report.items) == (True, 6, 1)
    assert seen == [6]


def test_check_rows_clean(ledger: Ledger, staff: Staff) -> None:
    _, rows = _rows(ledger, staff)
    results = check_rows(rows, ledger.keyring())
    assert [(r.seq, err) for r, err in results] == [(0, None), (1, None), (2, None)]


def test_check_rows_reports_each_row(ledger: Ledger, staff: Staff) -> None:
    _, rows = _rows(ledger, staff)
    bad = replace(rows[1], hash="0" * 64)
    results = check_rows([rows[0], bad, rows[2]], ledger.keyring())
    errors = [err for _, err in results]
    assert errors[0] is None
    assert isinstance(errors[1], HashMismatchError)
    assert errors[1].expected == "0" * 64 and errors[1].calculated == rows[1].hash
    assert errors[2] is None  # the chain follows the signed text, not the bad hash column


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ("body", EventFormatError, "event is not JSON"),
        ("type", EventFormatError, "row says item/seq/type/signer"),
        ("hash", HashMismatchError, "stored event hash: expected"),
        ("signature", SignatureError, "does not verify"),
        ("seq", ChainBreakError, r"seq is 3, expected 1 \(event missing or reordered\)"),
        ("prev", ChainBreakError, "prev is 0000"),
        ("signer", UnknownKeyError, "is not in the key history"),
        ("role", RoleError, "a registrar key may not sign grade events"),
        ("payload", EventFormatError, "invalid grade data: media"),
        ("register", ChainBreakError, "register at a seq other than 0"),
    ],
)
def test_each_check(
    ledger: Ledger,
    staff: Staff,
    change: str,
    error: type[VerificationError],
    message: str,
) -> None:
    _, rows = _rows(ledger, staff)
    grade = rows[1]
    stranger = SigningKey.generate()
    bad = {
        "body": replace(grade, body="{"),
        "type": replace(grade, type="note"),
        "hash": replace(grade, hash="f" * 64),
        "signature": replace(grade, signature=bytes(64)),
        "seq": _signed_row(grade, staff.grader, seq=3),
        "prev": _signed_row(grade, staff.grader, prev=EventHash("0" * 64)),
        "signer": _signed_row(grade, stranger, by=stranger.key_id),
        "role": _signed_row(grade, staff.registrar, by=staff.registrar.key_id),
        "payload": _signed_row(grade, staff.grader, data={**VINYL_GRADE, "media": "EX"}),
        "register": _signed_row(grade, staff.grader, type=EventType.REGISTER, data=VINYL),
    }[change]
    checker = ChainChecker(ledger.keyring())
    checker.check(rows[0])
    with pytest.raises(error, match=message):
        checker.check(bad)


def test_payload_must_be_in_normal_form(ledger: Ledger, staff: Staff) -> None:
    # Signed, valid, but missing the defaults the ledger would have filled in.
    _, rows = _rows(ledger, staff)
    sparse = _signed_row(rows[1], staff.grader, data=VINYL_GRADE)
    checker = ChainChecker(ledger.keyring())
    checker.check(rows[0])
    with pytest.raises(EventFormatError, match="payload is not in its normal form"):
        checker.check(sparse)


def test_chain_must_start_with_register(ledger: Ledger, staff: Staff) -> None:
    _, rows = _rows(ledger, staff)
    with pytest.raises(ChainBreakError, match="chain starts with note, expected register"):
        ChainChecker(ledger.keyring()).check(
            _signed_row(rows[2], staff.grader, seq=0, prev=None, item="00000-00001-Y")
        )


def test_correction_must_point_backwards(ledger: Ledger, staff: Staff) -> None:
    _, rows = _rows(ledger, staff)
    forward = _signed_row(
        rows[2],
        staff.admin,
        by=staff.admin.key_id,
        type=EventType.CORRECT,
        data={"supersedes": 2, "reason": "x"},
    )
    checker = ChainChecker(ledger.keyring())
    checker.check(rows[0])
    checker.check(rows[1])
    with pytest.raises(ChainBreakError, match="supersedes event 2, which does not precede it"):
        checker.check(forward)


def test_key_events_only_on_the_key_chain(ledger: Ledger, staff: Staff) -> None:
    _, rows = _rows(ledger, staff)
    stray = _signed_row(
        rows[2],
        staff.admin,
        by=staff.admin.key_id,
        type=EventType.KEY,
        data={"action": "revoke", "key": staff.grader.key_id},
    )
    checker = ChainChecker(ledger.keyring())
    checker.check(rows[0])
    checker.check(rows[1])
    with pytest.raises(ChainBreakError, match="key events belong on the key chain"):
        checker.check(stray)


def test_build_keyring_verifies_key_events(ledger: Ledger, staff: Staff) -> None:
    chain = ledger.history(KEY_CHAIN)
    ring = build_keyring((s.log_index, s.signed) for s in chain)
    assert [r.key_id for r in ring.records()] == [
        staff.admin.key_id,
        staff.registrar.key_id,
        staff.grader.key_id,
    ]
    # A key event signed by a non-admin stops the ring from being built.
    grader_adds = Event(
        item=KEY_CHAIN,
        seq=3,
        prev=EventHash(chain[-1].signed.hash),
        type=EventType.KEY,
        at=utc_now(),
        by=staff.grader.key_id,
        data={"action": "revoke", "key": staff.registrar.key_id},
    ).sign(staff.grader)
    stored = [(s.log_index, s.signed) for s in chain] + [(3, grader_adds)]
    with pytest.raises(RoleError, match="a grader key may not sign key events"):
        build_keyring(stored)


# -- events written under the earlier field rules -----------------------------------------------


def _write_as_before(
    monkeypatch: pytest.MonkeyPatch, ledger: Ledger, staff: Staff, data: dict[str, object]
) -> str:
    """Register ``data`` as the version before the field rules did: the payload checked only
    for its shapes (the ``stored`` rules, which normalise nothing), then signed and logged."""
    import provenance.ledger.ledger as ledger_module

    with monkeypatch.context() as patch:
        patch.setattr(ledger_module, "validate_payload", partial(validate_payload, rules="stored"))
        return ledger.register(signer=staff.registrar, data=data).event.item


@pytest.mark.parametrize(
    "old",
    [
        {"country": "Made in Japan", "catalog_number": "BLP 1577 [mono]"},
        {"country": "u.s.a.", "barcode": "123456789", "edition": "numbered 1733097600"},
        {"matrix": {"a/b": "BN-LP-1577-A\tRVG"}, "catalog_number": "CAT_01; reissue"},
    ],
)
def test_old_events_still_audit_clean(
    monkeypatch: pytest.MonkeyPatch, ledger: Ledger, staff: Staff, old: dict[str, object]
) -> None:
    data = {**VINYL, **old}
    with pytest.raises(InputError):  # today's rules refuse them for a new event...
        ledger.register(signer=staff.registrar, data=data)
    item = _write_as_before(monkeypatch, ledger, staff, data)
    assert ledger.history(item)[0].event.data == {**data, "photos": []}
    report = audit(ledger.engine)  # ...and the audit keeps the ones already signed
    assert report.findings == []


@pytest.mark.parametrize(
    ("field", "text", "found"),
    [
        ("catalog_number", "ring +44 20 7946 0958", "a phone number"),
        ("country", "jane at example.com", "an e-mail address"),
        ("matrix", {"A": "BN-LP-1577-A jane(at)example(dot)com"}, "an e-mail address"),
    ],
)
def test_old_events_with_personal_data_are_findings(
    monkeypatch: pytest.MonkeyPatch,
    ledger: Ledger,
    staff: Staff,
    field: str,
    text: object,
    found: str,
) -> None:
    # The earlier screen did not look at these fields; the audit now does.
    import provenance.ledger.ledger as ledger_module

    with monkeypatch.context() as patch:
        patch.setattr(ledger_module, "validate_payload", lambda *_a, **_k: {**VINYL, field: text})
        item = ledger.register(signer=staff.registrar, data=VINYL).event.item
    report = audit(ledger.engine)
    (finding,) = report.findings
    assert (finding.item, finding.seq) == (item, 0)
    assert re.search(
        rf"{field}(\.A\.text)?: looks like {found}; personal data never goes", str(finding)
    )
