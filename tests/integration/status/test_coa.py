"""`GET /api/v1/coa/held` and `POST /api/v1/coa/approve`: the Disconnect breaker (§5, §7)."""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING

import pytest

from provisiond.status import coa as coa_api
from tests.integration.status.fakes import FakeCoa, held_row
from tests.integration.status.support import ALICE, BOB, READER, Client

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import aiohttp

    from provisiond.runtime.clock import FakeClock
    from provisiond.status import StatusServer
    from tests.integration.status.conftest import Daemon

HELD = coa_api.HELD_PATH
APPROVE = coa_api.APPROVE_PATH


@pytest.fixture
def sender() -> FakeCoa:
    return FakeCoa(holding=[held_row(3), held_row(9)])


@pytest.fixture
async def breaker(
    start_server: Callable[..., Awaitable[StatusServer]],
    daemon: Daemon,
    clock: FakeClock,
    session: aiohttp.ClientSession,
    sender: FakeCoa,
) -> Client:
    api = dataclasses.replace(daemon.context(clock), coa=sender)
    server = await start_server(api=api)
    return Client(session, f"http://127.0.0.1:{server.bound_port}")


async def test_the_held_disconnects_are_listed_whole(breaker: Client) -> None:
    reply = await breaker.get(HELD)
    assert reply.status == 200
    assert reply.json() == {"items": [held_row(3), held_row(9)], "next_after": None}


async def test_the_held_list_matches_the_openapi_document(breaker: Client) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    document = (await breaker.get("/api/v1/openapi.json")).json()
    ok = document["paths"][HELD]["get"]["responses"]["200"]
    schema = ok["content"]["application/json"]["schema"]
    jsonschema.Draft202012Validator(schema).validate((await breaker.get(HELD)).json())


async def test_approve_releases_every_held_disconnect_once(
    breaker: Client, sender: FakeCoa, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="provisiond.status.coa"):
        reply = await breaker.as_(ALICE).post(APPROVE)
    assert reply.status == 200
    assert reply.json() == {"released": 2}
    assert sender.released == [held_row(3), held_row(9)]
    assert "2 held Disconnects released by alice" in caplog.messages
    assert (await breaker.get(HELD)).json() == {"items": [], "next_after": None}
    again = await breaker.post(APPROVE)
    assert (again.status, again.json()) == (200, {"released": 0})
    assert sender.released == [held_row(3), held_row(9)]


@pytest.mark.parametrize("token", [READER, BOB])
async def test_a_read_token_may_list_but_not_approve(
    breaker: Client, sender: FakeCoa, token: str
) -> None:
    reader = breaker.as_(token)
    assert (await reader.get(HELD)).status == 200
    reply = await reader.post(APPROVE)
    assert reply.status == 403
    assert reply.error["message"] == "this token may only read"
    assert sender.released == []
    assert len(sender.holding) == 2


async def test_both_need_a_token(breaker: Client, sender: FakeCoa) -> None:
    anonymous = breaker.as_(None)
    assert (await anonymous.get(HELD)).status == 401
    assert (await anonymous.post(APPROVE)).status == 401
    assert sender.released == []


async def test_without_a_coa_sender_nothing_is_held_and_approve_is_a_503(client: Client) -> None:
    assert (await client.get(HELD)).json() == {"items": [], "next_after": None}
    reply = await client.post(APPROVE)
    assert reply.status == 503
    assert reply.error == {
        "message": "no CoA sender is running: cannot release held Disconnects",
        "field": None,
    }


async def test_each_path_has_one_method(breaker: Client, sender: FakeCoa) -> None:
    assert (await breaker.post(HELD)).status == 405
    assert (await breaker.get(APPROVE)).status == 405
    assert sender.released == []
