"""`GET /api/v1/accounts/{id}/effective`: what the account gets now, from memory."""

from __future__ import annotations

from typing import Final

from aiohttp import web

from provisiond.policy.errors import UnknownAccountError
from provisiond.status import inputs, keys
from provisiond.status.errors import NOT_FOUND, ApiError

EFFECTIVE_PATH: Final = "/api/v1/accounts/{id}/effective"


async def effective(request: web.Request) -> web.Response:
    account_id = inputs.path_id(request)
    engine = request.app[keys.API].engine()
    try:
        found = engine.effective(account_id)
    except UnknownAccountError as exc:
        raise ApiError(NOT_FOUND, f"account {account_id} does not exist") from exc
    return web.json_response(found.to_json())


def add_routes(app: web.Application) -> None:
    app.router.add_get(EFFECTIVE_PATH, effective)
