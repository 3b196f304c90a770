"""Scheduled events (DESIGN.md §6, §7): an account's list and create, and by id read and
delete. The scheduler (`provisiond.events`) notices a new event through the change feed.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from provisiond.model.errors import InvalidError
from provisiond.model.objects import Account, ScheduledEvent, Vacation
from provisiond.schema import codec
from provisiond.status import inputs, keys, writes
from provisiond.store import schedule
from provisiond.store.steps import StepKind

if TYPE_CHECKING:
    from provisiond.store import Store

UPCOMING_EVENTS_PATH: Final = "/api/v1/scheduled-events"
UPCOMING_VACATIONS_PATH: Final = "/api/v1/vacations"
ACCOUNT_EVENTS_PATH: Final = "/api/v1/accounts/{id}/scheduled-events"
EVENT_PATH: Final = "/api/v1/scheduled-events/{id}"
CREATED: Final = 201
NO_CONTENT: Final = 204


def with_account(payload: dict[str, Any], account_id: int) -> dict[str, Any]:
    """The body names no account: the path does. One that names another is a 422."""
    named = payload.get("account_id", account_id)
    if named != account_id:
        raise InvalidError(f"the path names account {account_id}", field="account_id")
    return {**payload, "account_id": account_id}


async def page_of_account(
    request: web.Request, kind: type[ScheduledEvent | Vacation], account_id: int
) -> web.Response:
    """One page of an account's scheduled events or vacations (404 for no account)."""
    store: Store = request.app[keys.API].store
    page = inputs.page(request)
    await store.get(Account, account_id)
    found = await store.list(kind, after=page.after, limit=page.limit, account_id=account_id)
    items = [codec.dump(obj) for obj in found]
    return web.json_response(
        {"items": items, "next_after": inputs.next_after([o.id for o in found], page)}
    )


async def list_events(request: web.Request) -> web.Response:
    return await page_of_account(request, ScheduledEvent, inputs.path_id(request))


async def upcoming(request: web.Request, kind: type[ScheduledEvent | Vacation]) -> web.Response:
    """What runs next across all accounts, in run order (the dashboard's panel); an
    addition to DESIGN.md §7, which lists these per account only."""
    store: Store = request.app[keys.API].store
    limit = inputs.page(request).limit
    steps = await store.upcoming(limit=limit * 2)  # starts and ends of one vacation: two steps
    ids = list(dict.fromkeys(step.id for step in steps if _step_is(step.kind, kind)))[:limit]
    items = [codec.dump(await store.get(kind, object_id)) for object_id in ids]
    return web.json_response({"items": items, "next_after": None})


def _step_is(step_kind: StepKind, kind: type[ScheduledEvent | Vacation]) -> bool:
    return (step_kind is StepKind.EVENT) == (kind is ScheduledEvent)


async def upcoming_events(request: web.Request) -> web.Response:
    return await upcoming(request, ScheduledEvent)


async def upcoming_vacations(request: web.Request) -> web.Response:
    return await upcoming(request, Vacation)


async def create_event(request: web.Request) -> web.Response:
    account_id = inputs.path_id(request)
    payload = with_account(await inputs.json_object(request), account_id)
    store = request.app[keys.API].store
    await store.get(Account, account_id)
    event = codec.parse_create("scheduled_events", payload)
    created = await writes.commit(request, lambda: store.create(event, actor=writes.actor(request)))
    headers = {"Location": EVENT_PATH.format(id=created.id)}
    return web.json_response(codec.dump(created), status=CREATED, headers=headers)


async def get_event(request: web.Request) -> web.Response:
    found = await request.app[keys.API].store.get(ScheduledEvent, inputs.path_id(request))
    return web.json_response(codec.dump(found))


async def delete_event(request: web.Request) -> web.Response:
    """204; 409 for an event that has run (it is the record of what happened)."""
    job = functools.partial(schedule.delete_event, event_id=inputs.path_id(request))
    store = request.app[keys.API].store
    await writes.commit(request, lambda: store.transact(job, actor=writes.actor(request)))
    return web.Response(status=NO_CONTENT)


def add_routes(app: web.Application) -> None:
    app.router.add_get(UPCOMING_EVENTS_PATH, upcoming_events)
    app.router.add_get(UPCOMING_VACATIONS_PATH, upcoming_vacations)
    app.router.add_get(ACCOUNT_EVENTS_PATH, list_events)
    app.router.add_post(ACCOUNT_EVENTS_PATH, create_event)
    app.router.add_get(EVENT_PATH, get_event)
    app.router.add_delete(EVENT_PATH, delete_event)
