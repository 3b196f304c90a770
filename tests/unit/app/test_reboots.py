from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from provisiond.app.reboots import RebootWatch
from provisiond.config import DeviceSettings, Platform, SnmpSettings
from provisiond.drivers.errors import TemporaryDriverError
from provisiond.model.secret import Secret

if TYPE_CHECKING:
    from provisiond.drivers.snmp import SnmpTarget
    from provisiond.runtime.clock import FakeClock


class ScriptedPoller:
    """sysUpTime answers in order; an exception instance is raised instead."""

    def __init__(self, answers: list[int | Exception]) -> None:
        self.answers = answers
        self.asked: list[str] = []
        self.closed = False

    async def uptime(self, target: SnmpTarget) -> int:
        self.asked.append(target.name)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def close(self) -> None:
        self.closed = True


def device(name: str, *, snmp: bool = True) -> DeviceSettings:
    return DeviceSettings(
        name=name,
        platform=Platform.NONE,
        host="127.0.0.1",
        snmp=SnmpSettings(community=Secret("public")) if snmp else None,
    )


async def test_a_reboot_is_reported_once_and_a_failed_poll_is_a_gap(clock: FakeClock) -> None:
    # 500 ticks = 5 s up, then 600, then a failed poll, then back to 100: a reboot.
    poller = ScriptedPoller([500, 600, TemporaryDriverError("timeout"), 100, 200])
    rebooted: list[str] = []

    async def on_reboot(name: str) -> None:
        rebooted.append(name)

    watch = RebootWatch(
        devices=[device("nas-1"), device("no-snmp", snmp=False)],
        clock=clock,
        on_reboot=on_reboot,
        interval=30,
        poller=lambda: poller,
    )
    assert watch.watching
    task = asyncio.create_task(watch.run())
    for _ in range(5):
        await clock.advance(30)
    assert rebooted == ["nas-1"]
    assert set(poller.asked) == {"nas-1"}, "a device without [device.snmp] is not polled"
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert poller.closed


def test_without_snmp_devices_there_is_nothing_to_watch(clock: FakeClock) -> None:
    async def on_reboot(name: str) -> None:
        raise AssertionError(name)

    watch = RebootWatch(devices=[device("x", snmp=False)], clock=clock, on_reboot=on_reboot)
    assert not watch.watching
