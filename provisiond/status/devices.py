"""The device endpoints of DESIGN.md §7: sync state, the plan, a forced sync, an approval.

They answer from the daemon's `DevicesView` (the reconciler), so status never imports
the reconcile package. Its errors arrive as `model.errors`: an unknown device is a 404,
an approval of a plan that is not held or has moved on a 409. Without a view (no device
is managed) the list is empty and every device is unknown.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from provisiond import plan as planning
from provisiond.status import inputs, keys, writes
from provisiond.status.errors import NOT_FOUND, UNPROCESSABLE, ApiError

if TYPE_CHECKING:
    from provisiond.status.context import DevicesView

log = logging.getLogger(__name__)

DEVICES_PATH: Final = "/api/v1/devices"
PLAN_PATH: Final = "/api/v1/devices/{name}/plan"
SYNC_PATH: Final = "/api/v1/devices/{name}/sync"
APPROVE_PATH: Final = "/api/v1/devices/{name}/approve"
ACCEPTED: Final = 202


def _view(request: web.Request) -> DevicesView:
    view = request.app[keys.API].devices_view
    if view is None:
        raise ApiError(NOT_FOUND, f"no managed device {request.match_info['name']!r}")
    return view


async def list_devices(request: web.Request) -> web.Response:
    api = request.app[keys.API]
    if api.devices_view is not None:
        items = [status.as_json() for status in api.devices_view.statuses()]
    elif api.devices is not None:
        items = [dict(row) for row in api.devices()]
    else:
        items = []
    return web.json_response({"items": items})


async def get_plan(request: web.Request) -> web.Response:
    plan = await _view(request).plan(request.match_info["name"])
    return web.json_response(planning.to_json(plan))


async def sync(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    _view(request).sync(name)
    log.info("full sync of %s requested by %s", name, writes.actor(request))
    return web.json_response({"device": name, "sync": "requested"}, status=ACCEPTED)


async def approve(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    view = _view(request)
    plan_id = await _plan_id(request)
    approved = await view.approve(name, plan_id)
    log.info("held plan %s of %s approved by %s", approved, name, writes.actor(request))
    return web.json_response({"device": name, "plan_id": approved})


async def _plan_id(request: web.Request) -> str | None:
    """The optional body `{"plan_id": "…"}`; no body at all approves the current plan."""
    if not request.body_exists:
        return None
    body = await inputs.json_object(request)
    unknown = sorted(set(body) - {"plan_id"})
    if unknown:
        raise ApiError(UNPROCESSABLE, "unknown field", field=unknown[0])
    plan_id = body.get("plan_id")
    if plan_id is not None and not isinstance(plan_id, str):
        raise ApiError(UNPROCESSABLE, "must be a string", field="plan_id")
    return plan_id


def add_routes(app: web.Application) -> None:
    app.router.add_get(DEVICES_PATH, list_devices)
    app.router.add_get(PLAN_PATH, get_plan)
    app.router.add_post(SYNC_PATH, sync)
    app.router.add_post(APPROVE_PATH, approve)


# The OpenAPI description of these paths (merged into `openapi.document`).

_NAME: Final = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
_NULLABLE_TEXT: Final = {"type": ["string", "null"]}
_DEVICE: Final = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "platform": {"type": "string"},
        "state": {"enum": ["in_sync", "syncing", "unreachable", "held", "error"]},
        "last_sync_at": {"type": ["string", "null"], "format": "date-time"},
        "pending_changes": {"type": "integer"},
        "owned_entries": {"type": "integer"},
        "blocked_entries": {"type": "integer"},
        "last_error": _NULLABLE_TEXT,
    },
    "required": [
        "name",
        "platform",
        "state",
        "last_sync_at",
        "pending_changes",
        "owned_entries",
        "blocked_entries",
        "last_error",
    ],
}
_CHANGE: Final = {
    "type": "object",
    "properties": {
        "op": {"enum": ["add", "set", "remove"]},
        "path": {"type": "string"},
        "entry": {"type": "object", "additionalProperties": {"type": "string"}},
        "held": {"type": "boolean"},
    },
    "required": ["op", "path", "entry"],
}
_PLAN: Final = {
    "type": "object",
    "properties": {
        "device": {"type": "string"},
        "plan_id": {"type": "string"},
        "changes": {"type": "array", "items": _CHANGE},
    },
    "required": ["device", "plan_id", "changes"],
}
_APPROVAL: Final = {
    "type": "object",
    "properties": {"plan_id": {"type": "string"}},
    "additionalProperties": False,
}


def _ok(description: str, schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    return {
        status: {"description": description, "content": {"application/json": {"schema": schema}}}
    }


def _errors(*codes: str) -> dict[str, Any]:
    names = {"400": "BadRequest", "401": "Unauthorized", "403": "Forbidden"}
    names |= {"404": "NotFound", "409": "Conflict", "413": "TooLarge", "422": "Unprocessable"}
    return {code: {"$ref": f"#/components/responses/{names[code]}"} for code in codes}


def openapi_paths() -> dict[str, Any]:
    page = {"type": "object", "properties": {"items": {"type": "array", "items": _DEVICE}}}
    page["required"] = ["items"]
    sync_body = {"type": "object", "properties": {"device": {"type": "string"}}}
    approved = {"type": "object", "properties": {"plan_id": {"type": "string"}}}
    return {
        DEVICES_PATH: {
            "get": {
                "operationId": "list_devices",
                "summary": "Managed devices and their sync state",
                "responses": {**_ok("Every managed device", page), **_errors("401")},
            }
        },
        PLAN_PATH: {
            "parameters": [_NAME],
            "get": {
                "operationId": "get_device_plan",
                "summary": "What a sync would change on the device now (changes nothing)",
                "responses": {
                    **_ok("The whole current diff, held removals marked", _PLAN),
                    **_errors("401", "404", "409"),
                },
            },
        },
        SYNC_PATH: {
            "parameters": [_NAME],
            "post": {
                "operationId": "sync_device",
                "summary": "Start a full resync of the device now",
                "responses": {**_ok("Requested", sync_body, "202"), **_errors("401", "403", "404")},
            },
        },
        APPROVE_PATH: {
            "parameters": [_NAME],
            "post": {
                "operationId": "approve_device_plan",
                "summary": "Approve the held removals; 409 if the plan is not held or moved on",
                "requestBody": {
                    "required": False,
                    "content": {"application/json": {"schema": _APPROVAL}},
                },
                "responses": {
                    **_ok("The plan_id approved", approved),
                    **_errors("400", "401", "403", "404", "409", "413", "422"),
                },
            },
        },
    }
