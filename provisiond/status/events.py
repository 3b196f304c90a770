"""`GET /api/v1/events`: the audit log, oldest first, keyset-paginated like every list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from provisiond.schema.fields import render_timestamp
from provisiond.status import inputs, keys

if TYPE_CHECKING:
    from provisiond.store import AuditEntry

EVENTS_PATH: Final = "/api/v1/events"


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    """One entry; `before`/`after` are the object's API JSON, secrets as `"<changed>"`."""
    return {
        "id": entry.id,
        "at": render_timestamp(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "kind": entry.kind,
        "object_id": entry.object_id,
        "before": entry.before,
        "after": entry.after,
    }


async def events(request: web.Request) -> web.Response:
    page = inputs.page(request)
    found = await request.app[keys.API].store.events(after=page.after, limit=page.limit)
    return web.json_response(
        {
            "items": [entry_json(entry) for entry in found],
            "next_after": inputs.next_after([entry.id for entry in found], page),
        }
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get(EVENTS_PATH, events)
