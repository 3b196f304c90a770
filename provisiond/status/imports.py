"""`POST /api/v1/import`: the all-or-nothing upsert of `provisiond import` (DESIGN.md §3).

Errors name a path into the document (`accounts.3.status_id`), from the schema and from
the store alike; nothing is written unless everything is accepted.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

from provisiond.schema import codec
from provisiond.status import inputs, keys, writes

IMPORT_PATH: Final = "/api/v1/import"


async def import_dataset(request: web.Request) -> web.Response:
    # Parsed for validation only: trigger delivery, which would fire on it, comes later.
    inputs.flag(request, "triggers")
    payload = await inputs.json_object(request, limit=inputs.IMPORT_LIMIT)
    dataset = codec.parse_dataset(payload, importing=True)
    writes.check_dataset(dataset)
    store = request.app[keys.API].store
    counts = await writes.commit(
        request, lambda: store.import_dataset(dataset, actor=writes.actor(request))
    )
    return web.json_response(counts)


def add_routes(app: web.Application) -> None:
    app.router.add_post(IMPORT_PATH, import_dataset)
