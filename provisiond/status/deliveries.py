"""`GET /api/v1/trigger-deliveries`: the webhook delivery log (DESIGN.md §6, §7), by id."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from provisiond.schema.fields import render_timestamp
from provisiond.status import inputs, keys
from provisiond.store import outbox

if TYPE_CHECKING:
    from provisiond.store.outbox import Delivery

DELIVERIES_PATH: Final = "/api/v1/trigger-deliveries"


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    upcoming = delivery.next_attempt_at
    return {
        "id": delivery.id,
        "trigger_id": delivery.trigger_id,
        "event": delivery.event.value,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "next_attempt_at": None if upcoming is None else render_timestamp(upcoming),
    }


async def list_deliveries(request: web.Request) -> web.Response:
    page = inputs.page(request)
    read = functools.partial(outbox.page, after=page.after, limit=page.limit)
    found = await request.app[keys.API].store.write(read)
    return web.json_response(
        {
            "items": [delivery_json(delivery) for delivery in found],
            "next_after": inputs.next_after([delivery.id for delivery in found], page),
        }
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get(DELIVERIES_PATH, list_deliveries)
