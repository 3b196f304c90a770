"""SNMP reboot detection: sysUpTime going back means the device restarted (DESIGN.md §4).

A reboot clears dynamic entries and renumbers `.id`s, so the device gets a full resync at
once, and its RADIUS sessions are closed (a rebooted NAS has none left). The API driver
notices a reboot by itself on its next full resync; SNMP notices it within one poll, also
for `platform = "none"` NAS devices that have no driver at all.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from provisiond.drivers.errors import DriverError
from provisiond.drivers.snmp import SnmpPoller, SnmpTarget
from provisiond.drivers.snmp_counters import reboot_detected

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from provisiond.config import DeviceSettings
    from provisiond.model.clock import Clock

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 30.0


class UptimePoller(Protocol):
    async def uptime(self, target: SnmpTarget) -> int: ...

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
    ) -> None:
        self._targets = [SnmpTarget.from_device(d) for d in devices if d.snmp is not None]
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
        if previous is not None and reboot_detected(previous, ticks):
            log.warning("%s rebooted (sysUpTime went back): full resync", target.name)
            await self._on_reboot(target.name)
