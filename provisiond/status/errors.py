"""The one error shape of DESIGN.md §7, and which failure gets which status.

Every error answer is `{"error": {"message": "…", "field": "…" or null}}`: `field` is
always present, null when the error is about no single field, so clients read one shape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from provisiond.model.errors import ConflictError, InvalidError, ModelError, NotFoundError

if TYPE_CHECKING:
    from collections.abc import Mapping

BAD_REQUEST: Final = 400
UNAUTHORIZED: Final = 401
FORBIDDEN: Final = 403
NOT_FOUND: Final = 404
METHOD_NOT_ALLOWED: Final = 405
CONFLICT: Final = 409
TOO_LARGE: Final = 413
UNPROCESSABLE: Final = 422
INTERNAL: Final = 500
UNAVAILABLE: Final = 503  # a part of the daemon the path needs is not running

_MODEL_STATUS: Final[Mapping[type[ModelError], int]] = {
    InvalidError: UNPROCESSABLE,
    ConflictError: CONFLICT,
    NotFoundError: NOT_FOUND,
}


class StatusError(Exception):
    """Root of the status endpoint's errors."""


class ListenError(StatusError):
    """The endpoint cannot listen: address in use, or the TLS files do not load."""


class ApiError(StatusError):
    """An answer other than success, raised anywhere below a handler."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.headers = dict(headers or {})

    @classmethod
    def from_model(cls, exc: ModelError) -> ApiError:
        status = next(
            (code for kind, code in _MODEL_STATUS.items() if isinstance(exc, kind)),
            UNPROCESSABLE,
        )
        return cls(status, exc.message, field=exc.field)


def body(message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "field": field}}


def response(exc: ApiError) -> web.Response:
    return web.json_response(
        body(exc.message, exc.field), status=exc.status, headers=exc.headers or None
    )
