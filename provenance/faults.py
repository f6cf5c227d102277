"""Fail points: named places where a test can make the process die on the spot.

``PROVENANCE_FAILPOINT=anchor.after-record`` makes :func:`failpoint` end the process with exit
status 86 when execution reaches ``failpoint("anchor.after-record")``, with no clean-up, as a
power cut or ``kill -9`` would. Unset (always, outside tests), a fail point does nothing.
"""

from __future__ import annotations

import os

__all__ = ["FAILPOINT_ENV", "FAILPOINT_EXIT", "failpoint"]

FAILPOINT_ENV = "PROVENANCE_FAILPOINT"
FAILPOINT_EXIT = 86


def failpoint(name: str) -> None:
    """Die here, at once, if the environment names this fail point."""
    if os.environ.get(FAILPOINT_ENV) == name:
        os._exit(FAILPOINT_EXIT)
