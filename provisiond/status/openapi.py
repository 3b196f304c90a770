"""`GET /api/v1/openapi.json`: the OpenAPI 3.1 description of every path served.

Built once per application from the route tables and the pydantic models (`schemas.py`);
a test checks that every route the app serves is described and validates the document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from aiohttp import web

import provisiond
from provisiond.status import dashboard, devices, event_docs, keys, session_docs, usage
from provisiond.status.accounts import EFFECTIVE_PATH
from provisiond.status.events import EVENTS_PATH
from provisiond.status.imports import IMPORT_PATH
from provisiond.status.openapi_parts import (
    ERRORS,
    ID_PARAM,
    JSON_MEDIA,
    PAGE_PARAMS,
    Json,
    content,
    errors,
    ok,
    op,
    query,
)
from provisiond.status.resources import RESOURCES
from provisiond.status.schemas import components, ref

if TYPE_CHECKING:
    from provisiond.status.resources import Resource

OPENAPI_PATH: Final = "/api/v1/openapi.json"
_READ_ERRORS: Final = ("401",)
_WRITE_ERRORS: Final = ("400", "401", "403", "409", "413", "422")


def _collection(resource: Resource, name: str) -> Json:
    ident = resource.kind
    created = ok(
        "Created; write-only fields left out (a generated trigger `secret` is shown once)",
        ref(name),
        status="201",
    )
    created["201"]["headers"] = {"Location": {"schema": {"type": "string"}}}
    return {
        "get": op(
            f"list_{ident}",
            f"List {ident}",
            {**ok("One page", ref(f"{name}Page")), **errors("401", "422")},
            parameters=PAGE_PARAMS,
        ),
        "post": op(
            f"create_{ident}",
            f"Create one of {ident}",
            {**created, **errors(*_WRITE_ERRORS)},
            requestBody={"required": True, "content": content(ref(name))},
        ),
    }


def _item(resource: Resource, name: str) -> Json:
    ident = resource.kind
    patch = {"type": "object", "description": f"RFC 7396 merge patch of a {name}"}
    return {
        "parameters": [ID_PARAM],
        "get": op(
            f"get_{ident}",
            f"Get one of {ident}",
            {**ok("The object", ref(name)), **errors("401", "404")},
        ),
        "patch": op(
            f"patch_{ident}",
            f"Merge-patch one of {ident}",
            {**ok("The patched object", ref(name)), **errors(*_WRITE_ERRORS, "404")},
            requestBody={
                "required": True,
                "content": content(patch, "application/merge-patch+json", JSON_MEDIA),
            },
        ),
        "delete": op(
            f"delete_{ident}",
            f"Delete one of {ident}",
            {"204": {"description": "Deleted"}, **errors("401", "403", "404", "409")},
        ),
    }


def _extras() -> Json:
    triggers = query("triggers", "Fire account triggers", {"type": "boolean", "default": False})
    return {
        EFFECTIVE_PATH: {
            "parameters": [ID_PARAM],
            "get": op(
                "get_effective",
                "What the account gets now",
                {**ok("The account's effective state", ref("Effective")), **errors("401", "404")},
            ),
        },
        EVENTS_PATH: {
            "get": op(
                "list_events",
                "The audit log, oldest first",
                {**ok("One page", ref("AuditPage")), **errors("401", "422")},
                parameters=PAGE_PARAMS,
            )
        },
        IMPORT_PATH: {
            "post": op(
                "import",
                "All-or-nothing upsert by id of a model document",
                {
                    **ok("Objects created or changed, per kind", ref("ImportCounts")),
                    **errors(*_WRITE_ERRORS),
                },
                parameters=[triggers],
                requestBody={"required": True, "content": content(ref("ImportDocument"))},
            )
        },
        OPENAPI_PATH: {
            "get": op(
                "openapi",
                "This document",
                {**ok("OpenAPI 3.1", {"type": "object"}), **errors(*_READ_ERRORS)},
            )
        },
    }


def _probes() -> Json:
    public: list[Json] = []  # no token needed (DESIGN.md §7)
    text = {"text/plain": {"schema": {"type": "string"}}}
    status = {"type": "object", "properties": {"status": {"const": "ok"}}, "required": ["status"]}
    return {
        "/healthz": {"get": op("healthz", "Liveness", ok("Running", status), security=public)},
        "/readyz": {
            "get": op(
                "readyz",
                "Readiness",
                {
                    **ok("Ready", ref("Readiness")),
                    "503": {
                        "description": "Devices still syncing",
                        "content": content(ref("Readiness")),
                    },
                },
                security=public,
            )
        },
        "/metrics": {
            "get": op(
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
        name: {"description": text, "content": content(ref("Error"))}
        for name, text in ERRORS.values()
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
