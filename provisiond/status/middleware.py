"""The three layers every request passes, outermost first: metrics, errors, auth.

Metrics sit outside the error layer so they count the status actually sent, 401s and
500s included. Auth runs inside it, so its refusals get the same JSON shape as the rest.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

from aiohttp import web

from provisiond.model.errors import ModelError
from provisiond.status import errors, keys
from provisiond.status.auth import bearer_token
from provisiond.status.errors import FORBIDDEN, INTERNAL, UNAUTHORIZED, ApiError

if TYPE_CHECKING:
    from aiohttp.typedefs import Handler

log = logging.getLogger(__name__)

API_PREFIX: Final = "/api/v1"
READ_METHODS: Final = frozenset({"GET", "HEAD"})
# Any other method string a client sends is counted as "other": label values stay bounded.
_KNOWN_METHODS: Final = READ_METHODS | {"POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
UNMATCHED: Final = "unmatched"


def route_template(request: web.Request) -> str:
    """`/api/v1/accounts/{id}` for `/api/v1/accounts/17`: a label that carries no id."""
    resource = request.match_info.route.resource
    return UNMATCHED if resource is None else resource.canonical


@web.middleware
async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    metrics = request.app[keys.METRICS]
    clock = request.app[keys.API].clock
    started = clock.monotonic()
    status = INTERNAL  # what the client gets if the response never comes back
    try:
        response = await handler(request)
        status = response.status
        return response
    finally:
        method = request.method if request.method in _KNOWN_METHODS else "other"
        route = route_template(request)
        metrics.http_requests.labels(method=method, route=route, status=str(status)).inc()
        metrics.http_request_duration.labels(method=method, route=route).observe(
            clock.monotonic() - started
        )


def _http_error(exc: web.HTTPException) -> web.Response:
    """aiohttp's own 404/405 (no route, wrong method) in our JSON shape."""
    headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
    return web.json_response(errors.body(exc.reason.lower()), status=exc.status, headers=headers)


@web.middleware
async def handle_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return errors.response(exc)
    except ModelError as exc:
        return errors.response(ApiError.from_model(exc))
    except web.HTTPException as exc:
        return _http_error(exc)
    except Exception:
        # Logged here once, with the traceback; the client learns nothing of the internals.
        log.exception("unexpected error answering %s %s", request.method, route_template(request))
        return errors.response(ApiError(INTERNAL, "internal error"))


def _is_api(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Everything under `/api/v1` needs a bearer token, unknown paths included (§7)."""
    if not _is_api(request.path):
        return await handler(request)
    token = bearer_token(request.headers.get("Authorization"))
    principal = None if token is None else request.app[keys.AUTH].identify(token)
    if principal is None:
        raise ApiError(
            UNAUTHORIZED,
            "a valid bearer token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if request.method not in READ_METHODS and not principal.may_write:
        raise ApiError(FORBIDDEN, "this token may only read")
    request[keys.PRINCIPAL] = principal
    return await handler(request)
