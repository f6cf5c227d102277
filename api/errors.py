"""Errors as JSON: every 4xx and 5xx the app sends is ``{"error": "...", "kind": "..."}``.

One table maps the package's exceptions to HTTP statuses (most specific first), as the CLI
maps them to exit codes. Unknown routes, wrong methods and malformed parameters get the same
body shape; an unexpected exception becomes a 500 with no detail (it is logged server-side),
never a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from provenance.errors import (
    ChainUnavailableError,
    ConfigurationError,
    ConflictError,
    InputError,
    NoSuchError,
    NotFoundError,
    ProvenanceError,
    VerificationError,
)

from .models import ErrorBody

__all__ = [
    "CLIENT_CLOSED",
    "ERROR_RESPONSES",
    "ApiError",
    "error_response",
    "install_error_handlers",
    "status_of",
    "validation_message",
]

logger = logging.getLogger(__name__)

#: Package exceptions → (HTTP status, kind), most specific first.
_STATUSES: list[tuple[type[ProvenanceError], int, str]] = [
    (NotFoundError, 404, "not_found"),
    (NoSuchError, 404, "not_found"),
    (InputError, 400, "invalid_input"),
    (VerificationError, 422, "verification_failed"),
    (ConflictError, 409, "conflict"),
    (ChainUnavailableError, 503, "chain_unavailable"),
    (ConfigurationError, 503, "configuration"),
    (ProvenanceError, 500, "error"),
]

#: Kinds of the HTTP-level errors Starlette raises itself.
_HTTP_KINDS = {
    400: "invalid_input",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
    499: "client_disconnected",
}

#: The status recorded (metrics, request log) when the client hangs up before its request is
#: read: nginx's 499 "client closed request". Nobody receives the response.
CLIENT_CLOSED = 499

_DESCRIPTIONS = {
    400: "Malformed input (e.g. an item id with a wrong check symbol).",
    401: "No API key, or one that is unknown or revoked.",
    403: "The API key lacks the scope this route needs.",
    404: "No such item or route.",
    413: "The request body is larger than the limit.",
    415: "The request body is not application/json.",
    422: "A parameter is malformed, or stored data failed verification.",
    429: "Over the key's rate limit; retry after Retry-After seconds.",
    503: "The database is unreachable or not set up.",
}

#: ``responses=`` for routes: every error status they may send, with the error body.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text} for status, text in _DESCRIPTIONS.items()
}


class ApiError(Exception):
    """An error the API reports as such (authentication, limits, request bodies)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        kind: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind or _HTTP_KINDS.get(status, "error")
        self.headers = dict(headers or {})


def status_of(exc: BaseException) -> int:
    """The HTTP status the handlers below give ``exc``."""
    if isinstance(exc, ApiError):
        return exc.status
    if isinstance(exc, ProvenanceError):
        return next(s for cls, s, _k in _STATUSES if isinstance(exc, cls))
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code
    if isinstance(exc, RequestValidationError):
        return 422
    return 500


def error_response(
    status: int, message: str, kind: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The one error body shape."""
    line = " ".join(message.split())[:500]
    return JSONResponse({"error": line, "kind": kind}, status_code=status, headers=headers)


def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    if exc.status == CLIENT_CLOSED:
        logger.info("client disconnected during %s %s", request.method, request.url.path)
    return error_response(exc.status, exc.message, exc.kind, exc.headers)


def _provenance_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProvenanceError)
    status, kind = next((s, k) for cls, s, k in _STATUSES if isinstance(exc, cls))
    if status >= 500:
        logger.warning("request failed: %s: %s", type(exc).__name__, exc)
    return error_response(status, str(exc), kind)


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else "request refused"
    if exc.status_code == 404 and message == "Not Found":
        message = "no such route"
    kind = _HTTP_KINDS.get(exc.status_code, "error")
    return error_response(exc.status_code, message, kind, exc.headers)


def validation_message(exc: RequestValidationError) -> str:
    """One line naming the first bad parameter and what is wrong with it (never the input
    itself, which may be long or hostile)."""
    errors = exc.errors()
    first = errors[0] if errors else {}
    where = " ".join(str(p) for p in first.get("loc", ()))
    return f"{where}: {first.get('msg', 'invalid')}"


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, validation_message(exc), "invalid_input")


def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    logger.error("unexpected error", exc_info=exc)
    return error_response(500, "internal error", "internal")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error the JSON body."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(ProvenanceError, _provenance_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
