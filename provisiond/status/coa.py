"""The Disconnect breaker's endpoints (DESIGN.md §5 "Disconnect breaker", §7).

`GET /api/v1/coa/held` lists the Disconnects the breaker holds; `POST /api/v1/coa/approve`
releases all of them. Without a CoA sender nothing is held, so the list is empty, and an
approval is a 503: there is nothing that could send what it would release.
"""

from __future__ import annotations

import logging
from typing import Final

from aiohttp import web

from provisiond.status import keys, writes
from provisiond.status.sessions import coa_control

log = logging.getLogger(__name__)

HELD_PATH: Final = "/api/v1/coa/held"
APPROVE_PATH: Final = "/api/v1/coa/approve"


async def held(request: web.Request) -> web.Response:
    """Every held Disconnect at once: not paged, since approving releases them all and
    the admin should have seen all of them."""
    coa = request.app[keys.API].coa
    items = [] if coa is None else [dict(row) for row in coa.held()]
    return web.json_response({"items": items, "next_after": None})


async def approve(request: web.Request) -> web.Response:
    released = await coa_control(request, "release held Disconnects").approve()
    # The admin log of approvals, as for a device's held plan (status/devices.py).
    log.info("%d held Disconnects released by %s", released, writes.actor(request))
    return web.json_response({"released": released})


def add_routes(app: web.Application) -> None:
    app.router.add_get(HELD_PATH, held)
    app.router.add_post(APPROVE_PATH, approve)
