"""The key history state machine: genesis, add, rotate, revoke, and who may sign what when."""

from __future__ import annotations

from typing import Any

import pytest

from provenance.errors import KeyStateError, RevokedKeyError, RoleError, UnknownKeyError
from provenance.keys.keyring import PERMISSIONS, KeyRing
from provenance.keys.signing import SigningKey
from provenance.ledger.schemas import EventType, Role


def add(key: SigningKey, role: Role) -> dict[str, Any]:
    return {"action": "add", "key": key.key_id, "public_key": key.public.hex(), "role": role}


@pytest.fixture
def keys() -> dict[str, SigningKey]:
    return {name: SigningKey.generate() for name in ("admin", "admin2", "reg", "grader", "new")}


@pytest.fixture
def ring(keys: dict[str, SigningKey]) -> KeyRing:
    """Genesis at 0, registrar added at 1, grader at 2."""
    ring = KeyRing()
    admin = keys["admin"]
    ring.apply(data=add(admin, Role.ADMIN), signer=admin.key_id, log_index=0)
    ring.apply(data=add(keys["reg"], Role.REGISTRAR), signer=admin.key_id, log_index=1)
    ring.apply(data=add(keys["grader"], Role.GRADER), signer=admin.key_id, log_index=2)
    return ring


def test_records(ring: KeyRing, keys: dict[str, SigningKey]) -> None:
    assert len(ring) == 3
    assert keys["reg"].key_id in ring
    assert keys["new"].key_id not in ring
    records = ring.records()
    assert [r.key_id for r in records] == [keys[n].key_id for n in ("admin", "reg", "grader")]
    assert [r.added_at for r in records] == [0, 1, 2]
    assert all(r.active for r in records)
    assert records[1].to_json() == {
        "key": keys["reg"].key_id,
        "public_key": keys["reg"].public.hex(),
        "role": "registrar",
        "added_at": 1,
        "revoked_at": None,
        "replaced_by": None,
    }


def test_permissions_table() -> None:
    assert PERMISSIONS[Role.ADMIN] == frozenset(EventType)
    assert PERMISSIONS[Role.REGISTRAR] == {
        EventType.REGISTER,
        EventType.TRANSFER,
        EventType.STATUS,
        EventType.TAG,
    }
    assert PERMISSIONS[Role.GRADER] == {EventType.GRADE, EventType.NOTE}


@pytest.mark.parametrize(
    ("who", "etype", "allowed"),
    [
        ("reg", EventType.REGISTER, True),
        ("reg", EventType.TRANSFER, True),
        ("reg", EventType.STATUS, True),
        ("reg", EventType.GRADE, False),
        ("reg", EventType.NOTE, False),
        ("reg", EventType.KEY, False),
        ("grader", EventType.GRADE, True),
        ("grader", EventType.NOTE, True),
        ("grader", EventType.REGISTER, False),
        ("grader", EventType.TRANSFER, False),
        ("grader", EventType.KEY, False),
        ("admin", EventType.KEY, True),
        ("admin", EventType.GRADE, True),
        ("admin", EventType.REGISTER, True),
    ],
)
def test_roles(
    ring: KeyRing, keys: dict[str, SigningKey], who: str, etype: EventType, allowed: bool
) -> None:
    key_id = keys[who].key_id
    if allowed:
        assert ring.authorise(key_id=key_id, event_type=etype, log_index=10).key_id == key_id
    else:
        with pytest.raises(RoleError, match=f"may not sign {etype} events"):
            ring.authorise(key_id=key_id, event_type=etype, log_index=10)


def test_correction_needs_the_right_to_sign_the_corrected_type(
    ring: KeyRing, keys: dict[str, SigningKey]
) -> None:
    grader = keys["grader"].key_id
    ring.authorise(
        key_id=grader, event_type=EventType.CORRECT, log_index=9, acting_as=EventType.GRADE
    )
    with pytest.raises(RoleError, match="a grader key may not sign transfer events"):
        ring.authorise(
            key_id=grader, event_type=EventType.CORRECT, log_index=9, acting_as=EventType.TRANSFER
        )
    # Without a target type a correction is judged as itself: only admins may.
    with pytest.raises(RoleError, match="may not sign correct events"):
        ring.authorise(key_id=grader, event_type=EventType.CORRECT, log_index=9)


def test_unknown_key(ring: KeyRing, keys: dict[str, SigningKey]) -> None:
    with pytest.raises(UnknownKeyError, match="is not in the key history"):
        ring.get(keys["new"].key_id)
    with pytest.raises(UnknownKeyError, match="is not in the key history"):
        ring.authorise(key_id=keys["new"].key_id, event_type=EventType.NOTE, log_index=5)


def test_key_cannot_sign_before_or_at_its_own_addition(
    ring: KeyRing, keys: dict[str, SigningKey]
) -> None:
    for index in (0, 1):
        with pytest.raises(UnknownKeyError, match="before it was added at 1"):
            ring.authorise(
                key_id=keys["reg"].key_id, event_type=EventType.REGISTER, log_index=index
            )
    ring.authorise(key_id=keys["reg"].key_id, event_type=EventType.REGISTER, log_index=2)
    # The genesis key signs its own genesis, at 0.
    ring.authorise(key_id=keys["admin"].key_id, event_type=EventType.KEY, log_index=0)


def test_revocation_is_by_log_position(ring: KeyRing, keys: dict[str, SigningKey]) -> None:
    reg = keys["reg"].key_id
    ring.apply(data={"action": "revoke", "key": reg}, signer=keys["admin"].key_id, log_index=7)
    record = ring.get(reg)
    assert record.revoked_at == 7 and not record.active
    ring.authorise(key_id=reg, event_type=EventType.REGISTER, log_index=6)  # before: valid
    with pytest.raises(RevokedKeyError, match="was revoked at log index 7; it cannot sign at 8"):
        ring.authorise(key_id=reg, event_type=EventType.REGISTER, log_index=8)


def test_rotation(ring: KeyRing, keys: dict[str, SigningKey]) -> None:
    grader, new = keys["grader"], keys["new"]
    data = {**add(new, Role.GRADER), "action": "rotate", "replaces": grader.key_id}
    ring.apply(data=data, signer=keys["admin"].key_id, log_index=5)
    old = ring.get(grader.key_id)
    assert old.revoked_at == 5 and old.replaced_by == new.key_id
    assert ring.get(new.key_id).added_at == 5 and ring.get(new.key_id).role is Role.GRADER
    ring.authorise(key_id=new.key_id, event_type=EventType.GRADE, log_index=6)
    with pytest.raises(RevokedKeyError, match="revoked at log index 5"):
        ring.authorise(key_id=grader.key_id, event_type=EventType.GRADE, log_index=6)


def test_genesis_rules(keys: dict[str, SigningKey]) -> None:
    admin, other = keys["admin"], keys["admin2"]
    with pytest.raises(KeyStateError, match="first key event must add an admin key"):
        KeyRing().apply(data=add(admin, Role.GRADER), signer=admin.key_id, log_index=0)
    with pytest.raises(KeyStateError, match="first key event must add an admin key"):
        KeyRing().apply(
            data={"action": "revoke", "key": admin.key_id}, signer=admin.key_id, log_index=0
        )
    with pytest.raises(KeyStateError, match="signed by the key it adds"):
        KeyRing().apply(data=add(admin, Role.ADMIN), signer=other.key_id, log_index=0)
    forged = {**add(admin, Role.ADMIN), "public_key": other.public.hex()}
    with pytest.raises(KeyStateError, match="does not match its public key"):
        KeyRing().apply(data=forged, signer=admin.key_id, log_index=0)


def test_key_event_errors(ring: KeyRing, keys: dict[str, SigningKey]) -> None:
    admin = keys["admin"].key_id
    with pytest.raises(KeyStateError, match="was already added"):
        ring.apply(data=add(keys["reg"], Role.GRADER), signer=admin, log_index=3)
    mismatched = {**add(keys["new"], Role.GRADER), "public_key": keys["admin2"].public.hex()}
    with pytest.raises(KeyStateError, match="does not match its public key"):
        ring.apply(data=mismatched, signer=admin, log_index=3)
    with pytest.raises(KeyStateError, match="is not in the key history"):
        ring.apply(data={"action": "revoke", "key": keys["new"].key_id}, signer=admin, log_index=3)
    with pytest.raises(KeyStateError, match="last active admin key"):
        ring.apply(data={"action": "revoke", "key": admin}, signer=admin, log_index=3)
    # Only admins sign key events.
    with pytest.raises(RoleError, match="a registrar key may not sign key events"):
        ring.apply(data=add(keys["new"], Role.GRADER), signer=keys["reg"].key_id, log_index=3)
    assert len(ring) == 3  # nothing above changed the ring


def test_revoked_key_cannot_be_revoked_again(ring: KeyRing, keys: dict[str, SigningKey]) -> None:
    admin = keys["admin"].key_id
    ring.apply(data={"action": "revoke", "key": keys["reg"].key_id}, signer=admin, log_index=3)
    with pytest.raises(KeyStateError, match="is already revoked"):
        ring.apply(data={"action": "revoke", "key": keys["reg"].key_id}, signer=admin, log_index=4)
    rotate = {
        **add(keys["new"], Role.REGISTRAR),
        "action": "rotate",
        "replaces": keys["reg"].key_id,
    }
    with pytest.raises(KeyStateError, match="is already revoked"):
        ring.apply(data=rotate, signer=admin, log_index=4)


def test_second_admin_can_take_over(ring: KeyRing, keys: dict[str, SigningKey]) -> None:
    admin, admin2 = keys["admin"], keys["admin2"]
    ring.apply(data=add(admin2, Role.ADMIN), signer=admin.key_id, log_index=3)
    ring.apply(data={"action": "revoke", "key": admin.key_id}, signer=admin2.key_id, log_index=4)
    with pytest.raises(RevokedKeyError, match="revoked at log index 4"):
        ring.apply(data=add(keys["new"], Role.GRADER), signer=admin.key_id, log_index=5)
    ring.apply(data=add(keys["new"], Role.GRADER), signer=admin2.key_id, log_index=5)
    assert keys["new"].key_id in ring
