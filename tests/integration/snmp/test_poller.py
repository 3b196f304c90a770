"""SnmpPoller against snmpsim serving tests/data/snmp over loopback."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from provisiond.config.settings import SnmpVersion
from provisiond.drivers.errors import PermanentDriverError, TemporaryDriverError
from provisiond.drivers.snmp import SnmpPoller
from provisiond.drivers.snmp_counters import (
    QueueCounters,
    QueueDelta,
    queue_deltas,
    reboot_detected,
)
from tests.integration.snmp.conftest import SHORT_TIMEOUT, free_udp_port

if TYPE_CHECKING:
    from tests.integration.snmp.conftest import Agent

# mikrotik.snmprec: mtxrQueueSimpleBytesOut (.9) is the download, BytesIn (.8) the upload.
QUEUES = {
    "provisiond-1001": QueueCounters(download_bytes=52_000_000_000, upload_bytes=1_500_000_000),
    "provisiond-1002": QueueCounters(download_bytes=0, upload_bytes=0),
    "guest-wifi": QueueCounters(download_bytes=123_456_789, upload_bytes=987_654_321),
    "provisiond-1003": QueueCounters(
        download_bytes=2**64 - 1, upload_bytes=18_446_744_073_709_551_000
    ),
}


@pytest.mark.parametrize("version", [SnmpVersion.V1, SnmpVersion.V2C])
async def test_uptime_is_sys_uptime_in_ticks(
    agent: Agent, poller: SnmpPoller, version: SnmpVersion
) -> None:
    assert await poller.uptime(agent.target("mikrotik", version=version)) == 123_456_789


async def test_queue_table_walk_maps_columns_to_directions(
    agent: Agent, poller: SnmpPoller
) -> None:
    assert await poller.queue_counters(agent.target("mikrotik")) == QUEUES


async def test_walk_spanning_many_bulk_requests_stops_at_the_column_end(agent: Agent) -> None:
    poller = SnmpPoller(max_repetitions=1)
    try:
        assert await poller.queue_counters(agent.target("mikrotik")) == QUEUES
    finally:
        poller.close()


async def test_agent_without_mikrotik_mib_has_no_queues(agent: Agent, poller: SnmpPoller) -> None:
    target = agent.target("no-queues")
    assert await poller.queue_counters(target) == {}
    assert await poller.uptime(target) == 8_640_000


async def test_queue_counters_over_snmpv1_is_a_configuration_error(
    agent: Agent, poller: SnmpPoller
) -> None:
    with pytest.raises(PermanentDriverError, match="version 2c"):
        await poller.queue_counters(agent.target("mikrotik", version=SnmpVersion.V1))


@pytest.mark.parametrize("version", [SnmpVersion.V1, SnmpVersion.V2C])
async def test_wrong_community_times_out_as_a_temporary_error(
    agent: Agent, poller: SnmpPoller, version: SnmpVersion
) -> None:
    # Retries share the timeout rather than multiply it: four attempts of 0.25 s each
    # answer in about 1 s, where four attempts of the whole timeout would take 4 s. The
    # bound sits between the two, far from both, so a loaded machine does not flake it.
    target = agent.target("not-the-community", version=version, timeout=1.0, retries=3)
    started = time.monotonic()
    with pytest.raises(TemporaryDriverError, match="no answer") as raised:
        await poller.uptime(target)
    assert time.monotonic() - started < 2.5
    assert "not-the-community" not in str(raised.value)
    with pytest.raises(TemporaryDriverError, match="no answer"):
        await poller.queue_counters(agent.target("not-the-community", timeout=SHORT_TIMEOUT))


async def test_dead_port_times_out_as_a_temporary_error(agent: Agent, poller: SnmpPoller) -> None:
    target = agent.target("mikrotik", port=free_udp_port(), timeout=SHORT_TIMEOUT)
    with pytest.raises(TemporaryDriverError, match=r"lab-router \(127\.0\.0\.1:\d+\)"):
        await poller.uptime(target)
    with pytest.raises(TemporaryDriverError):
        await poller.queue_counters(target)


async def test_poller_recovers_after_a_timeout(agent: Agent, poller: SnmpPoller) -> None:
    with pytest.raises(TemporaryDriverError):
        await poller.uptime(agent.target("mikrotik", port=free_udp_port(), timeout=SHORT_TIMEOUT))
    assert await poller.uptime(agent.target("mikrotik")) == 123_456_789


async def test_reboot_is_detected_and_counters_restart_from_zero(
    agent: Agent, poller: SnmpPoller
) -> None:
    before, after = agent.target("mikrotik"), agent.target("mikrotik-rebooted")
    first_uptime, first_queues = await poller.uptime(before), await poller.queue_counters(before)
    second_uptime = await poller.uptime(after)
    second_queues = await poller.queue_counters(after)

    rebooted = reboot_detected(first_uptime, second_uptime)

    assert rebooted
    assert queue_deltas(first_queues, second_queues, reset=rebooted) == {
        "provisiond-1001": QueueDelta(download_bytes=65_536, upload_bytes=2_048),
        "guest-wifi": QueueDelta(download_bytes=0, upload_bytes=0),
        "provisiond-1003": QueueDelta(download_bytes=200, upload_bytes=100),
    }


async def test_same_router_polled_twice_is_no_reboot(agent: Agent, poller: SnmpPoller) -> None:
    target = agent.target("mikrotik")
    first, second = await poller.uptime(target), await poller.uptime(target)
    first_queues = await poller.queue_counters(target)
    second_queues = await poller.queue_counters(target)

    assert not reboot_detected(first, second)
    assert set(queue_deltas(first_queues, second_queues).values()) == {
        QueueDelta(download_bytes=0, upload_bytes=0)
    }
