"""Every fault knob of the lab router, seen from a client."""

from __future__ import annotations

import asyncio
import logging
import random
from typing import TYPE_CHECKING

import pytest
from librouteros.exceptions import ConnectionClosed, FatalError, TrapError

from provisiond.lab.menus import ADDRESS_LIST, SIMPLE_QUEUE
from provisiond.lab.wire import encode_sentence
from tests.integration.lab.raw import RawClient, tag_of
from tests.integration.lab.ros import PASSWORD, Client

if TYPE_CHECKING:
    from provisiond.lab import LabRouter
    from provisiond.runtime.clock import FakeClock


async def test_latency_delays_every_command(router: LabRouter, client: Client) -> None:
    router.set_latency(0.05)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await client.print(ADDRESS_LIST)
    await client.add(ADDRESS_LIST, list="a", address="10.0.0.1")
    assert loop.time() - started >= 0.1


async def test_writes_queue_behind_one_writer_across_connections(router: LabRouter) -> None:
    router.set_latency(0.0, write_time=0.02)
    clients = [await RawClient.connect(router.port) for _ in range(2)]
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        for n, client in enumerate(clients):
            await client.send_bytes(
                b"".join(
                    encode_sentence(
                        [f"{ADDRESS_LIST}/add", "=list=a", f"=address=10.{n}.0.{i}", f".tag={i}"]
                    )
                    for i in range(5)
                )
            )
        for client in clients:
            for i in range(5):
                await client.read_until_done(str(i))
        assert loop.time() - started >= 10 * 0.02 * 0.9
        assert router.stats.writes == 10
        # Reads do not queue behind writes.
        started = loop.time()
        await clients[0].command("/system/identity/print")
        assert loop.time() - started < 0.1
    finally:
        for client in clients:
            await client.close()


async def test_max_in_flight_limits_concurrency(router: LabRouter) -> None:
    router.set_latency(0.05, max_in_flight=2)
    client = await RawClient.connect(router.port)
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        await client.send_bytes(
            b"".join(encode_sentence(["/system/identity/print", f".tag={n}"]) for n in range(6))
        )
        done = 0
        while done < 6:
            done += (await client.read())[0] == "!done"
        assert loop.time() - started >= 3 * 0.05 * 0.9
    finally:
        await client.close()


async def test_drop_after_received_sentences(router: LabRouter, client: Client) -> None:
    router.drop_after(2)
    await client.add(ADDRESS_LIST, list="a", address="10.0.0.1")
    await client.add(ADDRESS_LIST, list="a", address="10.0.0.2")
    with pytest.raises(ConnectionClosed):
        await client.add(ADDRESS_LIST, list="a", address="10.0.0.3")
    assert [row["address"] for row in router.table(ADDRESS_LIST)] == ["10.0.0.1", "10.0.0.2"]
    # The fault fires once: the next connection is served.
    again = await Client.connect(router)
    try:
        assert len(await again.print(ADDRESS_LIST)) == 2
    finally:
        await again.close()


async def test_drop_after_sent_sentences_cuts_a_print_short(
    router: LabRouter, client: Client
) -> None:
    for n in range(10):
        router.add_foreign(ADDRESS_LIST, list="a", address=f"10.0.0.{n}")
    raw = await RawClient.connect(router.port)
    try:
        router.drop_after(3, count="sent")
        await raw.send(f"{ADDRESS_LIST}/print")
        assert [(await raw.read())[0] for _ in range(3)] == ["!re", "!re", "!re"]
        assert await raw.closed_by_peer()
    finally:
        await raw.close()
    assert len(await client.print(ADDRESS_LIST)) == 10


async def test_refused_connections_are_closed_after_accept(router: LabRouter) -> None:
    router.refuse_connections()
    with pytest.raises((ConnectionClosed, ConnectionError)):
        await Client.connect(router)
    router.refuse_connections(enabled=False)
    client = await Client.connect(router)
    await client.close()


async def test_a_router_that_stops_listening_refuses_then_comes_back(router: LabRouter) -> None:
    port = router.port
    client = await Client.connect(router)
    await router.stop_listening()
    assert not router.listening
    with pytest.raises(ConnectionRefusedError):
        await Client.connect(router)
    # A connection opened before goes on working.
    assert await client.print(SIMPLE_QUEUE) == []
    await client.close()
    await router.resume_listening()
    assert router.port == port
    client = await Client.connect(router)
    await client.close()


async def test_reboot_renumbers_clears_dynamic_resets_uptime_and_drops_connections(
    router: LabRouter, client: Client, clock: FakeClock
) -> None:
    static = [await client.add(ADDRESS_LIST, list="a", address=f"10.0.0.{n}") for n in range(3)]
    await client.add(ADDRESS_LIST, list="a", address="10.0.0.99", timeout="1h")
    router.add_dynamic(SIMPLE_QUEUE, name="<pppoe-carol>", target="100.64.0.40")
    queue = await client.add(SIMPLE_QUEUE, name="p-1", target="100.64.0.41")
    await clock.advance(600)
    created = router.table(ADDRESS_LIST)[0]["creation-time"]

    await router.reboot()

    with pytest.raises((ConnectionClosed, ConnectionError)):
        await client.print(ADDRESS_LIST)
    fresh = await Client.connect(router)
    try:
        rows = await fresh.print(ADDRESS_LIST, ".id", "address", "creation-time")
        assert [row["address"] for row in rows] == ["10.0.0.0", "10.0.0.1", "10.0.0.2"]
        assert not {row[".id"] for row in rows} & {*static, queue}
        assert rows[0]["creation-time"] == created
        assert [row["name"] for row in await fresh.print(SIMPLE_QUEUE, "name")] == ["p-1"]
        (resource,) = await fresh.print("/system/resource", "uptime")
        assert resource["uptime"] == "0s"
        with pytest.raises(TrapError, match="no such item"):
            await fresh.remove(ADDRESS_LIST, static[0])
    finally:
        await fresh.close()


async def test_reboot_may_reuse_ids_for_other_entries(router: LabRouter, client: Client) -> None:
    first = await client.add(ADDRESS_LIST, list="a", address="10.0.0.1")
    await client.add(ADDRESS_LIST, list="a", address="10.0.0.2")
    await client.remove(ADDRESS_LIST, first)
    await router.reboot(restart_ids=True)
    # The old `.id` of the removed entry now names the surviving one.
    assert router.table(ADDRESS_LIST)[0][".id"] == first


async def test_an_injected_trap_hits_the_next_matching_add_only(
    router: LabRouter, client: Client
) -> None:
    router.inject_trap(ADDRESS_LIST, message="failure: out of memory", where={"list": "blocked"})
    await client.add(ADDRESS_LIST, list="other", address="10.0.0.1")
    with pytest.raises(TrapError, match="out of memory"):
        await client.add(ADDRESS_LIST, list="blocked", address="10.0.0.2")
    await client.add(ADDRESS_LIST, list="blocked", address="10.0.0.2")
    assert len(router.table(ADDRESS_LIST)) == 2
    assert router.stats.traps == 1


async def test_an_injected_fatal_closes_the_connection(router: LabRouter, client: Client) -> None:
    router.inject_fatal(SIMPLE_QUEUE, message="out of sessions")
    await client.print(ADDRESS_LIST)
    with pytest.raises(FatalError, match="out of sessions"):
        await client.print(SIMPLE_QUEUE)


async def test_clear_faults_restores_a_healthy_router(router: LabRouter, client: Client) -> None:
    router.set_latency(5.0)
    router.inject_trap(ADDRESS_LIST, message="nope", times=None)
    router.clear_faults()
    await client.add(ADDRESS_LIST, list="a", address="10.0.0.1")


@pytest.mark.parametrize("login", [False, True])
async def test_garbage_closes_that_connection_and_others_go_on(
    router: LabRouter, client: Client, caplog: pytest.LogCaptureFixture, *, login: bool
) -> None:
    caplog.set_level(logging.ERROR)
    rng = random.Random(1984 + login)  # noqa: S311 - fuzz input, not a secret
    for _ in range(20):
        victim = await RawClient.connect(router.port, login=login)
        try:
            await victim.send_bytes(rng.randbytes(rng.randint(1, 4096)))
            if not await victim.closed_by_peer(within=0.05):
                # Garbage that announced a long word: the router waits for the rest,
                # and closes once the peer gives up.
                victim.write_eof()
                assert await victim.closed_by_peer()
        finally:
            await victim.close()
    assert await client.add(ADDRESS_LIST, list="a", address="10.0.0.1") == "*1"
    assert not caplog.records  # no handler or command died on the way


async def test_a_reserved_control_byte_closes_the_connection(router: LabRouter) -> None:
    victim = await RawClient.connect(router.port)
    try:
        await victim.send_bytes(b"\xf8")
        assert await victim.closed_by_peer()
    finally:
        await victim.close()


async def test_stats_count_connections_and_commands(router: LabRouter) -> None:
    raw = await RawClient.connect(router.port)
    try:
        await raw.send("/system/identity/print", ".tag=1")
        assert tag_of((await raw.read_until_done("1"))[-1]) == "1"
    finally:
        await raw.close()
    assert (router.stats.connections, router.stats.logins, router.stats.commands) == (1, 1, 1)


async def test_stop_leaves_nothing_running(router: LabRouter) -> None:
    router.set_latency(10.0)
    raw = await RawClient.connect(router.port, login=False)
    await raw.send("/login", "=name=admin", f"=password={PASSWORD}")
    await asyncio.sleep(0.05)
    await router.stop()
    assert await raw.closed_by_peer()
    await raw.close()
