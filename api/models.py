"""Response models of the partner API: every response the app sends is declared with one of
these, so the OpenAPI document at ``/openapi.json`` describes it exactly (and schemathesis can
hold the app to it). None of them has a field for a person: owners appear only as a count and
a date, signers only as key ids."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AnchorOut",
    "AnchorsOut",
    "CheckOut",
    "CheckpointOut",
    "ConsistencyOut",
    "ErrorBody",
    "EventOut",
    "HealthOut",
    "HistoryOut",
    "ItemAnchorOut",
    "ItemOut",
    "KeyOut",
    "KeysOut",
    "LatestCheckpointOut",
    "LogIdentityOut",
    "ReportOut",
    "VerificationOut",
]

CheckStatus = Literal["passed", "failed", "not_checked"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(_Out):
    """Every 4xx and 5xx response: one line saying what went wrong, and its kind."""

    error: str = Field(description="What went wrong, in one line.")
    kind: str = Field(description="A stable word to branch on, e.g. not_found, rate_limited.")


class CheckOut(_Out):
    """One named check and how it went."""

    name: str
    status: CheckStatus
    detail: str


class ItemAnchorOut(_Out):
    """The anchor of the checkpoint that covers the item, as the store recorded it."""

    chain_id: int
    contract: str
    tx_hash: str
    block_number: int | None
    tree_size: int
    state: str
    ephemeral: bool


class VerificationOut(_Out):
    """The item's events re-checked on this request, and how far the public log covers them."""

    ok: bool = Field(description="No check failed (some may not have run yet: see checks).")
    checks: list[CheckOut]
    newest_event_anchored: bool = Field(
        description="The item's newest event is in a checkpoint anchored on a lasting chain."
    )
    events_anchored: int
    events_pending: int = Field(description="Events newer than the anchored checkpoint.")
    anchor: ItemAnchorOut | None


class VerdictOut(_Out):
    """The one verdict, in plain words (the buyer's page says the same)."""

    verdict: Literal["verified", "pending", "warning", "failed"]
    headline: str
    advice: str
    reasons: list[str] = Field(description="Why, when the verdict is failed, warning or pending.")


class ItemOut(_Out):
    """An item as its history says it is now, with its verification status."""

    verdict: Literal["verified", "pending", "warning", "failed"] = Field(
        description=(
            "verified: intact and every event sealed on a lasting chain; pending: intact, "
            "newest events not sealed on a lasting chain yet; warning: reported stolen, "
            "missing or destroyed; failed: do not trust this item's record."
        )
    )
    verdict_detail: VerdictOut
    item: str
    kind: str
    title: str
    creator: str | None = Field(description="Artist (vinyl) or director (film).")
    details: dict[str, Any] = Field(description="The rest of the registration, as signed.")
    discogs_url: str | None = Field(
        description="The release on Discogs (https://www.discogs.com/release/{id}), when the "
        "registration names one (details.discogs_release); null otherwise."
    )
    grade: dict[str, Any] | None = Field(description="The current grade, corrections applied.")
    grades: int = Field(description="Grades recorded.")
    status: str | None = Field(description="stolen, missing or destroyed; null if none.")
    flagged: bool
    transfers: int = Field(description="Recorded changes of owner (never who).")
    owner_since: str | None = Field(description="When the current owner was recorded.")
    events: int
    registered_at: str
    updated_at: str
    verification: VerificationOut


class EventOut(_Out):
    """One signed event of an item's chain."""

    seq: int
    log_index: int
    type: str
    at: str
    signer: str = Field(description="Key id of the signing staff key.")
    hash: str
    signature: str = Field(description="Ed25519 signature over the hash, hex.")
    description: str
    data: dict[str, Any] = Field(description="The signed payload (owners only as commitments).")


class HistoryOut(_Out):
    """Every event of an item, in chain order."""

    item: str
    events: list[EventOut]


class LogIdentityOut(_Out):
    """Who the log is: pin ``verifier_key`` to check checkpoints."""

    origin: str
    public_key: str
    verifier_key: str


class CheckpointOut(_Out):
    """A signed checkpoint (C2SP tlog-checkpoint in signed-note form)."""

    size: int
    root: str
    note: str
    created_at: str


class LatestCheckpointOut(_Out):
    """The newest signed checkpoint, the log's identity, and its current size."""

    log: LogIdentityOut
    log_size: int
    checkpoint: CheckpointOut | None


class ConsistencyOut(_Out):
    """A consistency proof between two tree sizes, with signed checkpoints where stored."""

    old_size: int
    new_size: int
    old_root: str
    new_root: str
    path: list[str]
    old_checkpoint: str | None
    new_checkpoint: str | None


class AnchorOut(_Out):
    """One anchor transaction and its state."""

    chain_id: int
    contract: str
    tree_size: int
    root: str
    tx_hash: str
    block_number: int | None
    state: str
    ephemeral: bool = Field(description="On an in-process chain that no longer exists.")
    vanished: bool = Field(description="The contract's code is gone (a reset dev chain).")
    created_at: str
    updated_at: str


class AnchorsOut(_Out):
    """Anchors, lasting chains first, newest first."""

    anchors: list[AnchorOut]


class KeyOut(_Out):
    """A staff signing key from the key history (names are local and not served)."""

    key: str
    public_key: str
    role: str
    added_at: int = Field(description="Log index of the key event that added it.")
    revoked_at: int | None = Field(description="Log index from which it no longer signs.")
    replaced_by: str | None
    active: bool


class KeysOut(_Out):
    """Every staff key ever added, and the log's own key."""

    log: LogIdentityOut | None
    keys: list[KeyOut]


class ReportOut(_Out):
    """The standalone verifier's report on a submitted bundle: the verdict first, then every
    check (docs/bundle.md specifies both)."""

    verdict: Literal["verified", "pending", "warning", "failed"] = Field(
        description="The one verdict on the item, as its page and GET /v1/items/{item} say it."
    )
    verdict_detail: VerdictOut
    outcome: Literal["verified", "unproven", "failed"] = Field(
        description=(
            "verified: every event is in a checkpoint signed by the pinned log key; unproven: "
            "nothing failed, but the bundle has no checkpoint or events newer than it (nothing "
            "shows they are in the store's log); failed: a check failed."
        )
    )
    summary: str = Field(description="The outcome in one line of plain words.")
    ok: bool = Field(description="No check failed. Not a verdict: an unproven bundle is ok.")
    complete: bool = Field(description="Every check ran and passed, the anchor included.")
    log_key_pinned: bool = Field(
        description="The checkpoint was checked against a pinned log key (this store's own, "
        "or the log_key parameter), not the key the bundle carries."
    )
    item: str | None
    unproven: list[int] = Field(
        description="Log indices of the bundle's events no verified checkpoint covers."
    )
    checks: list[CheckOut]


class HealthOut(_Out):
    """The database answered and holds a ledger at the schema this code needs."""

    ok: bool
    schema_version: str
