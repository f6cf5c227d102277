"""Settings of the API process (``PROVENANCE_API_*``); the database comes from
:class:`provenance.settings.Settings` (``PROVENANCE_DB_URL`` / ``PROVENANCE_HOME``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ApiSettings"]


class ApiSettings(BaseSettings):
    """How the API verifies and what it accepts.

    ``verify_rpc_url`` (with ``verify_chain_id``) lets ``POST /v1/verify`` read the anchor on
    chain; without it that check is reported as not checked. ``status_cache`` bounds the
    per-process memo of item verification results and bundles (entries; 0 turns it off).
    ``log_flush_seconds`` is how long a partner request may wait in memory before it is
    written to the request log (see :mod:`api.bookkeeping`). ``page_rate_limit`` is how many
    public page requests (``/v/...``) one client address may make per minute, per worker
    process (0: no limit; see :mod:`api.page_guard`).
    """

    model_config = SettingsConfigDict(env_prefix="PROVENANCE_API_", extra="ignore")

    verify_rpc_url: str | None = None
    verify_chain_id: int | None = None
    #: None: :data:`provenance.proof.bundle.MAX_BUNDLE_BYTES`; a larger value is capped to it.
    max_bundle_bytes: int | None = Field(default=None, ge=1)
    status_cache: int = Field(default=4096, ge=0)
    #: Threads doing database and verification work at once, per worker process.
    threads: int = Field(default=2, ge=1, le=64)
    docs: bool = True
    #: How often each worker appends its buffered partner request log (seconds).
    log_flush_seconds: float = Field(default=0.2, gt=0, le=60)
    #: Public page requests per client address per minute (a page and its photos are ~5).
    page_rate_limit: int = Field(default=120, ge=0)
