"""The ledger on SQLite and PostgreSQL: appends, chain links, roles, keys, transfers, reads.

Every test runs twice (``db_url`` is parametrised) and ends with the rules the audit checks
still holding, so a write path that signs something the audit would reject fails here.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from provenance import Ledger, Role, SigningKey, audit
from provenance.errors import (
    ConfigurationError,
    ConflictError,
    HashMismatchError,
    InputError,
    KeyStateError,
    NotFoundError,
    RevokedKeyError,
    RoleError,
    UnknownKeyError,
)
from provenance.ledger.canonical import sha256_hex
from provenance.ledger.events import KEY_CHAIN
from provenance.ledger.itemid import parse_item_id
from provenance.ledger.ledger import _Head
from provenance.ledger.schemas import EventType
from provenance.privacy.commitments import owner_commitment, verify_claim, verify_price
from provenance.storage import make_engine, upgrade
from provenance.storage.tables import events, owners

from ...samples import FILM, FILM_GRADE, JPEG, PNG, VINYL, VINYL_GRADE, Staff


def _snapshot(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM events ORDER BY log_index")).all()
        head = conn.execute(text("SELECT size FROM log_head")).all()
        vault = conn.execute(text("SELECT owner_id FROM owners ORDER BY owner_id")).all()
        names = conn.execute(text("SELECT key_id, name FROM key_names ORDER BY key_id")).all()
        photos = conn.execute(text("SELECT sha256 FROM blobs ORDER BY sha256")).all()
    return [tuple(r) for r in [*rows, *head, *vault, *names, *photos]]


def _assert_audits_clean(ledger: Ledger) -> None:
    report = audit(ledger.engine)
    assert report.findings == []
    assert report.events == ledger.size()


# -- store and keys ---------------------------------------------------------------------------


def test_initialised_store(ledger: Ledger, staff: Staff) -> None:
    assert ledger.store_name() == "Test Records"
    assert ledger.size() == 3
    chain = ledger.history(KEY_CHAIN)
    assert [e.event.seq for e in chain] == [0, 1, 2]
    assert [e.log_index for e in chain] == [0, 1, 2]
    genesis = chain[0].event
    assert genesis.type is EventType.KEY and genesis.prev is None
    assert genesis.by == staff.admin.key_id == genesis.data["key"]
    assert genesis.data == {
        "action": "add",
        "key": staff.admin.key_id,
        "public_key": staff.admin.public.hex(),
        "role": "admin",
    }
    assert chain[1].event.prev == chain[0].signed.hash
    ring = ledger.keyring()
    assert [(r.key_id, r.role) for r in ring.records()] == [
        (staff.admin.key_id, Role.ADMIN),
        (staff.registrar.key_id, Role.REGISTRAR),
        (staff.grader.key_id, Role.GRADER),
    ]
    assert ledger.key_names() == {
        staff.admin.key_id: "admin",
        staff.registrar.key_id: "rick",
        staff.grader.key_id: "anna",
    }
    assert ledger.items() == []
    _assert_audits_clean(ledger)


def test_initialise_twice_is_refused(ledger: Ledger, staff: Staff) -> None:
    before = _snapshot(ledger.engine)
    with pytest.raises(InputError, match="this ledger is already initialised"):
        ledger.initialise(store_name="Other", admin=SigningKey.generate(), admin_name="boss")
    assert _snapshot(ledger.engine) == before


@pytest.mark.parametrize(
    ("store", "name", "message"),
    [
        ("", "admin", "store name must be 1-200 characters"),
        ("   ", "admin", "store name must be 1-200 characters"),
        ("x" * 201, "admin", "store name must be 1-200 characters"),
        ("Shop", "Admin", "key name 'Admin' must be"),
    ],
)
def test_initialise_input_errors(engine: Engine, store: str, name: str, message: str) -> None:
    led = Ledger(engine)
    with pytest.raises(InputError, match=message):
        led.initialise(store_name=store, admin=SigningKey.generate(), admin_name=name)
    with pytest.raises(ConfigurationError, match="ledger has no store identity"):
        led.store_name()
    assert led.size() == 0


def test_uninitialised_ledger_refuses_writes(engine: Engine, staff: Staff) -> None:
    led = Ledger(engine)
    with pytest.raises(UnknownKeyError, match="is not in the key history"):
        led.register(signer=staff.admin, data=VINYL)
    assert led.size() == 0


def test_add_rotate_revoke(ledger: Ledger, staff: Staff) -> None:
    newbie = SigningKey.generate()
    added = ledger.add_key(signer=staff.admin, new_key=newbie, role=Role.GRADER, name="newbie")
    assert added.event.item == KEY_CHAIN and added.event.seq == 3 and added.log_index == 3
    assert ledger.resolve_key("newbie") == newbie.key_id

    rotated = SigningKey.generate()
    event = ledger.rotate_key(signer=staff.admin, old=newbie.key_id, new_key=rotated, name="nb2")
    assert event.event.data["action"] == "rotate"
    assert event.event.data["replaces"] == newbie.key_id
    assert event.event.data["role"] == "grader"
    ring = ledger.keyring()
    assert ring.get(newbie.key_id).replaced_by == rotated.key_id
    assert ring.get(newbie.key_id).revoked_at == event.log_index

    revoked = ledger.revoke_key(signer=staff.admin, key_id=rotated.key_id, reason="left")
    assert revoked.event.data == {"action": "revoke", "key": rotated.key_id, "reason": "left"}
    assert ledger.keyring().get(rotated.key_id).revoked_at == revoked.log_index
    _assert_audits_clean(ledger)


def test_key_errors(ledger: Ledger, staff: Staff) -> None:
    before = _snapshot(ledger.engine)
    with pytest.raises(KeyStateError, match="a key named 'rick' already exists"):
        ledger.add_key(
            signer=staff.admin, new_key=SigningKey.generate(), role=Role.GRADER, name="rick"
        )
    with pytest.raises(KeyStateError, match="was already added"):
        ledger.add_key(signer=staff.admin, new_key=staff.grader, role=Role.GRADER, name="anna2")
    with pytest.raises(RoleError, match="a registrar key may not sign key events"):
        ledger.add_key(
            signer=staff.registrar, new_key=SigningKey.generate(), role=Role.ADMIN, name="sneaky"
        )
    with pytest.raises(KeyStateError, match="last active admin key"):
        ledger.revoke_key(signer=staff.admin, key_id=staff.admin.key_id, reason=None)
    with pytest.raises(KeyStateError, match="is not in the key history"):
        ledger.revoke_key(signer=staff.admin, key_id=SigningKey.generate().key_id, reason=None)
    with pytest.raises(UnknownKeyError, match="is not in the key history"):
        ledger.rotate_key(
            signer=staff.admin,
            old=SigningKey.generate().key_id,
            new_key=SigningKey.generate(),
            name="x",
        )
    with pytest.raises(InputError, match="key name 'Bad Name' must be"):
        ledger.add_key(
            signer=staff.admin, new_key=SigningKey.generate(), role=Role.GRADER, name="Bad Name"
        )
    assert _snapshot(ledger.engine) == before
    ledger.revoke_key(signer=staff.admin, key_id=staff.grader.key_id, reason=None)
    with pytest.raises(KeyStateError, match="is already revoked"):
        ledger.revoke_key(signer=staff.admin, key_id=staff.grader.key_id, reason=None)


def test_resolve_key(ledger: Ledger, staff: Staff) -> None:
    assert ledger.resolve_key("rick") == staff.registrar.key_id
    assert ledger.resolve_key(staff.grader.key_id) == staff.grader.key_id
    assert ledger.resolve_key(staff.grader.key_id[:8].upper()) == staff.grader.key_id
    with pytest.raises(NotFoundError, match="no key named 'nobody'"):
        ledger.resolve_key("nobody")
    with pytest.raises(NotFoundError, match="no key named"):
        ledger.resolve_key(staff.grader.key_id[:5])  # too short to trust as a prefix


def test_revoked_key_cannot_sign(ledger: Ledger, staff: Staff) -> None:
    item = ledger.register(signer=staff.registrar, data=VINYL).event.item
    ledger.revoke_key(signer=staff.admin, key_id=staff.grader.key_id, reason="lost laptop")
    before = _snapshot(ledger.engine)
    with pytest.raises(RevokedKeyError, match=f"key {staff.grader.key_id} was revoked"):
        ledger.append(
            signer=staff.grader, item=item, event_type=EventType.NOTE, data={"text": "too late"}
        )
    assert _snapshot(ledger.engine) == before
    _assert_audits_clean(ledger)


# -- items ------------------------------------------------------------------------------------


def test_register_and_chain(ledger: Ledger, staff: Staff) -> None:
    first = ledger.register(signer=staff.registrar, data=VINYL)
    item = first.event.item
    assert parse_item_id(item) == item
    assert (first.event.seq, first.event.prev, first.log_index) == (0, None, 3)
    assert first.event.data == {**VINYL, "photos": []}
    grade = ledger.append(
        signer=staff.grader, item=item, event_type=EventType.GRADE, data=VINYL_GRADE
    )
    note = ledger.append(
        signer=staff.grader, item=item.lower(), event_type=EventType.NOTE, data={"text": "ok"}
    )
    assert (grade.event.seq, grade.event.prev, grade.log_index) == (1, first.signed.hash, 4)
    assert (note.event.seq, note.event.prev, note.log_index) == (2, grade.signed.hash, 5)
    assert note.event.item == item  # typed id normalised
    history = ledger.history(item)
    assert [h.signed for h in history] == [first.signed, grade.signed, note.signed]
    rows = ledger.rows(item)
    assert [(r.log_index, r.seq, r.type, r.signer) for r in rows] == [
        (3, 0, "register", staff.registrar.key_id),
        (4, 1, "grade", staff.grader.key_id),
        (5, 2, "note", staff.grader.key_id),
    ]
    assert rows[1].hash == grade.signed.hash and bytes(rows[1].signature) == grade.signed.signature
    for stored in history:
        stored.signed.verify_signature(ledger.keyring().get(stored.event.by).public_key)
    _assert_audits_clean(ledger)


def test_film_item(ledger: Ledger, staff: Staff) -> None:
    item = ledger.register(signer=staff.registrar, data=FILM).event.item
    graded = ledger.append(
        signer=staff.grader, item=item, event_type=EventType.GRADE, data=FILM_GRADE
    )
    assert graded.event.data["ad_level"] == "1.5"
    with pytest.raises(InputError, match="a vinyl grade does not fit a film item"):
        ledger.append(signer=staff.grader, item=item, event_type=EventType.GRADE, data=VINYL_GRADE)
    _assert_audits_clean(ledger)


def test_photos_are_stored_and_hashed_into_the_event(ledger: Ledger, staff: Staff) -> None:
    stored = ledger.register(signer=staff.registrar, data=VINYL, photos=[PNG, JPEG])
    assert stored.event.data["photos"] == [sha256_hex(PNG), sha256_hex(JPEG)]
    with ledger.engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM blobs")).scalar_one()
    assert count == 2
    before = _snapshot(ledger.engine)
    with pytest.raises(InputError, match="not a JPEG, PNG"):
        ledger.register(signer=staff.registrar, data=VINYL, photos=[b"plain text"])
    assert _snapshot(ledger.engine) == before
    _assert_audits_clean(ledger)


def test_items_newest_first(ledger: Ledger, staff: Staff) -> None:
    ids = [ledger.register(signer=staff.registrar, data=VINYL).event.item for _ in range(3)]
    ledger.append(signer=staff.grader, item=ids[0], event_type=EventType.NOTE, data={"text": "x"})
    assert [s.event.item for s in ledger.items()] == ids[::-1]
    assert [s.event.item for s in ledger.items(limit=1, offset=1)] == [ids[1]]


WRITE_ERRORS: list[tuple[str, str, dict[str, Any], type[Exception], str]] = [
    ("registrar", "grade", VINYL_GRADE, RoleError, "a registrar key may not sign grade events"),
    ("grader", "transfer", {"owner": "ab" * 32}, RoleError, "a grader key may not sign transfer"),
    ("grader", "status", {"status": "stolen"}, RoleError, "a grader key may not sign status"),
    ("grader", "grade", FILM_GRADE, InputError, "a film grade does not fit a vinyl item"),
    ("grader", "grade", {**VINYL_GRADE, "media": "EX"}, InputError, "invalid grade data: media"),
    ("grader", "note", {"text": "ring 0044 20 7946 0958"}, InputError, "phone number"),
    ("registrar", "register", VINYL, ConflictError, "is already registered"),
    ("admin", "bogus", {}, InputError, "unknown event type 'bogus'"),
    ("admin", "correct", {"supersedes": 9, "reason": "x"}, NotFoundError, "has no event 9"),
    ("admin", "correct", {"supersedes": 0, "reason": "x"}, InputError, "cannot be withdrawn"),
    ("admin", "key", {"action": "revoke", "key": "ab" * 16}, KeyStateError, "not in the key"),
]


@pytest.mark.parametrize(
    ("who", "etype", "data", "error", "message"), WRITE_ERRORS, ids=[e[4] for e in WRITE_ERRORS]
)
def test_refused_appends_write_nothing(
    ledger: Ledger,
    staff: Staff,
    who: str,
    etype: str,
    data: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    item = ledger.register(signer=staff.registrar, data=VINYL).event.item
    before = _snapshot(ledger.engine)
    signer = getattr(staff, who)
    target = KEY_CHAIN if etype == "key" else item
    with pytest.raises(error, match=message):
        ledger.append(signer=signer, item=target, event_type=etype, data=data)  # type: ignore[arg-type]
    assert _snapshot(ledger.engine) == before
    _assert_audits_clean(ledger)


def test_register_needs_registrar_or_admin(ledger: Ledger, staff: Staff) -> None:
    with pytest.raises(RoleError, match="a grader key may not sign register events"):
        ledger.register(signer=staff.grader, data=VINYL)
    with pytest.raises(UnknownKeyError, match="is not in the key history"):
        ledger.register(signer=SigningKey.generate(), data=VINYL)
    with pytest.raises(InputError, match="invalid register data: title"):
        ledger.register(signer=staff.registrar, data={**VINYL, "title": ""})
    assert ledger.register(signer=staff.admin, data=FILM).event.seq == 0
    assert ledger.size() == 4


def test_unknown_or_malformed_item(ledger: Ledger, staff: Staff) -> None:
    missing = "00000-00001-Y"
    with pytest.raises(NotFoundError, match=f"no item {missing} in this ledger"):
        ledger.append(
            signer=staff.grader, item=missing, event_type=EventType.NOTE, data={"text": "x"}
        )
    with pytest.raises(NotFoundError, match=f"no item {missing}"):
        ledger.history(missing)
    with pytest.raises(NotFoundError, match=f"no item {missing}"):
        ledger.rows(missing)
    with pytest.raises(InputError, match="fails its check symbol"):
        ledger.append(
            signer=staff.grader, item="00000-00001-Z", event_type=EventType.NOTE, data={"text": "x"}
        )
    with pytest.raises(InputError, match="fails its check symbol"):
        ledger.history("00000-00001-Z")


def test_corrections(ledger: Ledger, staff: Staff) -> None:
    item = ledger.register(signer=staff.registrar, data=VINYL).event.item
    ledger.append(signer=staff.grader, item=item, event_type=EventType.GRADE, data=VINYL_GRADE)
    ledger.append(signer=staff.grader, item=item, event_type=EventType.NOTE, data={"text": "x"})
    fixed = ledger.append(
        signer=staff.grader,
        item=item,
        event_type=EventType.CORRECT,
        data={"supersedes": 1, "reason": "re-examined", "data": {**VINYL_GRADE, "media": "NM"}},
    )
    # The replacement is stored in normal form (defaults filled in) so the audit agrees.
    assert fixed.event.data["data"] == {**VINYL_GRADE, "media": "NM", "photos": []}
    withdrawn = ledger.append(
        signer=staff.grader,
        item=item,
        event_type=EventType.CORRECT,
        data={"supersedes": 2, "reason": "wrong item"},
    )
    assert "data" not in withdrawn.event.data
    title = ledger.append(
        signer=staff.registrar,
        item=item,
        event_type=EventType.CORRECT,
        data={"supersedes": 0, "reason": "typo", "data": {**VINYL, "year": 1958}},
    )
    assert title.event.seq == 5
    before = _snapshot(ledger.engine)
    with pytest.raises(RoleError, match="a registrar key may not sign grade events"):
        ledger.append(
            signer=staff.registrar,
            item=item,
            event_type=EventType.CORRECT,
            data={"supersedes": 1, "reason": "x"},
        )
    with pytest.raises(InputError, match="a correct event cannot be corrected"):
        ledger.append(
            signer=staff.admin,
            item=item,
            event_type=EventType.CORRECT,
            data={"supersedes": 3, "reason": "x"},
        )
    with pytest.raises(InputError, match="a film grade does not fit a vinyl item"):
        ledger.append(
            signer=staff.grader,
            item=item,
            event_type=EventType.CORRECT,
            data={"supersedes": 1, "reason": "x", "data": FILM_GRADE},
        )
    assert _snapshot(ledger.engine) == before
    _assert_audits_clean(ledger)


def test_transfer(ledger: Ledger, staff: Staff) -> None:
    item = ledger.register(signer=staff.registrar, data=VINYL).event.item
    receipt = ledger.transfer(
        signer=staff.registrar,
        item=item,
        label="  Jane Doe ",
        contact="jane@example.com",
        claim_code=True,
        price={"amount": 45_000, "currency": "EUR"},
    )
    data = receipt.stored.event.data
    assert set(data) == {"owner", "claim", "reason", "price_commitment"}  # the price is private
    # No personal data in the signed text, and no price either.
    assert "Jane" not in receipt.stored.signed.body
    assert "example.com" not in receipt.stored.signed.body
    assert "45000" not in receipt.stored.signed.body and "EUR" not in receipt.stored.signed.body
    with ledger.engine.connect() as conn:
        row = conn.execute(select(owners).where(owners.c.owner_id == receipt.owner_id)).one()
    assert (row.label, row.contact, row.forgotten_at) == ("Jane Doe", "jane@example.com", None)
    assert owner_commitment(salt=row.salt, owner_id=receipt.owner_id) == data["owner"]
    assert (row.price_amount, row.price_currency) == (45_000, "EUR")
    assert row.price_salt != row.salt and len(row.price_salt) == 32
    verify_price(
        salt=row.price_salt, amount=45_000, currency="EUR", commitment=data["price_commitment"]
    )
    with pytest.raises(HashMismatchError, match="price does not match its commitment"):
        verify_price(
            salt=row.price_salt, amount=45_001, currency="EUR", commitment=data["price_commitment"]
        )
    assert receipt.claim_code is not None
    verify_claim(item=item, code=receipt.claim_code, commitment=data["claim"])

    plain = ledger.transfer(signer=staff.registrar, item=item, label="Shop", reason="return")
    assert plain.claim_code is None and "claim" not in plain.stored.event.data
    assert plain.stored.event.data["owner"] != data["owner"]  # fresh salt, fresh owner id
    assert "price_commitment" not in plain.stored.event.data  # no price, no commitment
    assert plain.stored.event.seq == 2
    _assert_audits_clean(ledger)


def test_transfer_with_a_public_price(ledger: Ledger, staff: Staff) -> None:
    item = ledger.register(signer=staff.registrar, data=VINYL).event.item
    receipt = ledger.transfer(
        signer=staff.registrar,
        item=item,
        label="Jane Doe",
        price={"amount": 45_000, "currency": "EUR"},
        public_price=True,
    )
    data = receipt.stored.event.data
    assert set(data) == {"owner", "reason", "price"}  # as every transfer carried it before
    assert data["price"] == {"amount": 45_000, "currency": "EUR"}
    with ledger.engine.connect() as conn:
        row = conn.execute(select(owners).where(owners.c.owner_id == receipt.owner_id)).one()
    assert (row.price_amount, row.price_currency, row.price_salt) == (None, None, None)
    _assert_audits_clean(ledger)


@pytest.mark.parametrize(
    ("who", "kwargs", "error", "message"),
    [
        ("registrar", {"label": ""}, InputError, "owner label must be 1-200 characters"),
        ("registrar", {"label": "x" * 201}, InputError, "owner label must be 1-200"),
        ("registrar", {"label": "J", "contact": "c" * 401}, InputError, "at most 400"),
        ("registrar", {"label": "J", "reason": "theft"}, InputError, "reason: Input should"),
        ("grader", {"label": "J"}, RoleError, "a grader key may not sign transfer events"),
        ("registrar", {"label": "J", "item": "00000-00001-Y"}, NotFoundError, "no item"),
        ("registrar", {"label": "J", "public_price": True}, InputError, "a public price needs"),
        (
            "registrar",
            {"label": "J", "price": {"amount": 1.5, "currency": "EUR"}},
            InputError,
            r"invalid price: amount: Input should be a valid integer",
        ),
        (
            "registrar",
            {"label": "J", "price": {"amount": 100, "currency": "eur"}},
            InputError,
            r"invalid price: currency: String should match pattern",
        ),
        (
            "registrar",
            {"label": "J", "price": {"amount": -1, "currency": "EUR"}, "public_price": True},
            InputError,
            r"invalid price: amount: Input should be greater than or equal to 0",
        ),
        (
            "grader",
            {"label": "J", "price": {"amount": 100, "currency": "EUR"}},
            RoleError,
            "a grader key may not sign transfer events",
        ),
    ],
)
def test_refused_transfer_leaves_no_vault_row(
    ledger: Ledger,
    staff: Staff,
    who: str,
    kwargs: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    item = ledger.register(signer=staff.registrar, data=VINYL).event.item
    before = _snapshot(ledger.engine)
    with pytest.raises(error, match=message):
        ledger.transfer(signer=getattr(staff, who), **{"item": item, **kwargs})
    assert _snapshot(ledger.engine) == before


def test_register_many(ledger: Ledger, staff: Staff) -> None:
    seen: list[int] = []
    ids = ledger.register_many(
        signer=staff.registrar, rows=[VINYL, FILM, {**VINYL, "title": "B"}], progress=seen.append
    )
    assert len(set(ids)) == 3 and seen[-1] == 3
    assert [ledger.history(i)[0].log_index for i in ids] == [3, 4, 5]
    assert ledger.history(ids[1])[0].event.data["kind"] == "film"
    assert ledger.size() == 6
    assert ledger.register_many(signer=staff.registrar, rows=[]) == []
    _assert_audits_clean(ledger)


def test_register_many_is_all_or_nothing(ledger: Ledger, staff: Staff) -> None:
    before = _snapshot(ledger.engine)
    with pytest.raises(InputError, match="invalid register data: title"):
        ledger.register_many(signer=staff.registrar, rows=[VINYL, {**VINYL, "title": ""}])
    with pytest.raises(RoleError, match="a grader key may not sign register events"):
        ledger.register_many(signer=staff.grader, rows=[VINYL])
    assert _snapshot(ledger.engine) == before


def test_register_batch_grades_each_item_right_after_its_registration(
    ledger: Ledger, staff: Staff
) -> None:
    kept: list[list[str]] = []
    ids = ledger.register_batch(
        registrar=staff.registrar,
        grader=staff.grader,
        rows=[(VINYL, VINYL_GRADE), (FILM, None), (VINYL, {**VINYL_GRADE, "media": "NM"})],
        alongside=lambda conn, items: kept.append(list(items)),
    )
    assert kept == [ids]
    first, film, last = (ledger.history(i) for i in ids)
    assert [s.log_index for s in [*first, *film, *last]] == [3, 4, 5, 6, 7]
    assert first[1].event.prev == first[0].signed.hash and first[1].event.by == staff.grader.key_id
    assert [s.event.type for s in last] == [EventType.REGISTER, EventType.GRADE]
    assert last[1].event.data["media"] == "NM" and len(film) == 1
    _assert_audits_clean(ledger)


def test_register_batch_is_all_or_nothing(ledger: Ledger, staff: Staff) -> None:
    before = _snapshot(ledger.engine)
    with pytest.raises(InputError, match="a film grade does not fit a vinyl item"):
        ledger.register_batch(
            registrar=staff.registrar, grader=staff.grader, rows=[(VINYL, FILM_GRADE)]
        )
    with pytest.raises(InputError, match="grades in a batch need the grader's key"):
        ledger.register_batch(registrar=staff.registrar, rows=[(VINYL, VINYL_GRADE)])
    with pytest.raises(RoleError, match="a registrar key may not sign grade events"):
        ledger.register_batch(
            registrar=staff.registrar, grader=staff.registrar, rows=[(VINYL, VINYL_GRADE)]
        )

    def refuse(conn: object, items: list[str]) -> None:
        raise ConflictError(f"the private table refused {len(items)} rows")

    with pytest.raises(ConflictError, match="refused 2 rows"):
        ledger.register_batch(
            registrar=staff.registrar,
            grader=staff.grader,
            rows=[(VINYL, VINYL_GRADE), (FILM, FILM_GRADE)],
            alongside=refuse,
        )
    assert _snapshot(ledger.engine) == before


def test_register_retries_an_id_collision(
    ledger: Ledger, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = ledger.register(signer=staff.registrar, data=VINYL).event.item
    fresh = "00000-00001-Y"
    draws = iter([taken, fresh])
    monkeypatch.setattr("provenance.ledger.ledger.new_item_id", lambda: next(draws))
    assert ledger.register(signer=staff.registrar, data=FILM).event.item == fresh
    monkeypatch.setattr("provenance.ledger.ledger.new_item_id", lambda: taken)
    with pytest.raises(ConflictError, match="could not draw an unused item id"):
        ledger.register(signer=staff.registrar, data=FILM)
    _assert_audits_clean(ledger)


def test_unique_item_seq_is_the_last_line_of_defence(
    ledger: Ledger, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A writer that read a stale head (as if it had bypassed the lock) tries to fork the item:
    # the database refuses, the ledger retries, and gives up with a ConflictError.
    first = ledger.register(signer=staff.registrar, data=VINYL)
    item = first.event.item
    ledger.append(signer=staff.grader, item=item, event_type=EventType.NOTE, data={"text": "a"})
    stale = _Head(seq=0, hash=first.signed.hash, kind="vinyl")
    monkeypatch.setattr(Ledger, "_head", staticmethod(lambda conn, it: stale))
    before = _snapshot(ledger.engine)
    with pytest.raises(ConflictError, match=f"another writer kept taking {item}'s next position"):
        ledger.append(signer=staff.grader, item=item, event_type=EventType.NOTE, data={"text": "b"})
    assert _snapshot(ledger.engine) == before
    monkeypatch.undo()
    _assert_audits_clean(ledger)
    with ledger.engine.connect() as conn:
        count = conn.execute(
            select(func.count()).select_from(events).where(events.c.item == item)
        ).scalar_one()
    assert count == 2


def test_key_ring_cache_follows_key_events(ledger: Ledger, staff: Staff) -> None:
    # A second Ledger on the same database sees key changes made through the first.
    other = Ledger(ledger.engine)
    item = other.register(signer=staff.registrar, data=VINYL).event.item
    ledger.revoke_key(signer=staff.admin, key_id=staff.registrar.key_id, reason=None)
    with pytest.raises(RevokedKeyError, match="was revoked"):
        other.append(
            signer=staff.registrar,
            item=item,
            event_type=EventType.STATUS,
            data={"status": "stolen"},
        )


# -- opening ----------------------------------------------------------------------------------


def test_open(ledger: Ledger, db_url: str) -> None:
    opened = Ledger.open(db_url)
    try:
        assert opened.store_name() == "Test Records"
        assert opened.size() == ledger.size()
    finally:
        opened.engine.dispose()


def test_open_refuses_a_database_without_a_ledger(db_url: str) -> None:
    eng = make_engine(db_url, create=True)
    try:
        with eng.begin() as conn:  # make the SQLite file exist, with no schema
            conn.execute(text("CREATE TABLE unrelated (x INTEGER)"))
    finally:
        eng.dispose()
    with pytest.raises(ConfigurationError, match="run 'provenance init' first"):
        Ledger.open(db_url)


def test_open_refuses_a_missing_sqlite_file(sqlite_url: str) -> None:
    with pytest.raises(
        ConfigurationError, match=r"no ledger at .*ledger\.db; run 'provenance init'"
    ):
        Ledger.open(sqlite_url)


def test_upgrade_is_idempotent(ledger: Ledger) -> None:
    upgrade(ledger.engine)
    assert ledger.size() == 3
