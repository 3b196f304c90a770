"""The OpenAPI description of the scheduled-event, vacation and delivery-log endpoints.

Kept apart from the handlers (`schedule.py`, `vacations.py`, `deliveries.py`) so each
stays about one thing; `openapi.document()` merges `openapi_paths()` in. The objects are
the `ScheduledEvent` and `Vacation` components built from the pydantic payloads; the
request bodies differ from them in that the path names the account.
"""

from __future__ import annotations

from typing import Final

from provisiond.model.enums import EventAction
from provisiond.status.deliveries import DELIVERIES_PATH
from provisiond.status.openapi_parts import (
    ID_PARAM,
    INT,
    NULLABLE_INT,
    TIME,
    Json,
    errors,
    ok,
    op,
    page_of,
)
from provisiond.status.schedule import (
    ACCOUNT_EVENTS_PATH,
    EVENT_PATH,
    UPCOMING_EVENTS_PATH,
    UPCOMING_VACATIONS_PATH,
)
from provisiond.status.vacations import VACATION_PATH

# Unlike the other lists' (`openapi_parts.PAGE_PARAMS`), without descriptions or the
# bounds of `after`.
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


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _body(properties: Json, required: list[str]) -> Json:
    schema: Json = {"type": "object", "properties": properties, "required": required}
    schema["additionalProperties"] = False
    return {"required": True, "content": {"application/json": {"schema": schema}}}


_EVENT_BODY: Final = _body(
    {
        "id": INT,
        "account_id": _ACCOUNT_ID,
        "at": TIME,
        "action": {"type": "string", "enum": [action.value for action in EventAction]},
        "object_id": NULLABLE_INT,
        "replacement_id": NULLABLE_INT,
    },
    ["at", "action"],
)
_VACATION_BODY: Final = _body(
    {
        "id": INT,
        "account_id": _ACCOUNT_ID,
        "start": TIME,
        "end": TIME,
        "status_id": INT,
        "service_id": INT,
    },
    ["start", "end", "status_id", "service_id"],
)
_DELIVERY: Final = {
    "type": "object",
    "properties": {
        "id": INT,
        "trigger_id": INT,
        "event": {"type": "string"},
        "status": {"type": "string", "enum": ["pending", "delivered", "failed"]},
        "attempts": INT,
        "last_status_code": NULLABLE_INT,
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


def _upcoming() -> Json:
    limit = [_PAGE[0]]
    return {
        UPCOMING_EVENTS_PATH: {
            "get": op(
                "list_upcoming_scheduled_events",
                "Pending scheduled events of every account, in the order they will run",
                {**ok("The next ones", page_of(_ref("ScheduledEvent"))), **errors("401", "422")},
                parameters=limit,
            )
        },
        UPCOMING_VACATIONS_PATH: {
            "get": op(
                "list_upcoming_vacations",
                "Scheduled and active vacations of every account, by their next start or end",
                {**ok("The next ones", page_of(_ref("Vacation"))), **errors("401", "422")},
                parameters=limit,
            )
        },
    }


def _scheduled_events() -> Json:
    return {
        ACCOUNT_EVENTS_PATH: {
            "parameters": [ID_PARAM],
            "get": op(
                "list_account_scheduled_events",
                "The account's scheduled events, by id",
                {**ok("One page", page_of(_ref("ScheduledEvent"))), **errors("401", "404", "422")},
                parameters=_PAGE,
            ),
            "post": op(
                "create_account_scheduled_event",
                "Schedule an event for the account (the path names the account)",
                {
                    **ok("Scheduled", _ref("ScheduledEvent"), status="201"),
                    **errors("400", "401", "403", "404", "409", "413", "422"),
                },
                requestBody=_EVENT_BODY,
            ),
        },
        EVENT_PATH: {
            "parameters": [ID_PARAM],
            "get": op(
                "get_scheduled_event",
                "One scheduled event",
                {**ok("The event", _ref("ScheduledEvent")), **errors("401", "404")},
            ),
            "delete": op(
                "delete_scheduled_event",
                "Delete a scheduled event that has not run (409 once it has)",
                {"204": {"description": "Deleted"}, **errors("401", "403", "404", "409")},
            ),
        },
    }


def _vacations() -> Json:
    chosen = {"name": "id", "in": "query", "required": False, "schema": INT}
    chosen["description"] = "the vacation to end or cancel; default: the active or next one"
    return {
        VACATION_PATH: {
            "parameters": [ID_PARAM],
            "get": op(
                "list_account_vacations",
                "The account's vacations, by id",
                {**ok("One page", page_of(_ref("Vacation"))), **errors("401", "404", "422")},
                parameters=_PAGE,
            ),
            "post": op(
                "book_account_vacation",
                "Book a vacation (422 without exactly one data service, 409 on overlap)",
                {
                    **ok("Booked", _ref("Vacation"), status="201"),
                    **errors("400", "401", "403", "404", "409", "413", "422"),
                },
                requestBody=_VACATION_BODY,
            ),
            "delete": op(
                "stop_account_vacation",
                "End the active vacation now, or cancel a scheduled one",
                {
                    **ok("The vacation now", _ref("Vacation")),
                    **errors("401", "403", "404", "422"),
                },
                parameters=[chosen],
            ),
        }
    }


def openapi_paths() -> Json:
    paths = {**_upcoming(), **_scheduled_events(), **_vacations()}
    paths[DELIVERIES_PATH] = {
        "get": op(
            "list_trigger_deliveries",
            "The webhook delivery log, by id",
            {**ok("One page", page_of(_DELIVERY)), **errors("401", "422")},
            parameters=_PAGE,
        )
    }
    return paths
