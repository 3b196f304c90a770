from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from provisiond.app.reboots import RebootWatch
from provisiond.config import DeviceSettings, Platform, SnmpSettings
from provisiond.drivers.errors import TemporaryDriverError
from provisiond.drivers.snmp_counters import QueueCounters
from provisiond.model.secret import Secret

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping
    from datetime import datetime

    from provisiond.app.reboots import Counted
    from provisiond.drivers.snmp import SnmpTarget
    from provisiond.runtime.clock import FakeClock


class ScriptedPoller:
    """sysUpTime answers in order; an exception instance is raised instead."""

    def __init__(self, answers: list[int | Exception]) -> None:
        self.answers = answers
        self.asked: list[str] = []
        self.counted: list[str] = []
        self.closed = False

    async def uptime(self, target: SnmpTarget) -> int:
        self.asked.append(target.name)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def queue_counters(self, target: SnmpTarget) -> dict[str, QueueCounters]:
        self.counted.append(target.name)
        return {
            "provisiond-7": QueueCounters(download_bytes=1000 * len(self.counted), upload_bytes=10)
        }

    def close(self) -> None:
        self.closed = True


INTERVAL = 30  # seconds between polls


async def ignore_reboot(name: str) -> None:
    del name


def scripted_watch(
    clock: FakeClock,
    poller: ScriptedPoller,
    *devices: DeviceSettings,
    on_reboot: Callable[[str], Awaitable[None]] = ignore_reboot,
    on_counters: Counted | None = None,
) -> RebootWatch:
    return RebootWatch(
        devices=devices,
        clock=clock,
        on_reboot=on_reboot,
        interval=INTERVAL,
        poller=lambda: poller,
        on_counters=on_counters,
    )


async def run_polls(watch: RebootWatch, clock: FakeClock, polls: int) -> None:
    """Run the watch through `polls` polls on the fake clock, then stop it."""
    task = asyncio.create_task(watch.run())
    for _ in range(polls):
        await clock.advance(INTERVAL)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def device(name: str, *, snmp: bool = True, queues: bool = False) -> DeviceSettings:
    return DeviceSettings(
        name=name,
        platform=Platform.NONE,
        host="127.0.0.1",
        snmp=SnmpSettings(community=Secret("public")) if snmp else None,
        queues=queues,
    )


async def test_a_reboot_is_reported_once_and_a_failed_poll_is_a_gap(clock: FakeClock) -> None:
    # 500 ticks = 5 s up, then 600, then a failed poll, then back to 100: a reboot.
    poller = ScriptedPoller([500, 600, TemporaryDriverError("timeout"), 100, 200])
    rebooted: list[str] = []

    async def on_reboot(name: str) -> None:
        rebooted.append(name)

    watch = scripted_watch(
        clock, poller, device("nas-1"), device("no-snmp", snmp=False), on_reboot=on_reboot
    )
    assert watch.watching
    await run_polls(watch, clock, 5)
    assert rebooted == ["nas-1"]
    assert set(poller.asked) == {"nas-1"}, "a device without [device.snmp] is not polled"
    assert poller.closed


def test_without_snmp_devices_there_is_nothing_to_watch(clock: FakeClock) -> None:
    async def on_reboot(name: str) -> None:
        raise AssertionError(name)

    watch = RebootWatch(devices=[device("x", snmp=False)], clock=clock, on_reboot=on_reboot)
    assert not watch.watching


async def test_queue_counters_of_queue_devices_go_to_usage(clock: FakeClock) -> None:
    """Each poll of a `queues = true` device hands its queue counters on, with whether
    the device rebooted since the last poll (its counters restarted)."""
    poller = ScriptedPoller([500, 600, 100])
    counted: list[tuple[str, int, bool]] = []

    async def on_counters(
        device: DeviceSettings,
        at: datetime,
        counters: Mapping[str, QueueCounters],
        reset: bool,  # noqa: FBT001 - the callback's signature
    ) -> None:
        assert at == clock.now()
        counted.append((device.name, counters["provisiond-7"].download_bytes, reset))

    watch = scripted_watch(clock, poller, device("edge-1", queues=True), on_counters=on_counters)
    await run_polls(watch, clock, 3)
    assert counted == [("edge-1", 1000, False), ("edge-1", 2000, False), ("edge-1", 3000, True)]


async def test_devices_without_queues_have_no_counters_read(clock: FakeClock) -> None:
    poller = ScriptedPoller([500, 600])

    async def on_counters(*args: object) -> None:
        raise AssertionError(args)

    watch = scripted_watch(clock, poller, device("nas-1"), on_counters=on_counters)
    await run_polls(watch, clock, 1)
    assert poller.asked
    assert poller.counted == []
