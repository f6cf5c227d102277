"""Entry point of the ``provenance`` console script: runs the app and turns every error into
one line on stderr (and a JSON object with ``--json``) and a documented exit code."""

from __future__ import annotations

import gc
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
    listings_cmd,
    log_cmd,
    nfc_cmd,
    owners_cmd,
    partners_cmd,
    serve_cmd,
    show,
    tags_cmd,
)
from .app import app
from .context import state

__all__ = ["EXIT_CODES", "GC_YOUNG_THRESHOLD", "app", "hoist_global_options", "run"]

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
    """Run the CLI; never lets a traceback reach the user (set PROVENANCE_DEBUG=1 to see one).

    This is the console script's entry point: it ends the process (``SystemExit`` with the
    exit code), after tuning the cyclic garbage collector for a short process (see
    :data:`GC_YOUNG_THRESHOLD` and :func:`_release`).
    """
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    code = _invoke(debug=bool(os.environ.get("PROVENANCE_DEBUG")))
    # Released only now, with every exception of the command and its frames gone.
    _release()
    sys.exit(code)


def _invoke(*, debug: bool) -> int | str | None:
    """Run the app and return its exit code; our errors become one line each."""
    try:
        # Standalone mode: Typer reports usage errors itself (exit 2) and always ends with
        # SystemExit; our own errors propagate to here.
        app(args=hoist_global_options(sys.argv[1:]), prog_name="provenance")
    except SystemExit as exc:
        return exc.code
    except ProvenanceError as exc:
        if debug:
            raise
        code, kind = next((c, k) for cls, c, k in EXIT_CODES if isinstance(exc, cls))
        return _fail(str(exc), code, kind)
    except KeyboardInterrupt:
        return _fail("interrupted", 130, "interrupted")
    except Exception as exc:
        if debug:
            raise
        return _fail(
            f"internal error ({type(exc).__name__}: {exc}); "
            "rerun with PROVENANCE_DEBUG=1 for details",
            70,
            "internal",
        )
    return 0


def _release() -> None:
    """Close the ledger, then spare the exiting interpreter its last garbage collections.

    As the interpreter exits it runs several full collections, each walking every object that
    SQLAlchemy, pydantic and rich made at import, to find almost nothing (~60 ms, a seventh of
    ``provenance show``). One collection here finalises whatever the command left as garbage
    (an engine a command did not dispose of closes its SQLite connections, so no ``-wal``
    file is left behind); ``gc.freeze()`` then takes the survivors, which live until exit
    anyway, out of the collector's sight. Exit handlers still run and output is flushed.
    """
    state.close()
    gc.collect()
    gc.freeze()


#: Allocations between two collections of the youngest generation (Python's default is 700). A
#: command's first act is to import SQLAlchemy, pydantic and rich: a few hundred thousand
#: objects that live until exit, and at 700 the collector rescans that growing heap several
#: times while they load (~15 ms of ``provenance show``). Young cycles are still collected.
GC_YOUNG_THRESHOLD = 10_000

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


def _fail(message: str, code: int, kind: str) -> int:
    """Report an error in one line (and a JSON object with ``--json``); return ``code``."""
    line = " ".join(message.split())
    if state.json:
        sys.stdout.write(json.dumps({"ok": False, "error": line, "kind": kind}) + "\n")
    sys.stderr.write(f"provenance: error: {line}\n")
    return code


if __name__ == "__main__":
    run()
