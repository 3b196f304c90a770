"""The dashboard at `/`: served without a token, under the CSP of DESIGN.md §7."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import TYPE_CHECKING

import pytest

from provisiond.status import dashboard

if TYPE_CHECKING:
    from tests.integration.status.support import Client, Reply

CSP = "default-src 'self'; frame-ancestors 'none'"
# `import {a, b} from "./x.js";`, one line or several.
IMPORT = re.compile(r'^import\s[^;]*?\sfrom\s"([^"]+)";', flags=re.MULTILINE)


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside `<script>`/`<style>`."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._open = tag if tag in {"script", "style"} else None

    def handle_endtag(self, tag: str) -> None:  # noqa: ARG002 - HTMLParser callback
        self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None and data.strip():
            self.inline.append(data)


def parse(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser


def assert_hardened(reply: Reply) -> None:
    assert reply.headers["Content-Security-Policy"] == CSP
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Referrer-Policy"] == "no-referrer"
    assert reply.headers["Cache-Control"] == "no-store"


@pytest.fixture
async def page(client: Client) -> Reply:
    reply = await client.as_(None).get("/")
    assert reply.status == 200, reply.text
    return reply


async def test_the_page_loads_without_a_token(page: Reply) -> None:
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<title>provisiond</title>" in page.text


async def test_the_page_has_the_exact_csp_and_the_other_headers(page: Reply) -> None:
    assert_hardened(page)


async def test_the_page_has_no_inline_script_or_style(page: Reply) -> None:
    found = parse(page.text)
    assert found.inline == []
    for tag, attrs in found.tags:
        assert "style" not in attrs, tag
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        assert tag != "style"
    scripts = [attrs for tag, attrs in found.tags if tag == "script"]
    assert scripts == [{"type": "module", "src": "/static/dashboard.js"}]
    assert "javascript:" not in page.text.lower()


async def test_the_page_asks_for_the_token_in_a_password_field(page: Reply) -> None:
    inputs = [attrs for tag, attrs in parse(page.text).tags if tag == "input"]
    assert inputs == [
        {
            "id": "token",
            "name": "token",
            "type": "password",
            "autocomplete": "off",
            "spellcheck": "false",
            "required": None,
        }
    ]


@pytest.mark.parametrize(("name", "content_type"), list(dashboard.ASSETS.items()))
async def test_static_files_are_served_with_the_same_headers(
    client: Client, name: str, content_type: str
) -> None:
    reply = await client.as_(None).get(f"/static/{name}")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == f"{content_type}; charset=utf-8"
    assert_hardened(reply)
    assert reply.text


@pytest.mark.parametrize(
    "path", ["/static/index.html", "/static/nothing.js", "/static/..%2Fserver.py", "/static/"]
)
async def test_nothing_else_is_served_from_static(client: Client, path: str) -> None:
    assert (await client.as_(None).get(path)).status == 404


@pytest.mark.parametrize("name", dashboard.SCRIPTS)
async def test_no_script_inserts_markup_or_stores_the_token(client: Client, name: str) -> None:
    script = (await client.as_(None).get(f"/static/{name}")).text
    assert script.lstrip("/ \n").startswith("The provisiond dashboard")
    assert '"use strict";' in script
    forbidden = r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function"
    assert re.findall(forbidden, script) == []
    assert re.findall(r"localStorage|sessionStorage|document\.cookie|indexedDB", script) == []


async def test_the_modules_import_only_served_modules(client: Client) -> None:
    """dashboard.js (the page's one script) reaches every other module, all from /static/."""
    reached, queue = set(), ["dashboard.js"]
    while queue:
        name = queue.pop()
        reached.add(name)
        script = (await client.as_(None).get(f"/static/{name}")).text
        for imported in IMPORT.findall(script):
            assert imported.startswith("./"), (name, imported)
            assert imported[2:] in dashboard.SCRIPTS, (name, imported)
            queue.extend({imported[2:]} - reached)
    assert reached == set(dashboard.SCRIPTS)


async def test_the_api_still_needs_a_token(client: Client) -> None:
    reply = await client.as_(None).get("/api/v1/accounts")
    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"] == "Bearer"
    assert (await client.get("/api/v1/accounts")).status == 200


async def test_the_routes_are_in_the_openapi_document(client: Client) -> None:
    paths = (await client.get("/api/v1/openapi.json")).json()["paths"]
    assert paths["/"]["get"]["security"] == []
    assert paths["/static/{name}"]["get"]["security"] == []
    name = paths["/static/{name}"]["parameters"][0]["schema"]
    assert name["enum"] == list(dashboard.ASSETS)
