"""The lab's NAS simulator as a client of a real RADIUS server: auth, accounting, and the
Stop it sends when a Disconnect ends one of its sessions."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from provisiond.lab.errors import LabError
from provisiond.lab.nas import NasSimulator
from provisiond.lab.nas_client import NoReplyError
from provisiond.lab.nas_requests import Usage
from provisiond.radius.digest import SharedSecret
from provisiond.radius.request import build_request
from provisiond.radius.wire import (
    ACCT_SESSION_ID,
    NAS_IDENTIFIER,
    USER_NAME,
    Code,
    encode_attribute,
)
from provisiond.store.sessions import SessionState
from tests.unit.radius import world

if TYPE_CHECKING:
    from provisiond.runtime.clock import FakeClock
    from provisiond.store.sessions import SessionRow
    from tests.integration.radius.conftest import Running


async def session_row(running: Running, session_id: str, username: str) -> SessionRow:
    (row,) = await running.server.sessions.find(("core", session_id, username))
    return row


async def test_connect_starts_a_session_with_the_access_accepts_attributes(
    running: Running, simulator: NasSimulator
) -> None:
    session = await simulator.connect("alice", world.ALICE_PASSWORD, "s1")

    assert session.rate_limit == "20M/100M"
    assert session.framed_ip == "100.64.0.10"
    assert session.attributes["Acct-Interim-Interval"] == "300"
    row = running.server.book.holder_of("100.64.0.10")
    assert row is not None
    assert (row.username, row.acct_session_id, row.account_id) == ("alice", "s1", world.ALICE.id)
    assert (row.nas_ip_address, row.nas_identifier) == ("127.0.0.1", "core")


async def test_pap_and_chap_answers_are_verified_replies(simulator: NasSimulator) -> None:
    assert (await simulator.access_chap("bob", world.BOB_PASSWORD)).code == Code.ACCESS_ACCEPT
    assert (await simulator.access_chap("bob", "wrong")).code == Code.ACCESS_REJECT
    assert (await simulator.access_pap("bob", "wrong")).code == Code.ACCESS_REJECT
    with pytest.raises(LabError, match="ACCESS_REJECT"):
        await simulator.connect("bob", "wrong", "s9")
    assert len(simulator.sessions) == 0


async def test_interim_and_stop_carry_64_bit_counters_and_the_cause(
    running: Running, simulator: NasSimulator
) -> None:
    await simulator.start_session("s1", "bob", framed_ip="100.64.1.5")
    usage = Usage(input_octets=5 * 2**32 + 7, output_octets=2**33, session_time=60)

    await simulator.interim("s1", usage)
    row = await session_row(running, "s1", "bob")
    assert (row.input_octets, row.output_octets, row.session_time) == (5 * 2**32 + 7, 2**33, 60)

    await simulator.stop_session("s1", cause="Lost-Carrier")
    row = await session_row(running, "s1", "bob")
    assert (row.state, row.terminate_cause) == (SessionState.CLOSED, "Lost-Carrier")
    assert simulator.session("s1") is None


async def test_accounting_on_closes_every_session_of_the_nas(
    running: Running, simulator: NasSimulator
) -> None:
    await simulator.start_session("s1", "bob")
    await simulator.start_session("s2", "alice", framed_ip="100.64.0.10")

    reply = await simulator.accounting_on()

    assert reply.code == Code.ACCOUNTING_RESPONSE
    assert len(running.server.book) == 0
    assert len(simulator.sessions) == 0


async def test_a_disconnect_it_applies_is_followed_by_a_stop(
    running: Running, simulator: NasSimulator
) -> None:
    await simulator.start_session("s1", "bob")
    attributes = (
        encode_attribute(USER_NAME, b"bob")
        + encode_attribute(ACCT_SESSION_ID, b"s1")
        + encode_attribute(NAS_IDENTIFIER, b"core")  # the simulator's (RFC 5176 §3)
    )
    request = build_request(
        Code.DISCONNECT_REQUEST, 7, SharedSecret(world.NAS_SECRET.encode()), attributes
    )
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0)
    )
    try:
        transport.sendto(request, simulator.address)
        await asyncio.wait_for(simulator.wait_received(1), 1)
    finally:
        transport.close()

    for _ in range(100):  # the Stop goes out in the background, after the ACK
        if len(running.server.book) == 0:
            break
        await asyncio.sleep(0.01)
    row = await session_row(running, "s1", "bob")
    assert (row.state, row.terminate_cause) == (SessionState.CLOSED, "Admin-Reset")


async def test_a_server_that_does_not_know_the_secret_never_answers(
    running: Running, clock: FakeClock
) -> None:
    async with NasSimulator(
        secret="not-the-secret",
        auth_server=running.auth,
        acct_server=running.acct,
        timeout=0.05,
        retries=1,
        clock=clock,
    ) as stranger:
        with pytest.raises(NoReplyError, match="after 2 tries"):
            await stranger.accounting("Start", "s1", "bob")
    assert running.drops("bad_authenticator") == 2
