"""Accounting over loopback UDP: durable sessions, the counter rules, and stale sessions."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from provisiond.model.device_state import SessionAddress
from provisiond.radius.wire import Code
from provisiond.store.sessions import SessionState
from tests.unit.radius import world

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from provisiond.runtime.clock import FakeClock
    from provisiond.store.sessions import SessionRow
    from tests.integration.radius.conftest import Running
    from tests.integration.radius.nas import FakeNas


async def answered(running: Running, nas: FakeNas, request: bytes) -> None:
    reply = await nas.ask(running.acct, request)
    assert reply is not None
    assert reply.code == Code.ACCOUNTING_RESPONSE


async def rows(running: Running, session_id: str, username: str) -> list[SessionRow]:
    return await running.server.sessions.find(("core", session_id, username))


def listed(running: Running) -> dict[str, int]:
    """The session addresses on the address list, by owner (what the device sync pushes)."""
    desired = running.engine.desired("core")
    return {entry.address: entry.account_id for entry in desired.addresses.values()}


async def test_start_interim_stop_are_committed_before_the_answer(
    running: Running, nas: FakeNas
) -> None:
    start = nas.accounting("Start", "s1", "bob", ("Framed-IP-Address", "100.64.1.5"))
    await answered(running, nas, start)
    (row,) = await rows(running, "s1", "bob")  # the answer came: the row is on disk
    assert row.state is SessionState.OPEN
    assert row.account_id == world.BOB.id
    assert row.framed_ip == "100.64.1.5"
    assert row.last_applied is not None
    assert ("Acct-Interim-Interval", "300") in row.last_applied

    interim = nas.accounting(
        "Interim-Update",
        "s1",
        "bob",
        ("Acct-Input-Octets", 10),
        ("Acct-Input-Gigawords", 1),
        ("Acct-Output-Octets", 7),
        ("Acct-Session-Time", 60),
    )
    await answered(running, nas, interim)
    (row,) = await rows(running, "s1", "bob")
    assert (row.input_octets, row.output_octets, row.session_time) == (2**32 + 10, 7, 60)

    stop = nas.accounting(
        "Stop", "s1", "bob", ("Acct-Session-Time", 90), ("Acct-Terminate-Cause", "User-Request")
    )
    await answered(running, nas, stop)
    (row,) = await rows(running, "s1", "bob")
    assert row.state is SessionState.CLOSED
    assert row.terminate_cause == "User-Request"
    assert row.input_octets == 2**32 + 10  # a Stop without counters keeps them
    bob = world.BOB.id
    address = SessionAddress(bob, "core", ipaddress.ip_network("100.64.1.5/32"))
    assert running.changes == [(bob, (address,)), (bob, ())]


async def test_accounting_for_an_unknown_user_is_stored_too(running: Running, nas: FakeNas) -> None:
    await answered(running, nas, nas.accounting("Interim-Update", "x", "stranger"))
    (row,) = await rows(running, "x", "stranger")
    assert row.account_id is None
    assert row.state is SessionState.OPEN
    assert running.changes == []


async def test_a_retransmitted_accounting_request_is_answered_once_stored_once(
    running: Running, nas: FakeNas
) -> None:
    request = nas.accounting("Start", "s1", "bob")
    first = await nas.exchange(running.acct, request)
    second = await nas.exchange(running.acct, request)
    assert first is not None
    assert second == first
    assert len(await rows(running, "s1", "bob")) == 1


async def test_an_ip_reused_after_a_nas_reboot_follows_the_new_owner(
    running: Running, nas: FakeNas
) -> None:
    ip = ("Framed-IP-Address", "100.64.1.5")
    await answered(running, nas, nas.accounting("Start", "a-1", "alice", ip))
    assert listed(running)["100.64.1.5"] == world.ALICE.id
    # The NAS reboots without Stops; its pool hands the same address to Bob.
    await answered(running, nas, nas.accounting("Start", "b-1", "bob", ip))
    assert listed(running)["100.64.1.5"] == world.BOB.id
    (alice,) = await rows(running, "a-1", "alice")
    assert alice.state is SessionState.CLOSED
    assert alice.terminate_cause == "Stale"
    assert running.changes[-2:] == [
        (world.ALICE.id, ()),
        (world.BOB.id, (SessionAddress(2, "core", ipaddress.ip_network("100.64.1.5/32")),)),
    ]


async def test_accounting_on_closes_the_nas_sessions(running: Running, nas: FakeNas) -> None:
    await answered(running, nas, nas.accounting("Start", "s1", "bob"))
    await answered(running, nas, nas.accounting("Start", "s2", "alice"))
    await answered(running, nas, nas.accounting_nas("Accounting-On"))
    assert running.server.open_session_addresses() == []
    for session_id, user in (("s1", "bob"), ("s2", "alice")):
        (row,) = await rows(running, session_id, user)
        assert row.terminate_cause == "Stale"


async def test_the_sweep_closes_sessions_silent_for_stale_after(
    start_server: Callable[..., Awaitable[Running]], nas: FakeNas, clock: FakeClock
) -> None:
    running = await start_server(stale_after=600.0)
    await answered(running, nas, nas.accounting("Start", "s1", "bob"))
    await clock.advance(300)
    await answered(running, nas, nas.accounting("Start", "s2", "alice"))
    assert await running.server.sweep(clock.now()) == 0
    await clock.advance(400)
    assert await running.server.sweep(clock.now()) == 1
    (bob,) = await rows(running, "s1", "bob")
    assert bob.state is SessionState.CLOSED
    (alice,) = await rows(running, "s2", "alice")
    assert alice.state is SessionState.OPEN


async def test_a_restart_loads_the_open_sessions(
    start_server: Callable[..., Awaitable[Running]], nas: FakeNas
) -> None:
    first = await start_server()
    start = nas.accounting("Start", "s1", "alice", ("Framed-IP-Address", "100.64.0.10"))
    await answered(first, nas, start)
    await first.server.stop()
    second = await start_server()
    assert [a.account_id for a in second.server.open_session_addresses()] == [world.ALICE.id]
    # The session continues: its Stop closes the stored row, no new one is made.
    await answered(second, nas, nas.accounting("Stop", "s1", "alice"))
    (row,) = await rows(second, "s1", "alice")
    assert row.state is SessionState.CLOSED
