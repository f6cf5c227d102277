"""``serve``: run the partner API under uvicorn."""

# Annotations stay objects, not strings (no __future__ import): see the package docstring.

import os
from typing import Annotated

import typer

from .app import app
from .context import state
from .output import note

__all__: list[str] = []

_FACTORY = "provenance_api.app:app_from_env"


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Worker processes; each builds its own app from the environment. "
            "Use PostgreSQL for more than one.",
        ),
    ] = 1,
) -> None:
    """Serve the partner API (/v1, /docs, /healthz, /metrics) until interrupted."""
    # Fail here, in one line, rather than in every worker: the ledger must exist and be current.
    url = state.settings.database_url
    state.ledger()
    import uvicorn

    # Workers are separate processes that import the factory: hand them the same database.
    os.environ["PROVENANCE_DB_URL"] = url
    note(f"Serving the partner API on http://{host}:{port} ({workers} worker(s)); Ctrl-C stops")
    uvicorn.run(
        _FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # The API logs partner requests itself, without client addresses; uvicorn's access
        # log would write every client's IP address to the terminal.
        access_log=False,
        server_header=False,
        log_level="warning",
    )
