"""`GET /api/v1/openapi.json`: the OpenAPI 3.1 description of every path served.

Built once per application from the route tables and the pydantic models (`schemas.py`);
a test checks that every route the app serves is described and validates the document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

import provisiond
from provisiond.status import dashboard, devices, event_docs, keys, session_docs, usage
from provisiond.status.accounts import EFFECTIVE_PATH
from provisiond.status.events import EVENTS_PATH
from provisiond.status.imports import IMPORT_PATH
from provisiond.status.inputs import MAX_ID
from provisiond.status.resources import RESOURCES
from provisiond.status.schemas import components, ref

if TYPE_CHECKING:
    from provisiond.status.resources import Resource

Json = dict[str, Any]

OPENAPI_PATH: Final = "/api/v1/openapi.json"
_JSON: Final = "application/json"
_ERRORS: Final = {
    "400": ("BadRequest", "Malformed JSON, or a body that is not a JSON object"),
    "401": ("Unauthorized", "No bearer token, or an unknown one"),
    "403": ("Forbidden", "A read token on a write"),
    "404": ("NotFound", "No such object or path"),
    "409": ("Conflict", "Duplicate name or username, or a delete of something in use"),
    "413": ("TooLarge", "The body exceeds the limit (1 MiB; 16 MiB for an import)"),
    "422": ("Unprocessable", "A field fails validation; `error.field` names it"),
    "503": ("Unavailable", "The part of the daemon this path needs is not running"),
}
_READ_ERRORS: Final = ("401",)
_WRITE_ERRORS: Final = ("400", "401", "403", "409", "413", "422")


def _content(schema: Json, *types: str) -> Json:
    return {media: {"schema": schema} for media in types or (_JSON,)}


def _ok(description: str, schema: Json, *, status: str = "200") -> Json:
    return {status: {"description": description, "content": _content(schema)}}


def _errors(*codes: str) -> Json:
    return {code: {"$ref": f"#/components/responses/{_ERRORS[code][0]}"} for code in codes}


def _op(operation_id: str, summary: str, responses: Json, **extra: object) -> Json:
    return {"operationId": operation_id, "summary": summary, "responses": responses, **extra}


def _query(name: str, description: str, schema: Json) -> Json:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


_PAGE_PARAMS: Final = [
    _query(
        "limit", "Page size", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}
    ),
    _query(
        "after",
        "The `next_after` of the previous page",
        {"type": "integer", "minimum": -MAX_ID, "maximum": MAX_ID},  # beyond it: 422
    ),
]
_ID_PARAM: Final = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _collection(resource: Resource, name: str) -> Json:
    ident = resource.kind
    created = _ok(
        "Created; write-only fields left out (a generated trigger `secret` is shown once)",
        ref(name),
        status="201",
    )
    created["201"]["headers"] = {"Location": {"schema": {"type": "string"}}}
    return {
        "get": _op(
            f"list_{ident}",
            f"List {ident}",
            {**_ok("One page", ref(f"{name}Page")), **_errors("401", "422")},
            parameters=_PAGE_PARAMS,
        ),
        "post": _op(
            f"create_{ident}",
            f"Create one of {ident}",
            {**created, **_errors(*_WRITE_ERRORS)},
            requestBody={"required": True, "content": _content(ref(name))},
        ),
    }


def _item(resource: Resource, name: str) -> Json:
    ident = resource.kind
    patch = {"type": "object", "description": f"RFC 7396 merge patch of a {name}"}
    return {
        "parameters": [_ID_PARAM],
        "get": _op(
            f"get_{ident}",
            f"Get one of {ident}",
            {**_ok("The object", ref(name)), **_errors("401", "404")},
        ),
        "patch": _op(
            f"patch_{ident}",
            f"Merge-patch one of {ident}",
            {**_ok("The patched object", ref(name)), **_errors(*_WRITE_ERRORS, "404")},
            requestBody={
                "required": True,
                "content": _content(patch, "application/merge-patch+json", _JSON),
            },
        ),
        "delete": _op(
            f"delete_{ident}",
            f"Delete one of {ident}",
            {"204": {"description": "Deleted"}, **_errors("401", "403", "404", "409")},
        ),
    }


def _extras() -> Json:
    triggers = _query("triggers", "Fire account triggers", {"type": "boolean", "default": False})
    return {
        EFFECTIVE_PATH: {
            "parameters": [_ID_PARAM],
            "get": _op(
                "get_effective",
                "What the account gets now",
                {**_ok("The account's effective state", ref("Effective")), **_errors("401", "404")},
            ),
        },
        EVENTS_PATH: {
            "get": _op(
                "list_events",
                "The audit log, oldest first",
                {**_ok("One page", ref("AuditPage")), **_errors("401", "422")},
                parameters=_PAGE_PARAMS,
            )
        },
        IMPORT_PATH: {
            "post": _op(
                "import",
                "All-or-nothing upsert by id of a model document",
                {
                    **_ok("Objects created or changed, per kind", ref("ImportCounts")),
                    **_errors(*_WRITE_ERRORS),
                },
                parameters=[triggers],
                requestBody={"required": True, "content": _content(ref("ImportDocument"))},
            )
        },
        OPENAPI_PATH: {
            "get": _op(
                "openapi",
                "This document",
                {**_ok("OpenAPI 3.1", {"type": "object"}), **_errors(*_READ_ERRORS)},
            )
        },
    }


def _probes() -> Json:
    public: list[Json] = []  # no token needed (DESIGN.md §7)
    text = {"text/plain": {"schema": {"type": "string"}}}
    status = {"type": "object", "properties": {"status": {"const": "ok"}}, "required": ["status"]}
    return {
        "/healthz": {"get": _op("healthz", "Liveness", _ok("Running", status), security=public)},
        "/readyz": {
            "get": _op(
                "readyz",
                "Readiness",
                {
                    **_ok("Ready", ref("Readiness")),
                    "503": {
                        "description": "Devices still syncing",
                        "content": _content(ref("Readiness")),
                    },
                },
                security=public,
            )
        },
        "/metrics": {
            "get": _op(
                "metrics",
                "Prometheus text format",
                {"200": {"description": "Metrics", "content": text}},
                security=public,
            )
        },
    }


def document() -> Json:
    names, schemas = components()
    paths: Json = _probes()
    for resource in RESOURCES:
        paths[resource.collection] = _collection(resource, names[resource.kind])
        paths[resource.item] = _item(resource, names[resource.kind])
    paths.update(_extras())
    paths.update(dashboard.openapi_paths())
    paths.update(devices.openapi_paths())
    paths.update(event_docs.openapi_paths())
    paths.update(session_docs.openapi_paths())
    paths.update(usage.openapi_paths())
    responses = {
        name: {"description": text, "content": _content(ref("Error"))}
        for name, text in _ERRORS.values()
    }
    responses["Unauthorized"]["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "provisiond", "version": provisiond.__version__},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": responses,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(request.app[keys.OPENAPI])


def add_routes(app: web.Application) -> None:
    app[keys.OPENAPI] = document()
    app.router.add_get(OPENAPI_PATH, openapi)
