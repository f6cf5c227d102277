"""Table definitions (SQLAlchemy Core). Alembic migrations create them; this module only
describes them for queries.

``events`` is the ledger: append-only (database triggers refuse UPDATE and DELETE), one row per
signed event, with the exact canonical text that was signed. ``UNIQUE(item, seq)`` is what makes
a fork impossible; ``log_index`` is the event's position in the global log (the Merkle leaf
index). ``log_head`` is the single row that writers lock to take the next position.
``owners`` is the erasable personal-data vault, deliberately outside every signed structure.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "anchors",
    "blobs",
    "chain_alarms",
    "checkpoints",
    "deployments",
    "discogs_listings",
    "events",
    "key_names",
    "log_head",
    "log_nodes",
    "metadata",
    "nfc_counters",
    "owners",
    "partner_rate",
    "partner_requests",
    "partners",
    "scans",
    "store",
]

metadata = MetaData()

store = Table(
    "store",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("origin", String(200)),
    Column("log_public_key", String(64)),
    CheckConstraint("id = 1", name="store_single_row"),
)

log_head = Table(
    "log_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("size", BigInteger, nullable=False),
    CheckConstraint("id = 1", name="log_head_single_row"),
)

events = Table(
    "events",
    metadata,
    Column("log_index", BigInteger, primary_key=True, autoincrement=False),
    Column("item", String(32), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(16), nullable=False),
    Column("signer", String(32), nullable=False),
    Column("at", String(32), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("signature", LargeBinary, nullable=False),
    UniqueConstraint("item", "seq", name="events_item_seq_unique"),
)

log_nodes = Table(
    "log_nodes",
    metadata,
    # (level, idx) covers leaves [idx * 2**level, (idx + 1) * 2**level); level 0 = leaf hashes.
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary, nullable=False),
    sqlite_with_rowid=False,
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", String(64), nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
)

key_names = Table(
    "key_names",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("name", String(63), nullable=False, unique=True),
    Column("created_at", String(32), nullable=False),
)

owners = Table(
    "owners",
    metadata,
    Column("owner_id", String(40), primary_key=True),
    Column("label", String(200)),
    Column("contact", String(400)),
    Column("salt", LargeBinary),
    Column("created_at", String(32), nullable=False),
    Column("forgotten_at", String(32)),
    # A private sale price (the transfer carries only its commitment): minor units, ISO 4217
    # code and the commitment's salt. Migration 0008; erased with the rest of the row.
    Column("price_amount", BigInteger),
    Column("price_currency", String(3)),
    Column("price_salt", LargeBinary),
)

blobs = Table(
    "blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("media_type", String(100), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

deployments = Table(
    "deployments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("endpoint", String(400), nullable=False),
    Column("chain_id", BigInteger, nullable=False),
    Column("address", String(42), nullable=False),
    Column("deployer", String(42), nullable=False),
    Column("tx_hash", String(66), nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("ephemeral", Boolean, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("vanished_at", String(32)),
)

anchors = Table(
    "anchors",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("deployment_id", Integer, ForeignKey("deployments.id"), nullable=False),
    # Indexed (migration 0006): provenance.chain.anchored walks anchors newest first.
    Column("tree_size", BigInteger, nullable=False, index=True),
    Column("root", String(64), nullable=False),
    Column("nonce", BigInteger, nullable=False),
    Column("tx_hash", String(66), nullable=False),
    Column("raw_tx", Text, nullable=False),
    # recorded → pending → anchored → final; or dropped, failed, vanished.
    Column("state", String(16), nullable=False),
    Column("block_number", BigInteger),
    Column("block_hash", String(66)),
    Column("gas_used", BigInteger),
    Column("detail", String(400)),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    UniqueConstraint("deployment_id", "tx_hash", name="anchors_deployment_tx"),
)

scans = Table(
    "scans",
    metadata,
    # A tag scan: the verdict and a coarse client class; never an address or a User-Agent.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item", String(16), nullable=False, index=True),
    Column("verdict", String(12), nullable=False),
    Column("client", String(12), nullable=False),
    Column("at", String(32), nullable=False),
)

# Partner API keys (migration 0004). Only the SHA-256 of a key is stored; a revoked key keeps
# its row (``revoked_at`` set, never cleared). Names are local metadata, never served.
partners = Table(
    "partners",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("scopes", String(100), nullable=False),
    Column("rate_limit", Integer, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("revoked_at", String(32)),
)

# One fixed one-minute window per partner, shared by every API worker through the database.
partner_rate = Table(
    "partner_rate",
    metadata,
    Column("partner_id", String(16), ForeignKey("partners.id"), primary_key=True),
    Column("window_start", BigInteger, nullable=False),
    Column("used", Integer, nullable=False),
)

# Every request made with a partner key: who, what, outcome, when. No address or client data.
partner_requests = Table(
    "partner_requests",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("partner_id", String(16), ForeignKey("partners.id"), nullable=False),
    Column("method", String(8), nullable=False),
    Column("path", String(200), nullable=False),
    Column("status", SmallInteger, nullable=False),
    Column("at", String(32), nullable=False),
)

#: What a check against the chain found wrong with the local log (migration 0007). While any
#: row exists the ledger refuses appends and the anchorer refuses to anchor.
chain_alarms = Table(
    "chain_alarms",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chain_id", BigInteger, nullable=False),
    Column("address", String(42), nullable=False),
    Column("kind", String(16), nullable=False),  # shortfall | mismatch
    Column("tree_size", BigInteger, nullable=False),
    Column("chain_root", String(64), nullable=False),
    Column("local_root", String(64)),
    Column("local_size", BigInteger, nullable=False),
    Column("found_at", String(32), nullable=False),
    UniqueConstraint("chain_id", "address", "kind", "tree_size", name="chain_alarms_once"),
)

#: The highest read counter accepted per NFC tag (migration 0009): ``tag`` is the UID
#: commitment of the signed ``tag`` event (never the UID), ``item`` the item the tag was last
#: provisioned for (an index into the signed record; provenance.tags.nfc checks it against the
#: events before believing it), ``counter`` the highest SDMReadCtr accepted (0: no tap yet).
nfc_counters = Table(
    "nfc_counters",
    metadata,
    Column("tag", String(64), primary_key=True),
    Column("item", String(32), nullable=False),
    Column("counter", BigInteger, nullable=False),
    CheckConstraint("counter >= 0 AND counter <= 16777215", name="nfc_counters_24_bits"),
)

#: The store-private side of Discogs listings (migration 0010): what ``provenance import
#: --format discogs`` read beside the public record, keyed by the Discogs listing id so an
#: export imported twice registers nothing twice. ``item`` is the item registered for the
#: listing (whose register event carries the release id); the price (minor units), location,
#: offers, weight (grams) and format quantity are what the Discogs upload CSV writes back. None
#: of it is signed, logged or in any bundle.
discogs_listings = Table(
    "discogs_listings",
    metadata,
    Column("listing_id", BigInteger, primary_key=True, autoincrement=False),
    Column("item", String(32), nullable=False, unique=True),
    Column("price_amount", BigInteger),
    Column("location", String(400)),
    Column("accept_offer", Boolean),
    Column("weight", Integer),
    Column("format_quantity", Integer),
    Column("imported_at", String(32), nullable=False),
)
