"""The personal-data vault: owner labels, contacts, private sale prices and commitment salts,
kept outside every signed structure so they can be erased (crypto-shredding) without touching
the chain.

Erasing an owner nulls the label, contact, salt and the price with its salt. Without the salts
the commitments in the transfer event can no longer be linked to the owner id, let alone the
person, nor opened to the price. On SQLite the
engine runs with ``secure_delete`` and the write-ahead log is checkpointed and truncated after
an erasure, so the old bytes do not linger in the database files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select, update

from ..clock import utc_now
from ..errors import InputError, NotFoundError
from ..storage.engine import is_sqlite, write_transaction
from ..storage.tables import owners

__all__ = ["OwnerRecord", "forget_owner", "list_owners"]


@dataclass(frozen=True)
class OwnerRecord:
    """A vault row as staff see it (this is personal data: never on a public surface)."""

    owner_id: str
    label: str | None
    contact: str | None
    created_at: str
    forgotten_at: str | None
    price_amount: int | None = None
    price_currency: str | None = None

    @property
    def price(self) -> dict[str, Any] | None:
        """The private sale price (minor units and currency), or ``None``."""
        if self.price_amount is None or self.price_currency is None:
            return None
        return {"amount": self.price_amount, "currency": self.price_currency}

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "owner": self.owner_id,
            "label": self.label,
            "contact": self.contact,
            "price": self.price,
            "created_at": self.created_at,
            "forgotten_at": self.forgotten_at,
        }


def list_owners(engine: Engine) -> list[OwnerRecord]:
    """All vault rows, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                owners.c.owner_id,
                owners.c.label,
                owners.c.contact,
                owners.c.created_at,
                owners.c.forgotten_at,
                owners.c.price_amount,
                owners.c.price_currency,
            ).order_by(owners.c.created_at, owners.c.owner_id)
        ).all()
    return [OwnerRecord(*row) for row in rows]


def forget_owner(engine: Engine, owner_id: str) -> OwnerRecord:
    """Erase an owner's label, contact, salt and private price; idempotent for an
    already-forgotten owner."""
    if not owner_id.startswith("own_"):
        raise InputError(f"{owner_id!r} is not an owner id (they look like own_3f9a...)")
    with write_transaction(engine) as conn:
        row = conn.execute(
            select(owners.c.forgotten_at).where(owners.c.owner_id == owner_id)
        ).first()
        if row is None:
            raise NotFoundError(f"no owner {owner_id}")
        if row.forgotten_at is None:
            conn.execute(
                update(owners)
                .where(owners.c.owner_id == owner_id)
                .values(
                    label=None,
                    contact=None,
                    salt=None,
                    price_amount=None,
                    price_currency=None,
                    price_salt=None,
                    forgotten_at=utc_now(),
                )
            )
    if is_sqlite(engine):
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return next(o for o in list_owners(engine) if o.owner_id == owner_id)
