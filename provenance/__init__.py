"""provenance: signed, hash-chained, anchored histories for rare records and film prints.

The core library, in wings: ``ledger`` (events and their rules), ``keys`` (staff keys and
roles), ``privacy`` (owner commitments and the vault), ``log`` (the transparency log),
``chain`` (anchoring on Ethereum), ``proof`` (bundles and the verifier), ``tags`` (QR tags and
the buyer's view); ``storage``, ``errors``, ``types`` and ``vocab`` below them all. Names are
imported when first used, so ``import provenance`` is cheap.

Quick start::

    from provenance import Ledger, SigningKey, audit
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

from typing import TYPE_CHECKING

from ._lazy import lazy_exports

if TYPE_CHECKING:
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
    from .keys.signing import SigningKey
    from .ledger.chain_audit import AuditReport, Finding, audit
    from .ledger.events import Event, SignedEvent
    from .ledger.itemid import new_item_id, parse_item_id
    from .ledger.ledger import Ledger, StoredEvent, TransferReceipt
    from .vocab import EventType, Role

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

_EXPORTS = {
    "AuditReport": ".ledger.chain_audit",
    "Finding": ".ledger.chain_audit",
    "audit": ".ledger.chain_audit",
    "AuthorizationError": ".errors",
    "ChainBreakError": ".errors",
    "ConfigurationError": ".errors",
    "ConflictError": ".errors",
    "HashMismatchError": ".errors",
    "InputError": ".errors",
    "NotFoundError": ".errors",
    "PassphraseError": ".errors",
    "ProvenanceError": ".errors",
    "SignatureError": ".errors",
    "VerificationError": ".errors",
    "Event": ".ledger.events",
    "SignedEvent": ".ledger.events",
    "new_item_id": ".ledger.itemid",
    "parse_item_id": ".ledger.itemid",
    "SigningKey": ".keys.signing",
    "Ledger": ".ledger.ledger",
    "StoredEvent": ".ledger.ledger",
    "TransferReceipt": ".ledger.ledger",
    "EventType": ".vocab",
    "Role": ".vocab",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
