"""The OpenAPI description of the session and CoA endpoints (`sessions.py`, `coa.py`).

Kept apart from the handlers, as `event_docs.py` is; `openapi.document()` merges
`openapi_paths()` in. The 503 answer (`Unavailable`) is the shared error response for
a path whose part of the daemon is not running.
"""

from __future__ import annotations

from typing import Any, Final

from provisiond.status.coa import APPROVE_PATH, HELD_PATH
from provisiond.status.inputs import MAX_ID
from provisiond.status.sessions import DISCONNECT_PATH, SESSIONS_PATH, STATES

Json = dict[str, Any]

_RESPONSES: Final = {
    "401": "Unauthorized",
    "403": "Forbidden",
    "404": "NotFound",
    "422": "Unprocessable",
    "503": "Unavailable",
}
_INT: Final = {"type": "integer"}
_TEXT: Final = {"type": "string"}
_NULLABLE_TEXT: Final = {"type": ["string", "null"]}
_NULLABLE_INT: Final = {"type": ["integer", "null"]}
_TIME: Final = {"type": "string", "format": "date-time"}
_LAST_COA: Final = {
    "type": ["object", "null"],
    "description": "The last CoA or Disconnect of the session and its outcome",
    "properties": {
        "at": {"type": ["string", "null"], "format": "date-time"},
        "result": _NULLABLE_TEXT,
        "error_cause": _NULLABLE_INT,
    },
    "required": ["at", "result", "error_cause"],
}
_SESSION: Final = {
    "type": "object",
    "properties": {
        "id": _INT,
        "username": _TEXT,
        "account_id": _NULLABLE_INT,
        "nas": _TEXT,
        "acct_session_id": _TEXT,
        "framed_ip": _NULLABLE_TEXT,
        "framed_ipv6_prefix": _NULLABLE_TEXT,
        "delegated_ipv6_prefix": _NULLABLE_TEXT,
        "started_at": _TIME,
        "updated_at": _TIME,
        "input_octets": _INT,
        "output_octets": _INT,
        "state": {"enum": list(STATES)},
        "terminate_cause": _NULLABLE_TEXT,
        "last_coa": _LAST_COA,
        "external_override": {
            "type": ["object", "null"],
            "description": "A relayed CoA the NAS ACKed: `{at, attributes}`",
        },
    },
}
_SESSION["required"] = list(_SESSION["properties"])
_HELD: Final = {
    "type": "object",
    "properties": {
        "session_id": _INT,
        "account_id": _NULLABLE_INT,
        "username": _TEXT,
        "nas": _TEXT,
        "queued_at": _TIME,
        "reasons": {"type": "array", "items": _TEXT},
    },
    "required": ["session_id"],
}


def _query(name: str, description: str, schema: Json) -> Json:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


_SESSION_PARAMS: Final = [
    _query("account_id", "Only this account's sessions", {**_INT, "minimum": 1, "maximum": MAX_ID}),
    _query("state", "Open (live) or closed sessions", {"enum": list(STATES), "default": "open"}),
    _query(
        "limit", "Page size", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}
    ),
    _query(
        "after",
        "The `next_after` of the previous page",
        {"type": "integer", "minimum": -MAX_ID, "maximum": MAX_ID},
    ),
]
_ID: Final = {"name": "id", "in": "path", "required": True, "schema": _INT}


def _errors(*codes: str) -> Json:
    return {code: {"$ref": f"#/components/responses/{_RESPONSES[code]}"} for code in codes}


def _ok(description: str, schema: Json, status: str = "200") -> Json:
    return {
        status: {"description": description, "content": {"application/json": {"schema": schema}}}
    }


def _page(item: Json) -> Json:
    return {
        "type": "object",
        "properties": {"items": {"type": "array", "items": item}, "next_after": _NULLABLE_INT},
        "required": ["items", "next_after"],
    }


def _op(operation_id: str, summary: str, responses: Json, **extra: object) -> Json:
    return {"operationId": operation_id, "summary": summary, "responses": responses, **extra}


def openapi_paths() -> Json:
    queued = {
        "type": "object",
        "properties": {"session_id": _INT, "disconnect": {"const": "queued"}},
        "required": ["session_id", "disconnect"],
    }
    released = {"type": "object", "properties": {"released": _INT}, "required": ["released"]}
    return {
        SESSIONS_PATH: {
            "get": _op(
                "list_sessions",
                "RADIUS sessions from accounting, by id; empty when RADIUS is not running",
                {**_ok("One page", _page(_SESSION)), **_errors("401", "422")},
                parameters=_SESSION_PARAMS,
            )
        },
        DISCONNECT_PATH: {
            "parameters": [_ID],
            "post": _op(
                "disconnect_session",
                "Queue a Disconnect-Request for an open session",
                {
                    **_ok("Queued; the outcome shows as the session's last_coa", queued, "202"),
                    **_errors("401", "403", "404", "503"),
                },
            ),
        },
        HELD_PATH: {
            "get": _op(
                "list_held_disconnects",
                "The Disconnects the breaker holds for approval (all of them; not paged)",
                {**_ok("Every held Disconnect", _page(_HELD)), **_errors("401")},
            )
        },
        APPROVE_PATH: {
            "post": _op(
                "approve_held_disconnects",
                "Release every held Disconnect",
                {**_ok("How many were released", released), **_errors("401", "403", "503")},
            )
        },
    }
