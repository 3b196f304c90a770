"""Vacations (DESIGN.md §6, §7): `GET`, `POST` and `DELETE /api/v1/accounts/{id}/vacation`.

Booking and stopping run in one store transaction each (`store.vacations`): a booking
for an account without exactly one data service is a 422, one that overlaps a scheduled
or active vacation a 409. `DELETE` ends the active vacation now (restoring only if the
account is still on it) or cancels the next scheduled one (`?id=` picks one) and answers
200 with the vacation as it is then. The scheduler starts and ends the rest.
"""

from __future__ import annotations

import functools
from typing import Final

from aiohttp import web

from provisiond.model.objects import Vacation
from provisiond.schema import codec
from provisiond.status import inputs, keys, writes
from provisiond.status.errors import UNPROCESSABLE, ApiError
from provisiond.status.schedule import page_of_account, with_account
from provisiond.store import vacations

VACATION_PATH: Final = "/api/v1/accounts/{id}/vacation"
CREATED: Final = 201


async def list_vacations(request: web.Request) -> web.Response:
    return await page_of_account(request, Vacation, inputs.path_id(request))


async def book(request: web.Request) -> web.Response:
    account_id = inputs.path_id(request)
    payload = with_account(await inputs.json_object(request), account_id)
    vacation = codec.parse_create("vacations", payload)
    if not isinstance(vacation, Vacation):
        raise TypeError("the vacations payload builds a Vacation")
    store = request.app[keys.API].store
    job = functools.partial(vacations.book, vacation=vacation)
    booked = await writes.commit(request, lambda: store.transact(job, actor=writes.actor(request)))
    return web.json_response(codec.dump(booked), status=CREATED)


def _chosen(request: web.Request) -> int | None:
    text = request.query.get("id")
    if text is None:
        return None
    if not text.isascii() or not text.isdigit() or int(text) > inputs.MAX_ID:
        raise ApiError(UNPROCESSABLE, "must be a vacation id", field="id")
    return int(text)


async def stop(request: web.Request) -> web.Response:
    account_id = inputs.path_id(request)
    chosen = _chosen(request)
    store = request.app[keys.API].store
    job = functools.partial(vacations.stop, account_id=account_id, vacation_id=chosen)
    stopped = await writes.commit(request, lambda: store.transact(job, actor=writes.actor(request)))
    return web.json_response(codec.dump(stopped))


def add_routes(app: web.Application) -> None:
    app.router.add_get(VACATION_PATH, list_vacations)
    app.router.add_post(VACATION_PATH, book)
    app.router.add_delete(VACATION_PATH, stop)
