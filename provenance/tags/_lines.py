"""The technical check lines of the buyer's page, and the verdict's plain words for a failed
history check: what each check found, in a sentence, for the folded-away part of the page."""

from __future__ import annotations

from dataclasses import dataclass

from ..chain.anchored import AnchoredCheckpoint
from ..chain.names import chain_name
from ..errors import (
    AuthorizationError,
    ChainBreakError,
    EventFormatError,
    HashMismatchError,
    SignatureError,
    UnknownKeyError,
    VerificationError,
)
from ..ledger.chain_audit import Row
from .codes import Verdict
from .plain import plain_date

__all__ = ["CheckLine", "history_lines", "plain_failure", "seal_facts", "seal_line", "tag_line"]


@dataclass(frozen=True)
class CheckLine:
    """One technical check: ``ok`` True (passed), False (failed) or None (not done yet)."""

    name: str
    ok: bool | None
    detail: str


#: The history checks by kind of failure: (name, what passing means, exceptions).
_HISTORY_CHECKS: tuple[tuple[str, str, tuple[type[VerificationError], ...]], ...] = (
    ("Entries unaltered", "every entry still hashes to its signed hash",
     (HashMismatchError, EventFormatError)),
    ("Staff signatures", "every entry carries a valid staff signature", (SignatureError,)),
    ("Signers' keys", "each signer's key was valid, with the right role, when it signed",
     (AuthorizationError, UnknownKeyError)),
)  # fmt: skip


def history_lines(count: int, failures: list[tuple[Row, VerificationError]]) -> list[CheckLine]:
    """One line per kind of history check, with the first failure of each kind."""
    lines = []
    rest = list(failures)
    for name, passing, kinds in _HISTORY_CHECKS:
        mine = [f for f in rest if isinstance(f[1], kinds)]
        rest = [f for f in rest if f not in mine]
        detail = (
            f"entry #{mine[0][0].seq}: {mine[0][1]}" if mine else f"{passing} ({count} entries)"
        )
        lines.append(CheckLine(name, not mine, detail))
    linked = "each entry names the one before it, back to the registration"
    detail = f"entry #{rest[0][0].seq}: {rest[0][1]}" if rest else linked
    lines.append(CheckLine("Entries linked in order", not rest, detail))
    return lines


_ENTRY_NOUNS = {
    "register": "registration",
    "grade": "grading",
    "transfer": "change of owner",
    "status": "status report",
    "note": "note",
    "tag": "tag entry",
    "correct": "correction",
}


def plain_failure(row: Row, exc: Exception) -> str:
    """What a failed history check means, in words a buyer reads in the verdict."""
    noun = _ENTRY_NOUNS.get(row.type, "entry")
    what = f"the {noun} of {plain_date(row.at)}" if row.at else f"entry #{row.seq}"
    if isinstance(exc, SignatureError):
        return f"{what} does not carry a valid staff signature"
    if isinstance(exc, (HashMismatchError, EventFormatError)):
        return f"{what} was changed after it was signed"
    if isinstance(exc, ChainBreakError):
        return f"entries are missing or out of order at {what}"
    if isinstance(exc, (AuthorizationError, UnknownKeyError)):
        return f"{what} was signed by a key that was not allowed to sign it"
    return f"{what} does not check out"


def tag_line(tag: Verdict) -> CheckLine:
    """The scanned code's check."""
    words: dict[str, tuple[bool | None, str]] = {
        "genuine": (True, "the scanned code is the one bound to this item"),
        "revoked": (False, "the scanned code belongs to a tag this item no longer uses"),
        "wrong": (False, "the scanned code is not this item's tag"),
        "untagged": (False, "a code was scanned, but this item has no tag on record"),
        "none": (None, "no tag code in this link, so no tag was checked"),
    }
    ok, detail = words[tag]
    return CheckLine("Tag", ok, detail)


def seal_line(anchored: AnchoredCheckpoint) -> CheckLine:
    """Whether the seal lasts: final only on a lasting chain, never on a test or dev one."""
    chain = chain_name(anchored.chain_id)
    if chain.lasting and not anchored.ephemeral:
        final = anchored.state == "final"
        return CheckLine(
            f"Sealed on {chain.name}",
            True if final else None,
            "final" if final else "sealed; waiting for confirmations",
        )
    # Never "final" on a test or development chain: such a seal ends with the network.
    return CheckLine("Sealed on a lasting chain", None, f"no: {chain.seal}")


def seal_facts(anchored: AnchoredCheckpoint) -> list[tuple[str, str]]:
    """The anchor's record: chain by name, checkpoint, contract, transaction, block."""
    chain = chain_name(anchored.chain_id)
    kinds = {
        "mainnet": "a public main network",
        "testnet": "a public test network",
        "dev": "a development chain",
    }
    return [
        ("Chain", f"{chain.name} (chain id {chain.chain_id}), {kinds.get(chain.kind, 'unknown')}"),
        ("Checkpoint", f"{anchored.size:,} log entries"),
        ("Contract", anchored.address),
        ("Transaction", anchored.tx_hash),
        ("Block", "unknown" if anchored.block_number is None else f"{anchored.block_number:,}"),
    ]
