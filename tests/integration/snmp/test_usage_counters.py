"""Queue counters polled from snmpsim become usage: `SnmpPoller.queue_counters` into
`UsageService.queue_counters`, as the daemon wires them."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest_asyncio

from provisiond.drivers.snmp_counters import reboot_detected
from provisiond.runtime.clock import FakeClock
from provisiond.store import Store
from tests.integration.usage.conftest import START, World

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from provisiond.drivers.snmp import SnmpPoller
    from tests.integration.snmp.conftest import Agent


@pytest_asyncio.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    clock = FakeClock(START)
    store = await Store.open(f"sqlite:///{tmp_path}/provisiond.db", clock=clock)
    try:
        async with World(store, clock) as made:
            yield made
    finally:
        await store.close()


async def test_polled_queue_counters_count_for_their_accounts_across_a_reboot(
    agent: Agent, poller: SnmpPoller, world: World
) -> None:
    usage = await world.start()
    before, after = agent.target("mikrotik"), agent.target("mikrotik-rebooted")
    first_ticks = await poller.uptime(before)
    first = await poller.queue_counters(before)
    assert await usage.queue_counters("lab-router", START, first) == 0  # the baseline

    # The router rebooted: every counter restarted from zero (mikrotik-rebooted.snmprec).
    rebooted = reboot_detected(first_ticks, await poller.uptime(after))
    second = await poller.queue_counters(after)
    at = START + timedelta(minutes=5)
    assert await usage.queue_counters("lab-router", at, second, reset=rebooted) == 2
    assert usage.usage(1001)["billable_in_bytes"] == 65_536  # download is `in`
    assert usage.usage(1001)["billable_out_bytes"] == 2_048
    assert usage.usage(1003)["billable_in_bytes"] == 200
    assert usage.usage(1002)["billable_in_bytes"] == 0  # gone from the table: nothing

    # The counters (2**64 - 1 among them, beyond a signed BIGINT) were stored: a restart
    # compares the next poll with them and counts nothing new.
    await world.stop(usage)
    usage = await world.start()
    again = START + timedelta(minutes=10)
    assert await usage.queue_counters("lab-router", again, second) == 0
    assert usage.usage(1001)["billable_in_bytes"] == 65_536
