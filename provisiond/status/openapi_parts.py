"""The pieces every OpenAPI path description is built from: operations, their 200 and
error responses, query and path parameters, keyset pages, common schemas.

`openapi.document()` assembles the document; the modules that describe their own paths
(`event_docs`, `session_docs`, `usage`) build them from these, so one response or
parameter reads the same on every path.
"""

from __future__ import annotations

from typing import Any, Final

from provisiond.status.inputs import MAX_ID

Json = dict[str, Any]

JSON_MEDIA: Final = "application/json"
# Status code → the shared error response (`components.responses`) and what it means.
ERRORS: Final = {
    "400": ("BadRequest", "Malformed JSON, or a body that is not a JSON object"),
    "401": ("Unauthorized", "No bearer token, or an unknown one"),
    "403": ("Forbidden", "A read token on a write"),
    "404": ("NotFound", "No such object or path"),
    "409": ("Conflict", "Duplicate name or username, or a delete of something in use"),
    "413": ("TooLarge", "The body exceeds the limit (1 MiB; 16 MiB for an import)"),
    "422": ("Unprocessable", "A field fails validation; `error.field` names it"),
    "503": ("Unavailable", "The part of the daemon this path needs is not running"),
}

INT: Final = {"type": "integer"}
TEXT: Final = {"type": "string"}
NULLABLE_INT: Final = {"type": ["integer", "null"]}
NULLABLE_TEXT: Final = {"type": ["string", "null"]}
TIME: Final = {"type": "string", "format": "date-time"}
ID_PARAM: Final = {"name": "id", "in": "path", "required": True, "schema": INT}


def content(schema: Json, *types: str) -> Json:
    """The same schema under each media type (default: JSON)."""
    return {media: {"schema": schema} for media in types or (JSON_MEDIA,)}


def ok(description: str, schema: Json, *, status: str = "200") -> Json:
    """A success response with a JSON body, keyed by its status."""
    return {status: {"description": description, "content": content(schema)}}


def errors(*codes: str) -> Json:
    """References to the shared error responses of these status codes."""
    return {code: {"$ref": f"#/components/responses/{ERRORS[code][0]}"} for code in codes}


def op(operation_id: str, summary: str, responses: Json, **extra: object) -> Json:
    """An operation; `extra` adds parameters, requestBody, security and the like."""
    return {"operationId": operation_id, "summary": summary, "responses": responses, **extra}


def query(name: str, description: str, schema: Json) -> Json:
    """An optional query parameter."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def page_of(item: Json) -> Json:
    """One page of a keyset-paged list: `next_after` is null on the last page."""
    return {
        "type": "object",
        "properties": {"items": {"type": "array", "items": item}, "next_after": NULLABLE_INT},
        "required": ["items", "next_after"],
    }


# `?limit=&after=` as `inputs.page` reads them.
PAGE_PARAMS: Final = [
    query("limit", "Page size", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}),
    query(
        "after",
        "The `next_after` of the previous page",
        {"type": "integer", "minimum": -MAX_ID, "maximum": MAX_ID},  # beyond it: 422
    ),
]
