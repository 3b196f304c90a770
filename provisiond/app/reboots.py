"""SNMP polling: reboot detection and simple-queue counters (DESIGN.md §4, §6).

sysUpTime going back means the device restarted (DESIGN.md §4).

A reboot clears dynamic entries and renumbers `.id`s, so the device gets a full resync at
once, and its RADIUS sessions are closed (a rebooted NAS has none left). The API driver
notices a reboot by itself on its next full resync; SNMP notices it within one poll, also
for `platform = "none"` NAS devices that have no driver at all.

On devices with `queues = true`, the same poll reads the simple queues' byte counters
and hands them to usage accounting (`on_counters`), which counts them for the accounts
that had no RADIUS session in the interval (DESIGN.md §6).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol, TypeAlias

from provisiond.drivers.errors import DriverError
from provisiond.drivers.snmp import SnmpPoller, SnmpTarget
from provisiond.drivers.snmp_counters import reboot_detected

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping, Sequence
    from datetime import datetime

    from provisiond.config import DeviceSettings
    from provisiond.drivers.snmp_counters import QueueCounters
    from provisiond.model.clock import Clock

    Counted: TypeAlias = Callable[
        [DeviceSettings, datetime, Mapping[str, QueueCounters], bool], Awaitable[object]
    ]
    """(device, polled at, queue name → counters, rebooted since the last poll)."""

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 30.0


class UptimePoller(Protocol):
    async def uptime(self, target: SnmpTarget) -> int: ...

    async def queue_counters(self, target: SnmpTarget) -> dict[str, QueueCounters]: ...

    def close(self) -> None: ...


class RebootWatch:
    """Polls sysUpTime of every device with `[device.snmp]`; calls `on_reboot(name)`."""

    def __init__(
        self,
        *,
        devices: Sequence[DeviceSettings],
        clock: Clock,
        on_reboot: Callable[[str], Awaitable[None]],
        interval: float = POLL_INTERVAL_S,
        poller: Callable[[], UptimePoller] = SnmpPoller,
        on_counters: Counted | None = None,
    ) -> None:
        self._targets = [SnmpTarget.from_device(d) for d in devices if d.snmp is not None]
        self._devices = {d.name: d for d in devices}
        self._on_counters = on_counters
        self._clock = clock
        self._on_reboot = on_reboot
        self._interval = interval
        self._ticks: dict[str, int] = {}
        self._new_poller = poller

    @property
    def watching(self) -> bool:
        return bool(self._targets)

    async def run(self) -> None:
        """The supervised task: poll forever (one SnmpEngine, created in the loop)."""
        poller = self._new_poller()
        try:
            while True:
                for target in self._targets:
                    await self._poll(poller, target)
                await self._clock.sleep(self._interval)
        finally:
            poller.close()

    async def _poll(self, poller: UptimePoller, target: SnmpTarget) -> None:
        try:
            ticks = await poller.uptime(target)
        except DriverError as exc:
            # Reachability is the device sync's to report (once per outage); SNMP only
            # adds reboot detection, so a missed poll is just a gap.
            log.debug("SNMP poll of %s failed: %s", target.name, exc)
            return
        previous = self._ticks.get(target.name)
        self._ticks[target.name] = ticks
        rebooted = previous is not None and reboot_detected(previous, ticks)
        if rebooted:
            log.warning("%s rebooted (sysUpTime went back): full resync", target.name)
            await self._on_reboot(target.name)
        await self._count(poller, target, rebooted=rebooted)

    async def _count(self, poller: UptimePoller, target: SnmpTarget, *, rebooted: bool) -> None:
        device = self._devices[target.name]
        if self._on_counters is None or not device.queues:
            return
        try:
            counters = await poller.queue_counters(target)
        except DriverError as exc:
            log.debug("SNMP queue counters of %s: %s", target.name, exc)
            return  # a gap: the next poll's delta covers it
        try:
            await self._on_counters(device, self._clock.now(), counters, rebooted)
        except Exception:
            log.exception("counting the queue counters of %s failed", target.name)
