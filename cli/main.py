"""Entry point of the ``provenance`` console script: runs the app and turns every error into
one line on stderr (and a JSON object with ``--json``) and a documented exit code."""

from __future__ import annotations

import json
import logging
import os
import sys

from provenance.errors import (
    AuthorizationError,
    ChainUnavailableError,
    ConfigurationError,
    ConflictError,
    InputError,
    NotFoundError,
    ProvenanceError,
    VerificationError,
)

from . import (  # noqa: F401  (commands register on import)
    admin,
    bundle_cmd,
    chain_cmd,
    items,
    keys_cmd,
    log_cmd,
    owners_cmd,
    partners_cmd,
    serve_cmd,
    show,
    tags_cmd,
)
from .app import app
from .context import state

__all__ = ["EXIT_CODES", "app", "hoist_global_options", "run"]

#: Exit codes, most specific first; documented in the README.
EXIT_CODES: list[tuple[type[BaseException], int, str]] = [
    (NotFoundError, 3, "not_found"),
    (InputError, 2, "invalid_input"),
    (AuthorizationError, 6, "not_authorised"),
    (VerificationError, 1, "verification_failed"),
    (ConflictError, 5, "conflict"),
    (ChainUnavailableError, 7, "chain_unavailable"),
    (ConfigurationError, 4, "configuration"),
    (ProvenanceError, 1, "error"),
]


def run() -> None:
    """Run the CLI; never lets a traceback reach the user (set PROVENANCE_DEBUG=1 to see one)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    debug = bool(os.environ.get("PROVENANCE_DEBUG"))
    try:
        # Standalone mode: Typer reports usage errors itself (exit 2) and exits normally;
        # our own errors propagate to here and become one line each.
        app(args=hoist_global_options(sys.argv[1:]), prog_name="provenance")
    except ProvenanceError as exc:
        if debug:
            raise
        code, kind = next((c, k) for cls, c, k in EXIT_CODES if isinstance(exc, cls))
        _fail(str(exc), code, kind)
    except KeyboardInterrupt:
        _fail("interrupted", 130, "interrupted")
    except Exception as exc:
        if debug:
            raise
        _fail(
            f"internal error ({type(exc).__name__}: {exc}); "
            "rerun with PROVENANCE_DEBUG=1 for details",
            70,
            "internal",
        )


_FLAGS = frozenset({"--json"})
_VALUED = frozenset({"--db", "--key", "--home"})


def hoist_global_options(argv: list[str]) -> list[str]:
    """Move global options written after the subcommand (``provenance audit --json``) to the
    front, where Typer expects them. Arguments after ``--`` are left alone."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        name = arg.split("=", 1)[0]
        if arg in _FLAGS or (name in _VALUED and "=" in arg):
            front.append(arg)
        elif arg in _VALUED and i + 1 < len(argv):
            front.extend(argv[i : i + 2])
            i += 1
        else:
            rest.append(arg)
        i += 1
    return front + rest


def _fail(message: str, code: int, kind: str) -> None:
    line = " ".join(message.split())
    if state.json:
        sys.stdout.write(json.dumps({"ok": False, "error": line, "kind": kind}) + "\n")
    sys.stderr.write(f"provenance: error: {line}\n")
    sys.exit(code)


if __name__ == "__main__":
    run()
