"""The RADIUS session endpoints of DESIGN.md §7: the session list and an admin's Disconnect.

The list reads the daemon's `SessionsView` (the session table); without one (RADIUS is
not running) there are no sessions and the list is empty. A Disconnect is queued with
the daemon's `CoaControl`; without one nothing could send it, which is a 503 that says
so rather than a 202 for a request that would never leave.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from provisiond.schema.fields import render_timestamp
from provisiond.status import inputs, keys, writes
from provisiond.status.errors import NOT_FOUND, UNAVAILABLE, ApiError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from provisiond.status.context import CoaControl
    from provisiond.store.sessions import SessionRow

log = logging.getLogger(__name__)

SESSIONS_PATH: Final = "/api/v1/sessions"
DISCONNECT_PATH: Final = "/api/v1/sessions/{id}/disconnect"
STATES: Final = ("open", "closed")  # `?state=`; the first is the default
ACCEPTED: Final = 202
LAST_COA_KEYS: Final = ("at", "result", "error_cause")


def last_coa_json(outcome: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """`{at, result, error_cause}` of the session's last CoA or Disconnect (§5), or null:
    exactly the keys the contract names, whatever else the sender recorded."""
    if outcome is None:
        return None
    return {key: outcome.get(key) for key in LAST_COA_KEYS}


def session_json(row: SessionRow) -> dict[str, Any]:
    """One item of `GET /api/v1/sessions`; `external_override` is an addition to §7."""
    return {
        "id": row.id,
        "username": row.username,
        "account_id": row.account_id,
        "nas": row.nas,
        "acct_session_id": row.acct_session_id,
        "framed_ip": row.framed_ip,
        "framed_ipv6_prefix": row.framed_ipv6_prefix,
        "delegated_ipv6_prefix": row.delegated_ipv6_prefix,
        "started_at": render_timestamp(row.started_at),
        "updated_at": render_timestamp(row.updated_at),
        "input_octets": row.input_octets,
        "output_octets": row.output_octets,
        "state": row.state.value,
        "terminate_cause": row.terminate_cause,
        "last_coa": last_coa_json(row.last_coa),
        "external_override": row.external_override,
    }


async def list_sessions(request: web.Request) -> web.Response:
    """`?account_id=`, `?state=open|closed`, `?limit=`, `?after=`: checked before reading,
    so a bad one is a 422 whether or not RADIUS runs."""
    page = inputs.page(request)
    account_id = inputs.query_id(request, "account_id")
    state = inputs.choice(request, "state", STATES)
    view = request.app[keys.API].sessions
    if view is None:
        return web.json_response({"items": [], "next_after": None})
    rows, next_after = await view.page(
        account_id=account_id, state=state, after=page.after, limit=page.limit
    )
    return web.json_response(
        {"items": [session_json(row) for row in rows], "next_after": next_after}
    )


def coa_control(request: web.Request, action: str) -> CoaControl:
    """The CoA sender, or a 503 naming what cannot be done without it."""
    coa = request.app[keys.API].coa
    if coa is None:
        raise ApiError(UNAVAILABLE, f"no CoA sender is running: cannot {action}")
    return coa


async def disconnect(request: web.Request) -> web.Response:
    """202 once the Disconnect-Request is queued; it goes out like every other one, and
    its outcome shows as the session's `last_coa`."""
    session_id = inputs.path_id(request)
    coa = coa_control(request, "disconnect a session")
    if not await coa.disconnect_session(session_id):
        raise ApiError(NOT_FOUND, f"no open session {session_id}")
    log.info("Disconnect of session %d requested by %s", session_id, writes.actor(request))
    return web.json_response({"session_id": session_id, "disconnect": "queued"}, status=ACCEPTED)


def add_routes(app: web.Application) -> None:
    app.router.add_get(SESSIONS_PATH, list_sessions)
    app.router.add_post(DISCONNECT_PATH, disconnect)
