"""The signed envelope: known-answer events, signing, and the parser's refusals."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from provenance.errors import EventFormatError, SignatureError
from provenance.keys.signing import SigningKey
from provenance.ledger.canonical import canonical_bytes
from provenance.ledger.events import EVENT_VERSION, KEY_CHAIN, Event, SignedEvent, utc_now
from provenance.ledger.schemas import EventType
from provenance.types import EventHash, KeyId

from ...samples import load_vector

VECTORS = load_vector("events")
KEY = SigningKey.from_private(
    Ed25519PrivateKey.from_private_bytes(bytes.fromhex(VECTORS["secret_key"]))
)


def test_vector_key() -> None:
    assert KEY.public.hex() == VECTORS["public_key"]
    assert KEY.key_id == VECTORS["key_id"]


@pytest.mark.parametrize("case", VECTORS["events"], ids=lambda c: str(c["name"]))
def test_known_answer_events(case: dict[str, Any]) -> None:
    parsed = SignedEvent.parse(case["body"], bytes.fromhex(case["signature"]))
    assert parsed.hash == case["hash"]
    parsed.verify_signature(KEY.public)
    # Rebuilding the event from its fields and signing gives the same bytes, hash, signature.
    ev = parsed.event
    again = Event(ev.item, ev.seq, ev.prev, ev.type, ev.at, ev.by, ev.data).sign(KEY)
    assert again.body == case["body"]
    assert again.hash == case["hash"]
    assert again.signature.hex() == case["signature"]


def test_vector_events_chain() -> None:
    reg, grade, note = (SignedEvent.parse(c["body"], b"") for c in VECTORS["events"][1:])
    assert reg.event.prev is None
    assert grade.event.prev == reg.hash
    assert note.event.prev == grade.hash
    assert [e.event.seq for e in (reg, grade, note)] == [0, 1, 2]
    assert "Ünterschied — mono" in note.body  # UTF-8, not \u escapes


def _event(**changes: Any) -> Event:
    fields: dict[str, Any] = {
        "item": "00000-00001-Y",
        "seq": 0,
        "prev": None,
        "type": EventType.REGISTER,
        "at": "2026-05-01T12:00:00Z",
        "by": KEY.key_id,
        "data": {"kind": "vinyl", "title": "T", "artist": "A"},
    }
    fields.update(changes)
    return Event(**fields)


def test_to_json_is_the_envelope() -> None:
    assert _event().to_json() == {
        "v": EVENT_VERSION,
        "item": "00000-00001-Y",
        "seq": 0,
        "prev": None,
        "type": "register",
        "at": "2026-05-01T12:00:00Z",
        "by": KEY.key_id,
        "data": {"kind": "vinyl", "title": "T", "artist": "A"},
    }


def test_signing_with_another_key_is_refused() -> None:
    with pytest.raises(ValueError, match=r"event\.by must be the signing key's id"):
        _event(by=KeyId("0" * 32)).sign(KEY)


def test_signature_binds_every_field() -> None:
    base = _event().sign(KEY)
    for change in (
        {"item": "00000-00000-0"},
        {"at": "2026-05-01T12:00:01Z"},
        {"data": {"kind": "vinyl", "title": "T2", "artist": "A"}},
        {"seq": 1, "prev": EventHash("0" * 64), "type": EventType.NOTE},
    ):
        other = _event(**change).sign(KEY)
        assert other.hash != base.hash
        with pytest.raises(SignatureError, match="does not verify"):
            SignedEvent(other.event, other.body, other.hash, base.signature).verify_signature(
                KEY.public
            )


def test_verify_with_the_wrong_key() -> None:
    signed = _event().sign(KEY)
    signed.verify_signature(KEY.public)
    with pytest.raises(SignatureError, match="does not verify under the signer's key"):
        signed.verify_signature(SigningKey.generate().public)


def test_item_property_and_key_chain() -> None:
    assert _event().sign(KEY).item == "00000-00001-Y"
    assert KEY_CHAIN == "keys"


def test_utc_now_shape() -> None:
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", utc_now())


def _body(**changes: Any) -> str:
    obj = _event().to_json()
    obj.update(changes)
    return canonical_bytes(obj).decode()


GOOD = _body()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", r"event is not JSON"),
        ("[1,2]", r"does not have exactly the envelope fields"),
        (canonical_bytes({**json.loads(GOOD), "extra": 1}).decode(), r"exactly the envelope"),
        (
            canonical_bytes({k: v for k, v in json.loads(GOOD).items() if k != "at"}).decode(),
            "envelope",
        ),
        (_body(v=2), r"unsupported event version 2"),
        (_body(item=""), r"field 'item' is malformed"),
        (_body(item="X" * 33), r"field 'item' is malformed"),
        (_body(item=7), r"field 'item' is malformed"),
        (_body(seq=-1), r"field 'seq' is malformed"),
        (_body(seq="0"), r"field 'seq' is malformed"),
        (_body(seq=True), r"field 'seq' is malformed"),
        (_body(prev="ab" * 32), r"field 'prev' is malformed"),
        (_body(seq=1, prev=None), r"field 'prev' is malformed"),
        (_body(seq=1, prev="AB" * 32), r"field 'prev' is malformed"),
        (_body(type="sale"), r"field 'type' is malformed"),
        (_body(at="2026-05-01 12:00:00Z"), r"field 'at' is malformed"),
        (_body(at="2026-05-01T12:00:00.5Z"), r"field 'at' is malformed"),
        (_body(at="2026-05-01T12:00:00+00:00"), r"field 'at' is malformed"),
        (_body(at="2026-02-30T12:00:00Z"), r"field 'at' is not a valid time"),
        (_body(by="A" * 32), r"field 'by' is malformed"),
        (_body(by="ab"), r"field 'by' is malformed"),
        (_body(data=[]), r"field 'data' is malformed"),
        (GOOD.replace(",", ", ", 1), r"not in RFC 8785 canonical form"),
        (GOOD + "\n", r"not in RFC 8785 canonical form"),
        (json.dumps(json.loads(GOOD)), r"not in RFC 8785 canonical form"),
        (GOOD.replace('"T"', '"\\u0054"'), r"not in RFC 8785 canonical form"),
    ],
)
def test_parse_refuses(body: str, message: str) -> None:
    with pytest.raises(EventFormatError, match=message):
        SignedEvent.parse(body, b"")


def test_parse_accepts_good_text() -> None:
    parsed = SignedEvent.parse(GOOD, b"sig")
    assert parsed.body == GOOD
    assert parsed.signature == b"sig"
    assert parsed.event == _event()


def test_parse_key_chain_event() -> None:
    case = VECTORS["events"][0]
    parsed = SignedEvent.parse(case["body"], bytes.fromhex(case["signature"]))
    assert parsed.item == KEY_CHAIN
    assert parsed.event.type is EventType.KEY
