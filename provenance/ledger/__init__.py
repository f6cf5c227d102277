"""The ledger: canonical events, payload schemas and grading vocabularies, item ids, the
per-item hash chains (appends and reads), state folding, the chain audit, CSV import, the
Discogs bridge (inventory import, private listing terms, upload CSV) and photo blobs. It writes
each event's leaf into the log in the same transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from ..vocab import StatusValue
    from .blobs import get_blob, put_blob
    from .canonical import EVENT_DOMAIN, canonical_bytes, event_hash, sha256_hex
    from .chain_audit import AuditReport, ChainChecker, Row, audit, build_keyring, check_rows
    from .discogs import read_inventory, release_link, upload_csv
    from .events import EVENT_VERSION, Event, SignedEvent
    from .importer import read_register_csv
    from .itemid import new_item_id, parse_item_id
    from .ledger import Ledger, StoredEvent, TransferReceipt
    from .listings import import_listings, plan_import, upload_rows
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
    "import_listings",
    "new_item_id",
    "parse_item_id",
    "plan_import",
    "put_blob",
    "read_inventory",
    "read_register_csv",
    "release_link",
    "sha256_hex",
    "summarise",
    "upload_csv",
    "upload_rows",
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
    "read_inventory": ".discogs",
    "release_link": ".discogs",
    "upload_csv": ".discogs",
    "import_listings": ".listings",
    "plan_import": ".listings",
    "upload_rows": ".listings",
    "get_blob": ".blobs",
    "put_blob": ".blobs",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
