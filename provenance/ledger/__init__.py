"""The ledger: canonical events, payload schemas and grading vocabularies, item ids, the
per-item hash chains (appends and reads), state folding, the chain audit, CSV import and
photo blobs. It writes each event's leaf into the log in the same transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from ..vocab import StatusValue
    from .blobs import get_blob, put_blob
    from .canonical import EVENT_DOMAIN, canonical_bytes, event_hash, sha256_hex
    from .chain_audit import AuditReport, ChainChecker, Row, audit, build_keyring, check_rows
    from .events import EVENT_VERSION, Event, SignedEvent
    from .importer import read_register_csv
    from .itemid import new_item_id, parse_item_id
    from .ledger import Ledger, StoredEvent, TransferReceipt
    from .schemas import validate_correction, validate_payload
    from .state import ItemSummary, describe, summarise

__all__ = [
    "EVENT_DOMAIN",
    "EVENT_VERSION",
    "AuditReport",
    "ChainChecker",
    "Event",
    "ItemSummary",
    "Ledger",
    "Row",
    "SignedEvent",
    "StatusValue",
    "StoredEvent",
    "TransferReceipt",
    "audit",
    "build_keyring",
    "canonical_bytes",
    "check_rows",
    "describe",
    "event_hash",
    "get_blob",
    "new_item_id",
    "parse_item_id",
    "put_blob",
    "read_register_csv",
    "sha256_hex",
    "summarise",
    "validate_correction",
    "validate_payload",
]

_EXPORTS = {
    "Ledger": ".ledger",
    "StoredEvent": ".ledger",
    "TransferReceipt": ".ledger",
    "EVENT_VERSION": ".events",
    "Event": ".events",
    "SignedEvent": ".events",
    "EVENT_DOMAIN": ".canonical",
    "canonical_bytes": ".canonical",
    "event_hash": ".canonical",
    "sha256_hex": ".canonical",
    "new_item_id": ".itemid",
    "parse_item_id": ".itemid",
    "StatusValue": "..vocab",
    "validate_correction": ".schemas",
    "validate_payload": ".schemas",
    "AuditReport": ".chain_audit",
    "ChainChecker": ".chain_audit",
    "Row": ".chain_audit",
    "audit": ".chain_audit",
    "build_keyring": ".chain_audit",
    "check_rows": ".chain_audit",
    "ItemSummary": ".state",
    "describe": ".state",
    "summarise": ".state",
    "read_register_csv": ".importer",
    "get_blob": ".blobs",
    "put_blob": ".blobs",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
