"""`POST /api/v1/import`: the all-or-nothing upsert of `provisiond import` (DESIGN.md §3).

Errors name a path into the document (`accounts.3.status_id`), from the schema and from
the store alike; nothing is written unless everything is accepted.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

from provisiond.schema import codec
from provisiond.status import inputs, keys, writes
from provisiond.store import trigger_log

IMPORT_PATH: Final = "/api/v1/import"


async def import_dataset(request: web.Request) -> web.Response:
    # Without `?triggers=true` the import's account changes fire no trigger (§3).
    fire = inputs.flag(request, "triggers")
    payload = await inputs.json_object(request, limit=inputs.IMPORT_LIMIT)
    dataset = codec.parse_dataset(payload, importing=True)
    writes.check_dataset(dataset, hooks=writes.webhook_settings(request))
    store = request.app[keys.API].store
    actor = writes.actor(request)
    counts = await writes.commit(
        request,
        lambda: trigger_log.import_dataset(store, dataset, actor=actor, triggers=fire),
    )
    return web.json_response(counts)


def add_routes(app: web.Application) -> None:
    app.router.add_post(IMPORT_PATH, import_dataset)
