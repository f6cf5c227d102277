"""``/docs``: Swagger UI served from this app, never from a CDN.

The assets come from the ``swagger-ui-bundle`` package (Swagger UI 4.15.5, Apache-2.0),
which the project depends on, so the docs work on a machine without internet and trust no
third party. The page starts Swagger UI from a script file of our own (no inline script),
under a Content-Security-Policy that allows only this origin.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

__all__ = ["DOCS_CSP", "install_docs"]

#: Swagger UI sets inline styles on its elements; scripts and everything else come from here.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — API docs</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"""

_INIT = """window.onload = function () {
  window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true});
};
"""


def install_docs(app: FastAPI) -> None:
    """Serve ``/docs`` (and its assets under ``/docs/assets``) from the installed package."""
    from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

    headers = {
        "Content-Security-Policy": DOCS_CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    page = _PAGE.format(title=app.title)
    app.mount("/docs/assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(page, headers=headers)

    @app.get("/docs/init.js", include_in_schema=False)
    def docs_init() -> Response:
        return Response(_INIT, media_type="text/javascript", headers=headers)
