"""The CoA sender against the lab's NAS simulator, which behaves like a MikroTik: a CoA
changes the live session's attributes, a Disconnect ends it and sends the Stop. ACK,
NAK and silence, the last two leading to the Disconnect fallback (DESIGN.md §5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest_asyncio

from provisiond.radius.coa_requester import CoaTarget
from provisiond.radius.digest import SharedSecret
from tests.integration.radius.lab_sender import slow_alice_down, started_sender, until
from tests.unit.radius import world

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from provisiond.lab.nas import NasSimulator
    from provisiond.radius.coa_sender import CoaSender
    from provisiond.runtime.clock import FakeClock
    from provisiond.store import Store
    from tests.integration.radius.conftest import Running

FULL, SLOW = "20M/100M", "512k/1500k"  # world's services 1 and 2, upload first


@pytest_asyncio.fixture
async def sender(
    running: Running, simulator: NasSimulator, clock: FakeClock, store: Store
) -> AsyncIterator[CoaSender]:
    host, port = simulator.address
    target = CoaTarget("core", host, port, SharedSecret(world.NAS_SECRET.encode()))
    async with started_sender(running, target, clock, store, retries=2) as coa:
        yield coa


async def alice_online(running: Running, simulator: NasSimulator) -> None:
    session = await simulator.connect("alice", world.ALICE_PASSWORD, "s1")
    assert session.rate_limit == FULL
    await until(lambda: running.server.book.get(("core", "s1", "alice")) is not None)


async def test_an_ack_changes_the_live_session_without_a_redial(
    running: Running, simulator: NasSimulator, sender: CoaSender
) -> None:
    await alice_online(running, simulator)
    slow_alice_down(running, sender)
    request = await simulator.wait_received(1)
    assert request.kind == "coa"
    assert request.get("Mikrotik-Rate-Limit") == SLOW
    await sender.drained()
    session = simulator.session("s1")
    assert session is not None
    assert session.rate_limit == SLOW
    row = running.server.book.get(("core", "s1", "alice"))
    assert row is not None
    assert row.last_coa is not None
    assert row.last_coa["result"] == "ack"
    assert row.last_applied is not None
    assert ("Mikrotik-Rate-Limit", SLOW) in row.last_applied


async def test_a_nak_that_the_nas_cannot_apply_falls_back_to_a_disconnect(
    running: Running, simulator: NasSimulator, sender: CoaSender
) -> None:
    await alice_online(running, simulator)
    simulator.behave("coa", "nak:404")  # Invalid Request: the fallback, at once
    slow_alice_down(running, sender)
    first, second = await simulator.wait_received(1), await simulator.wait_received(2)
    assert (first.kind, first.error_cause) == ("coa", 404)
    assert second.kind == "disconnect"
    # The simulator ends the session and sends its Stop, as a MikroTik does.
    await until(lambda: running.server.book.get(("core", "s1", "alice")) is None)
    assert simulator.session("s1") is None


async def test_silence_is_retried_then_the_session_is_disconnected(
    running: Running, simulator: NasSimulator, sender: CoaSender, clock: FakeClock
) -> None:
    await alice_online(running, simulator)
    simulator.behave("coa", "silence")
    slow_alice_down(running, sender)
    for attempt in (1, 2, 3):  # the first try and `retries` = 2 retransmissions
        await simulator.wait_received(attempt)
        await clock.advance(2.0)
    fallback = await simulator.wait_received(4)
    assert fallback.kind == "disconnect"
    assert [r.kind for r in simulator.received] == ["coa", "coa", "coa", "disconnect"]
    await until(lambda: running.server.book.get(("core", "s1", "alice")) is None)
