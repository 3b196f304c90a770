"""The OpenAPI description of the scheduled-event, vacation and delivery-log endpoints.

Kept apart from the handlers (`schedule.py`, `vacations.py`, `deliveries.py`) so each
stays about one thing; `openapi.document()` merges `openapi_paths()` in. The objects are
the `ScheduledEvent` and `Vacation` components built from the pydantic payloads; the
request bodies differ from them in that the path names the account.
"""

from __future__ import annotations

from typing import Any, Final

from provisiond.model.enums import EventAction
from provisiond.status.deliveries import DELIVERIES_PATH
from provisiond.status.schedule import (
    ACCOUNT_EVENTS_PATH,
    EVENT_PATH,
    UPCOMING_EVENTS_PATH,
    UPCOMING_VACATIONS_PATH,
)
from provisiond.status.vacations import VACATION_PATH

Json = dict[str, Any]

_RESPONSES: Final = {
    "400": "BadRequest",
    "401": "Unauthorized",
    "403": "Forbidden",
    "404": "NotFound",
    "409": "Conflict",
    "413": "TooLarge",
    "422": "Unprocessable",
}
_ID: Final = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
_PAGE: Final = [
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
    },
    {"name": "after", "in": "query", "required": False, "schema": {"type": "integer"}},
]
_ACCOUNT_ID: Final = {"type": "integer", "description": "optional; must be the path's account"}
_INT: Final = {"type": "integer"}
_TIME: Final = {"type": "string", "format": "date-time"}


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _errors(*codes: str) -> Json:
    return {code: {"$ref": f"#/components/responses/{_RESPONSES[code]}"} for code in codes}


def _ok(description: str, schema: Json, status: str = "200") -> Json:
    return {
        status: {"description": description, "content": {"application/json": {"schema": schema}}}
    }


def _page(item: Json) -> Json:
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": item},
            "next_after": {"type": ["integer", "null"]},
        },
        "required": ["items", "next_after"],
    }


def _body(properties: Json, required: list[str]) -> Json:
    schema: Json = {"type": "object", "properties": properties, "required": required}
    schema["additionalProperties"] = False
    return {"required": True, "content": {"application/json": {"schema": schema}}}


_EVENT_BODY: Final = _body(
    {
        "id": _INT,
        "account_id": _ACCOUNT_ID,
        "at": _TIME,
        "action": {"type": "string", "enum": [action.value for action in EventAction]},
        "object_id": {"type": ["integer", "null"]},
        "replacement_id": {"type": ["integer", "null"]},
    },
    ["at", "action"],
)
_VACATION_BODY: Final = _body(
    {
        "id": _INT,
        "account_id": _ACCOUNT_ID,
        "start": _TIME,
        "end": _TIME,
        "status_id": _INT,
        "service_id": _INT,
    },
    ["start", "end", "status_id", "service_id"],
)
_DELIVERY: Final = {
    "type": "object",
    "properties": {
        "id": _INT,
        "trigger_id": _INT,
        "event": {"type": "string"},
        "status": {"type": "string", "enum": ["pending", "delivered", "failed"]},
        "attempts": _INT,
        "last_status_code": {"type": ["integer", "null"]},
        "next_attempt_at": {"type": ["string", "null"], "format": "date-time"},
    },
    "required": [
        "id",
        "trigger_id",
        "event",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
    ],
}


def _op(operation_id: str, summary: str, responses: Json, **extra: object) -> Json:
    return {"operationId": operation_id, "summary": summary, "responses": responses, **extra}


def _upcoming() -> Json:
    limit = [_PAGE[0]]
    return {
        UPCOMING_EVENTS_PATH: {
            "get": _op(
                "list_upcoming_scheduled_events",
                "Pending scheduled events of every account, in the order they will run",
                {**_ok("The next ones", _page(_ref("ScheduledEvent"))), **_errors("401", "422")},
                parameters=limit,
            )
        },
        UPCOMING_VACATIONS_PATH: {
            "get": _op(
                "list_upcoming_vacations",
                "Scheduled and active vacations of every account, by their next start or end",
                {**_ok("The next ones", _page(_ref("Vacation"))), **_errors("401", "422")},
                parameters=limit,
            )
        },
    }


def _scheduled_events() -> Json:
    return {
        ACCOUNT_EVENTS_PATH: {
            "parameters": [_ID],
            "get": _op(
                "list_account_scheduled_events",
                "The account's scheduled events, by id",
                {**_ok("One page", _page(_ref("ScheduledEvent"))), **_errors("401", "404", "422")},
                parameters=_PAGE,
            ),
            "post": _op(
                "create_account_scheduled_event",
                "Schedule an event for the account (the path names the account)",
                {
                    **_ok("Scheduled", _ref("ScheduledEvent"), "201"),
                    **_errors("400", "401", "403", "404", "409", "413", "422"),
                },
                requestBody=_EVENT_BODY,
            ),
        },
        EVENT_PATH: {
            "parameters": [_ID],
            "get": _op(
                "get_scheduled_event",
                "One scheduled event",
                {**_ok("The event", _ref("ScheduledEvent")), **_errors("401", "404")},
            ),
            "delete": _op(
                "delete_scheduled_event",
                "Delete a scheduled event that has not run (409 once it has)",
                {"204": {"description": "Deleted"}, **_errors("401", "403", "404", "409")},
            ),
        },
    }


def _vacations() -> Json:
    chosen = {"name": "id", "in": "query", "required": False, "schema": _INT}
    chosen["description"] = "the vacation to end or cancel; default: the active or next one"
    return {
        VACATION_PATH: {
            "parameters": [_ID],
            "get": _op(
                "list_account_vacations",
                "The account's vacations, by id",
                {**_ok("One page", _page(_ref("Vacation"))), **_errors("401", "404", "422")},
                parameters=_PAGE,
            ),
            "post": _op(
                "book_account_vacation",
                "Book a vacation (422 without exactly one data service, 409 on overlap)",
                {
                    **_ok("Booked", _ref("Vacation"), "201"),
                    **_errors("400", "401", "403", "404", "409", "413", "422"),
                },
                requestBody=_VACATION_BODY,
            ),
            "delete": _op(
                "stop_account_vacation",
                "End the active vacation now, or cancel a scheduled one",
                {
                    **_ok("The vacation now", _ref("Vacation")),
                    **_errors("401", "403", "404", "422"),
                },
                parameters=[chosen],
            ),
        }
    }


def openapi_paths() -> Json:
    paths = {**_upcoming(), **_scheduled_events(), **_vacations()}
    paths[DELIVERIES_PATH] = {
        "get": _op(
            "list_trigger_deliveries",
            "The webhook delivery log, by id",
            {**_ok("One page", _page(_DELIVERY)), **_errors("401", "422")},
            parameters=_PAGE,
        )
    }
    return paths
