"""The erasable owner vault: listing and forgetting, without touching the chain."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from provenance import Ledger, audit
from provenance.errors import InputError, NotFoundError
from provenance.privacy.commitments import verify_price
from provenance.privacy.vault import forget_owner, list_owners

from ...samples import VINYL, Staff


def test_list_and_forget(ledger: Ledger, staff: Staff) -> None:
    item = ledger.register(signer=staff.registrar, data=VINYL).event.item
    jane = ledger.transfer(
        signer=staff.registrar, item=item, label="Jane", contact="jane@x.example"
    )
    ledger.transfer(signer=staff.registrar, item=item, label="Shop")
    with ledger.engine.connect() as conn:
        events_before = conn.execute(text("SELECT * FROM events ORDER BY log_index")).all()

    owners = {o.owner_id: o for o in list_owners(ledger.engine)}
    assert len(owners) == 2
    assert owners[jane.owner_id].to_json() == {
        "owner": jane.owner_id,
        "label": "Jane",
        "contact": "jane@x.example",
        "price": None,
        "created_at": owners[jane.owner_id].created_at,
        "forgotten_at": None,
    }

    forgotten = forget_owner(ledger.engine, jane.owner_id)
    assert (forgotten.label, forgotten.contact) == (None, None)
    assert forgotten.forgotten_at is not None
    with ledger.engine.connect() as conn:
        salt = conn.execute(
            text("SELECT salt FROM owners WHERE owner_id = :o"), {"o": jane.owner_id}
        ).scalar_one()
        events_after = conn.execute(text("SELECT * FROM events ORDER BY log_index")).all()
    assert salt is None  # the commitment can no longer be opened
    assert events_after == events_before  # the chain is untouched...
    assert audit(ledger.engine).ok  # ...and still verifies
    others = [o for o in list_owners(ledger.engine) if o.owner_id != jane.owner_id]
    assert [o.label for o in others] == ["Shop"]

    again = forget_owner(ledger.engine, jane.owner_id)  # idempotent
    assert again.forgotten_at == forgotten.forgotten_at


def test_forget_erases_a_private_price(ledger: Ledger, staff: Staff) -> None:
    item = ledger.register(signer=staff.registrar, data=VINYL).event.item
    sale = ledger.transfer(
        signer=staff.registrar,
        item=item,
        label="Jane",
        price={"amount": 45_000, "currency": "EUR"},
    )
    (record,) = list_owners(ledger.engine)
    assert record.price == {"amount": 45_000, "currency": "EUR"}
    assert record.to_json()["price"] == {"amount": 45_000, "currency": "EUR"}
    with ledger.engine.connect() as conn:
        salt = conn.execute(
            text("SELECT price_salt FROM owners WHERE owner_id = :o"), {"o": sale.owner_id}
        ).scalar_one()
    commitment = sale.stored.event.data["price_commitment"]
    verify_price(salt=salt, amount=45_000, currency="EUR", commitment=commitment)

    forgotten = forget_owner(ledger.engine, sale.owner_id)
    assert (forgotten.price, forgotten.price_amount, forgotten.price_currency) == (None, None, None)
    with ledger.engine.connect() as conn:
        row = conn.execute(
            text("SELECT price_amount, price_currency, price_salt FROM owners WHERE owner_id = :o"),
            {"o": sale.owner_id},
        ).one()
    assert tuple(row) == (None, None, None)  # nothing left to open the commitment with
    assert ledger.history(item)[1].event.data["price_commitment"] == commitment
    assert audit(ledger.engine).ok


def test_forget_errors(ledger: Ledger) -> None:
    with pytest.raises(InputError, match="'jane' is not an owner id"):
        forget_owner(ledger.engine, "jane")
    with pytest.raises(NotFoundError, match="no owner own_0000000000000000"):
        forget_owner(ledger.engine, "own_0000000000000000")
