"""The dashboard (DESIGN.md §7): one static page, its script and its style sheet.

The page itself needs no token: it asks for one and keeps it in a script variable, so
neither a cookie nor browser storage ever holds it. Everything it shows comes from the
`/api/v1` endpoints and is inserted as text. The CSP forbids inline script and style
and every other origin, so even a tag that slipped into the page as data could not run.
"""

from __future__ import annotations

from importlib import resources
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from provisiond.status.errors import NOT_FOUND, ApiError

if TYPE_CHECKING:
    from collections.abc import Mapping

DASHBOARD_PATH: Final = "/"
STATIC_PATH: Final = "/static/{name}"
CSP: Final = "default-src 'self'; frame-ancestors 'none'"
SECURITY_HEADERS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        # The page is tiny, and a cached copy would outlive an upgrade of the API it calls.
        "Cache-Control": "no-store",
    }
)
PAGE: Final = "index.html"
# The only files `/static/` serves, by name: nothing else in the package is reachable.
# dashboard.js is the entry module; it imports the others (same origin, so the CSP allows).
ASSETS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "dashboard.js": "text/javascript",
        "api.js": "text/javascript",
        "view.js": "text/javascript",
        "panels.js": "text/javascript",
        "radius.js": "text/javascript",
        "dashboard.css": "text/css",
    }
)
SCRIPTS: Final = tuple(name for name, kind in ASSETS.items() if kind == "text/javascript")


def _read(name: str) -> bytes:
    return resources.files("provisiond.status").joinpath("static", name).read_bytes()


def _answer(body: bytes, content_type: str) -> web.Response:
    return web.Response(
        body=body, content_type=content_type, charset="utf-8", headers=SECURITY_HEADERS
    )


class Dashboard:
    """The files, read once when the application is built: a request never touches disk."""

    def __init__(self) -> None:
        self._page = _read(PAGE)
        self._assets = {name: _read(name) for name in ASSETS}

    async def page(self, request: web.Request) -> web.Response:  # noqa: ARG002 - aiohttp handler
        return _answer(self._page, "text/html")

    async def asset(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        body = self._assets.get(name)
        if body is None:
            raise ApiError(NOT_FOUND, f"no static file {name}")
        return _answer(body, ASSETS[name])


def openapi_paths() -> dict[str, Any]:
    """The two public paths, for the OpenAPI document (which describes every route)."""
    public: list[Any] = []  # no token needed (DESIGN.md §7)
    not_found = {"$ref": "#/components/responses/NotFound"}
    assets = {media: {"schema": {"type": "string"}} for media in sorted(set(ASSETS.values()))}
    name = {"type": "string", "enum": list(ASSETS)}
    return {
        DASHBOARD_PATH: {
            "get": {
                "operationId": "dashboard",
                "summary": "The dashboard page; it asks for a token itself",
                "security": public,
                "responses": {
                    "200": {
                        "description": "The page",
                        "content": {"text/html": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        STATIC_PATH: {
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": name}],
            "get": {
                "operationId": "dashboard_static",
                "summary": "The dashboard's script modules and style sheet",
                "security": public,
                "responses": {
                    "200": {"description": "The file", "content": assets},
                    "404": not_found,
                },
            },
        },
    }


def add_routes(app: web.Application) -> None:
    dashboard = Dashboard()
    app.router.add_get(DASHBOARD_PATH, dashboard.page)
    app.router.add_get(STATIC_PATH, dashboard.asset)
