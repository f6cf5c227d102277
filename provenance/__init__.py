"""provenance: signed, hash-chained, anchored histories for rare records and film prints.

Quick start::

    from provenance import Ledger, SigningKey, Role, EventType
    from provenance.storage import make_engine, upgrade

    engine = make_engine("sqlite:///ledger.db", create=True)
    upgrade(engine)
    ledger = Ledger(engine)
    admin = SigningKey.generate()
    ledger.initialise(store_name="Groove Vault", admin=admin, admin_name="admin")
    first = ledger.register(signer=admin, data={"kind": "vinyl", "title": "Blue Train",
                                                "artist": "John Coltrane"})
    report = audit(engine)   # every signature, chain link, key and role checked
    assert report.ok
"""

from __future__ import annotations

from .audit import AuditReport, Finding, audit
from .errors import (
    AuthorizationError,
    ChainBreakError,
    ConfigurationError,
    ConflictError,
    HashMismatchError,
    InputError,
    NotFoundError,
    PassphraseError,
    ProvenanceError,
    SignatureError,
    VerificationError,
)
from .events import Event, SignedEvent
from .itemid import new_item_id, parse_item_id
from .keys import SigningKey
from .ledger import Ledger, StoredEvent, TransferReceipt
from .schemas import EventType, Role

__all__ = [
    "AuditReport",
    "AuthorizationError",
    "ChainBreakError",
    "ConfigurationError",
    "ConflictError",
    "Event",
    "EventType",
    "Finding",
    "HashMismatchError",
    "InputError",
    "Ledger",
    "NotFoundError",
    "PassphraseError",
    "ProvenanceError",
    "Role",
    "SignatureError",
    "SignedEvent",
    "SigningKey",
    "StoredEvent",
    "TransferReceipt",
    "VerificationError",
    "audit",
    "new_item_id",
    "parse_item_id",
]
