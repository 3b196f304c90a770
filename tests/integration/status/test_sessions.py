"""`GET /api/v1/sessions` and `POST /api/v1/sessions/{id}/disconnect` (DESIGN.md §7).

The list runs over the real `SessionStore` on the test's SQLite store (and over a fake
view, to see what the handler asks for); disconnects go to a fake CoA sender.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any

import pytest

from provisiond.status import sessions as session_api
from provisiond.store.sessions import SessionState
from tests.integration.status.fakes import (
    FakeCoa,
    FakeSessions,
    session_row,
    store_sessions,
)
from tests.integration.status.support import ALICE, BOB, READER, Client

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import aiohttp

    from provisiond.runtime.clock import FakeClock
    from provisiond.status import StatusServer
    from provisiond.status.context import CoaControl, SessionsView
    from tests.integration.status.conftest import Daemon

SESSIONS = "/api/v1/sessions"
LAST_COA = {"at": "2026-03-01T12:04:00Z", "result": "nak", "error_cause": 404, "attempts": 3}
OVERRIDE = {"at": "2026-03-01T12:03:00Z", "attributes": [["Mikrotik-Rate-Limit", "5M/5M"]]}


@pytest.fixture
def connect(
    start_server: Callable[..., Awaitable[StatusServer]],
    daemon: Daemon,
    clock: FakeClock,
    session: aiohttp.ClientSession,
) -> Callable[..., Awaitable[Client]]:
    """A client of a server whose context has these sessions and CoA sides."""

    async def make(
        *, sessions: SessionsView | None = None, coa: CoaControl | None = None
    ) -> Client:
        api = dataclasses.replace(daemon.context(clock), sessions=sessions, coa=coa)
        server = await start_server(api=api)
        return Client(session, f"http://127.0.0.1:{server.bound_port}")

    return make


@pytest.fixture
async def stored(daemon: Daemon, connect: Callable[..., Awaitable[Client]]) -> Client:
    """Sessions 1-4 of account 7 (3 closed), 5 of account 8, 6 of no account."""
    rows = [
        session_row(1, last_coa=LAST_COA, external_override=OVERRIDE),
        session_row(2, framed_ipv6_prefix="2001:db8:0:2::/64", delegated_ipv6_prefix=None),
        session_row(3, state=SessionState.CLOSED, terminate_cause="User-Request"),
        session_row(4, input_octets=5 * 2**32 + 7, output_octets=2**63 - 1),
        session_row(5, account_id=8),
        session_row(6, account_id=None, username="unknown-mac"),
    ]
    return await connect(sessions=await store_sessions(daemon.store, rows))


def ids(reply_body: dict[str, Any]) -> list[int]:
    return [item["id"] for item in reply_body["items"]]


# -- the list over the real session table -------------------------------------------------


async def test_an_item_has_exactly_the_fields_of_the_contract(stored: Client) -> None:
    reply = await stored.get(f"{SESSIONS}?limit=1")
    assert reply.status == 200
    assert reply.json() == {
        "items": [
            {
                "id": 1,
                "username": "user1",
                "account_id": 7,
                "nas": "core-1",
                "acct_session_id": "81000001",
                "framed_ip": "100.64.0.1",
                "framed_ipv6_prefix": None,
                "delegated_ipv6_prefix": None,
                "started_at": "2026-03-01T12:00:00Z",
                "updated_at": "2026-03-01T12:05:30Z",
                "input_octets": 0,
                "output_octets": 0,
                "state": "open",
                "terminate_cause": None,
                # Only the keys §5 names, whatever else the sender recorded.
                "last_coa": {"at": "2026-03-01T12:04:00Z", "result": "nak", "error_cause": 404},
                "external_override": OVERRIDE,
            }
        ],
        "next_after": 1,
    }


async def test_the_default_is_the_open_sessions_by_id(stored: Client) -> None:
    body = (await stored.get(SESSIONS)).json()
    assert ids(body) == [1, 2, 4, 5, 6]
    assert body["next_after"] is None
    assert [item["last_coa"] for item in body["items"][1:]] == [None] * 4
    assert body["items"][2]["input_octets"] == 5 * 2**32 + 7  # 64-bit, Gigawords included
    assert body["items"][2]["output_octets"] == 2**63 - 1
    assert body["items"][4]["account_id"] is None
    assert ids((await stored.get(f"{SESSIONS}?state=open")).json()) == [1, 2, 4, 5, 6]


async def test_closed_sessions_on_request(stored: Client) -> None:
    body = (await stored.get(f"{SESSIONS}?state=closed")).json()
    assert ids(body) == [3]
    assert body["items"][0]["state"] == "closed"
    assert body["items"][0]["terminate_cause"] == "User-Request"


async def test_one_accounts_sessions(stored: Client) -> None:
    assert ids((await stored.get(f"{SESSIONS}?account_id=7")).json()) == [1, 2, 4]
    assert ids((await stored.get(f"{SESSIONS}?account_id=8")).json()) == [5]
    assert ids((await stored.get(f"{SESSIONS}?account_id=7&state=closed")).json()) == [3]
    assert (await stored.get(f"{SESSIONS}?account_id=999")).json() == {
        "items": [],
        "next_after": None,
    }


async def test_pages_by_id_without_skipping_or_repeating(stored: Client) -> None:
    first = (await stored.get(f"{SESSIONS}?limit=2")).json()
    assert (ids(first), first["next_after"]) == ([1, 2], 2)
    second = (await stored.get(f"{SESSIONS}?limit=2&after=2")).json()
    assert (ids(second), second["next_after"]) == ([4, 5], 5)
    last = (await stored.get(f"{SESSIONS}?limit=2&after=5")).json()
    assert (ids(last), last["next_after"]) == ([6], None)
    by_account = (await stored.get(f"{SESSIONS}?account_id=7&limit=1&after=1")).json()
    assert (ids(by_account), by_account["next_after"]) == ([2], 2)


async def test_items_match_the_openapi_document(stored: Client) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    document = (await stored.get("/api/v1/openapi.json")).json()
    ok = document["paths"][SESSIONS]["get"]["responses"]["200"]
    schema = ok["content"]["application/json"]["schema"]
    for query in ("", "?state=closed"):
        jsonschema.Draft202012Validator(schema).validate(
            (await stored.get(SESSIONS + query)).json()
        )


# -- the handler and its view ------------------------------------------------------------


async def test_the_query_reaches_the_view_and_its_next_after_comes_back(
    connect: Callable[..., Awaitable[Client]],
) -> None:
    view = FakeSessions([session_row(9)], next_after=9)
    client = await connect(sessions=view)
    body = (await client.get(f"{SESSIONS}?account_id=7&state=closed&after=3&limit=1")).json()
    assert (ids(body), body["next_after"]) == ([9], 9)
    await client.get(SESSIONS)
    assert view.asked == [
        {"account_id": 7, "state": "closed", "after": 3, "limit": 1},
        {"account_id": None, "state": "open", "after": None, "limit": 100},
    ]


async def test_without_radius_the_list_is_empty(client: Client) -> None:
    reply = await client.get(SESSIONS)
    assert reply.status == 200
    assert reply.json() == {"items": [], "next_after": None}


BAD_QUERIES = [
    ("limit=0", "limit"),
    ("limit=1001", "limit"),
    ("limit=ten", "limit"),
    ("after=1.5", "after"),
    ("account_id=x", "account_id"),
    ("account_id=0", "account_id"),
    ("account_id=-7", "account_id"),
    ("account_id=99999999999999999999", "account_id"),
    ("account_id=", "account_id"),
    ("state=live", "state"),
    ("state=OPEN", "state"),
    ("state=", "state"),
]


@pytest.mark.parametrize(("query", "field"), BAD_QUERIES)
async def test_a_bad_query_parameter_is_a_422_naming_it(
    connect: Callable[..., Awaitable[Client]], query: str, field: str
) -> None:
    view = FakeSessions([])
    for client in (await connect(sessions=view), await connect()):
        reply = await client.get(f"{SESSIONS}?{query}")
        assert reply.status == 422, query
        assert reply.error["field"] == field
    assert view.asked == []  # refused before reading


@pytest.mark.parametrize("token", [READER, BOB])
async def test_a_read_token_may_list(stored: Client, token: str) -> None:
    assert (await stored.as_(token).get(SESSIONS)).status == 200


async def test_the_list_needs_a_token(stored: Client) -> None:
    reply = await stored.as_(None).get(SESSIONS)
    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"] == "Bearer"
    assert (await stored.as_("wrong").get(SESSIONS)).status == 401


# -- disconnect --------------------------------------------------------------------------


def disconnect_path(session_id: object) -> str:
    return session_api.DISCONNECT_PATH.format(id=session_id)


async def test_a_disconnect_is_queued_with_202(
    connect: Callable[..., Awaitable[Client]], caplog: pytest.LogCaptureFixture
) -> None:
    coa = FakeCoa(open_ids={5})
    client = await connect(coa=coa)
    with caplog.at_level(logging.INFO, logger="provisiond.status.sessions"):
        reply = await client.as_(ALICE).post(disconnect_path(5))
    assert reply.status == 202
    assert reply.json() == {"session_id": 5, "disconnect": "queued"}
    assert coa.disconnected == [5]
    assert "Disconnect of session 5 requested by alice" in caplog.messages


async def test_a_disconnect_ignores_a_body(connect: Callable[..., Awaitable[Client]]) -> None:
    coa = FakeCoa(open_ids={5})
    client = await connect(coa=coa)
    assert (await client.post(disconnect_path(5), {"reason": "x"})).status == 202
    assert coa.disconnected == [5]


async def test_no_open_session_with_that_id_is_a_404(
    connect: Callable[..., Awaitable[Client]],
) -> None:
    coa = FakeCoa(open_ids={5})
    reply = await (await connect(coa=coa)).post(disconnect_path(6))
    assert reply.status == 404
    assert reply.error == {"message": "no open session 6", "field": None}
    assert coa.disconnected == []


@pytest.mark.parametrize("segment", ["abc", "0", "-5", "1.0", "99999999999999999999"])
async def test_an_id_that_cannot_be_one_is_a_404_before_the_sender_is_asked(
    connect: Callable[..., Awaitable[Client]], segment: str
) -> None:
    coa = FakeCoa(open_ids={5})
    reply = await (await connect(coa=coa)).post(disconnect_path(segment))
    assert reply.status == 404
    assert coa.disconnected == []


async def test_without_a_coa_sender_a_disconnect_is_a_503_that_says_so(client: Client) -> None:
    reply = await client.post(disconnect_path(5))
    assert reply.status == 503
    assert reply.error == {
        "message": "no CoA sender is running: cannot disconnect a session",
        "field": None,
    }


@pytest.mark.parametrize("token", [READER, BOB])
async def test_a_read_token_may_not_disconnect(
    connect: Callable[..., Awaitable[Client]], token: str
) -> None:
    coa = FakeCoa(open_ids={5})
    reply = await (await connect(coa=coa)).as_(token).post(disconnect_path(5))
    assert reply.status == 403
    assert reply.error["message"] == "this token may only read"
    assert coa.disconnected == []


async def test_a_disconnect_needs_a_token(connect: Callable[..., Awaitable[Client]]) -> None:
    coa = FakeCoa(open_ids={5})
    assert (await (await connect(coa=coa)).as_(None).post(disconnect_path(5))).status == 401
    assert coa.disconnected == []


async def test_disconnect_takes_post_only(connect: Callable[..., Awaitable[Client]]) -> None:
    reply = await (await connect(coa=FakeCoa(open_ids={5}))).get(disconnect_path(5))
    assert reply.status == 405
    assert reply.headers["Allow"] == "POST"
