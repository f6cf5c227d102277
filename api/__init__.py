"""The partner API (FastAPI), installed as ``provenance_api``.

Quick start::

    from provenance_api import create_app
    app = create_app("sqlite:///shop/ledger.db")   # or an Engine you own

or from the command line, ``provenance serve --port 8000 [--workers N]``. Routes live under
``/v1`` (``/docs`` has the OpenAPI description); keys come from ``provenance partners add``.
"""

from __future__ import annotations

from .app import app_from_env, create_app

__all__ = ["app_from_env", "create_app"]
