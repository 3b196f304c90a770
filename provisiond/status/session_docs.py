"""The OpenAPI description of the session and CoA endpoints (`sessions.py`, `coa.py`).

Kept apart from the handlers, as `event_docs.py` is; `openapi.document()` merges
`openapi_paths()` in. The 503 answer (`Unavailable`) is the shared error response for
a path whose part of the daemon is not running.
"""

from __future__ import annotations

from typing import Final

from provisiond.status.coa import APPROVE_PATH, HELD_PATH
from provisiond.status.inputs import MAX_ID
from provisiond.status.openapi_parts import (
    ID_PARAM,
    INT,
    NULLABLE_INT,
    NULLABLE_TEXT,
    PAGE_PARAMS,
    TEXT,
    TIME,
    Json,
    errors,
    ok,
    op,
    page_of,
    query,
)
from provisiond.status.sessions import DISCONNECT_PATH, SESSIONS_PATH, STATES

_LAST_COA: Final = {
    "type": ["object", "null"],
    "description": "The last CoA or Disconnect of the session and its outcome",
    "properties": {
        "at": {"type": ["string", "null"], "format": "date-time"},
        "result": NULLABLE_TEXT,
        "error_cause": NULLABLE_INT,
    },
    "required": ["at", "result", "error_cause"],
}
_SESSION: Final = {
    "type": "object",
    "properties": {
        "id": INT,
        "username": TEXT,
        "account_id": NULLABLE_INT,
        "nas": TEXT,
        "acct_session_id": TEXT,
        "framed_ip": NULLABLE_TEXT,
        "framed_ipv6_prefix": NULLABLE_TEXT,
        "delegated_ipv6_prefix": NULLABLE_TEXT,
        "started_at": TIME,
        "updated_at": TIME,
        "input_octets": INT,
        "output_octets": INT,
        "state": {"enum": list(STATES)},
        "terminate_cause": NULLABLE_TEXT,
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
        "session_id": INT,
        "account_id": NULLABLE_INT,
        "username": TEXT,
        "nas": TEXT,
        "queued_at": TIME,
        "reasons": {"type": "array", "items": TEXT},
    },
    "required": ["session_id"],
}


_SESSION_PARAMS: Final = [
    query("account_id", "Only this account's sessions", {**INT, "minimum": 1, "maximum": MAX_ID}),
    query("state", "Open (live) or closed sessions", {"enum": list(STATES), "default": "open"}),
    *PAGE_PARAMS,
]


def openapi_paths() -> Json:
    queued = {
        "type": "object",
        "properties": {"session_id": INT, "disconnect": {"const": "queued"}},
        "required": ["session_id", "disconnect"],
    }
    released = {"type": "object", "properties": {"released": INT}, "required": ["released"]}
    return {
        SESSIONS_PATH: {
            "get": op(
                "list_sessions",
                "RADIUS sessions from accounting, by id; empty when RADIUS is not running",
                {**ok("One page", page_of(_SESSION)), **errors("401", "422")},
                parameters=_SESSION_PARAMS,
            )
        },
        DISCONNECT_PATH: {
            "parameters": [ID_PARAM],
            "post": op(
                "disconnect_session",
                "Queue a Disconnect-Request for an open session",
                {
                    **ok(
                        "Queued; the outcome shows as the session's last_coa", queued, status="202"
                    ),
                    **errors("401", "403", "404", "503"),
                },
            ),
        },
        HELD_PATH: {
            "get": op(
                "list_held_disconnects",
                "The Disconnects the breaker holds for approval (all of them; not paged)",
                {**ok("Every held Disconnect", page_of(_HELD)), **errors("401")},
            )
        },
        APPROVE_PATH: {
            "post": op(
                "approve_held_disconnects",
                "Release every held Disconnect",
                {**ok("How many were released", released), **errors("401", "403", "503")},
            )
        },
    }
