"""The one clock: RFC 3339 UTC timestamps with whole seconds, as events and rows carry them."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["utc_now"]


def utc_now() -> str:
    """Return the current time as an RFC 3339 UTC timestamp with whole seconds."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
