"""`Reconciler`: one worker per managed device, and what the daemon and the API ask of them.

The daemon builds one, `start()`s it once the store and the policy engine are loaded,
feeds it `Dirty.devices` through `notify`, and `stop()`s it on shutdown. It is also the
status API's `DevicesView` (`statuses`, `plan`, `sync`, `approve`), so the composition
root can hand it to `ApiContext` as it is.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from provisiond.reconcile.errors import UnknownDeviceError
from provisiond.reconcile.gauges import DeviceMetrics
from provisiond.reconcile.syncer import Sources
from provisiond.reconcile.timing import DEFAULT_TIMING, Timing
from provisiond.reconcile.worker import DeviceWorker
from provisiond.store.managed import ManagedLists

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from provisiond.config import DeviceSettings, ReconcileSettings
    from provisiond.drivers import Driver
    from provisiond.model.clock import Clock
    from provisiond.model.device_state import DesiredState
    from provisiond.observability.metrics import Metrics
    from provisiond.plan import Plan
    from provisiond.policy import Changes
    from provisiond.reconcile.lists import ListMemory
    from provisiond.reconcile.state import DeviceEvent, DeviceStatus
    from provisiond.store import Store

log = logging.getLogger(__name__)


class Reconciler:
    """Keeps every device with `platform != "none"` converged (DESIGN.md §4, §8).

    - `driver_factory(settings)`: a new, unconnected driver (`drivers.registry.create`);
    - `desired(name)`: the device's desired state from the current policy engine;
    - `address_lists()`: every address list's id → its current name (for renames);
    - `changes(name)`: the engine's journal (`PolicyEngine.take_changes`), so incremental
      passes diff only what changed; `desired_view(name)`: the desired state without a
      copy (`PolicyEngine.desired_view`). Without them a pass compares whole key sets;
    - `timing`: backoff and check intervals (`reconcile.timing`), shrunk by tests;
    - `on_event`: told of each outage's start and end (`device.unreachable`,
      `device.recovered`: the §6 trigger events); it must not block;
    - `memory`: the list memory; by default the store's `managed_lists` table.
    """

    def __init__(
        self,
        *,
        devices: Sequence[DeviceSettings],
        driver_factory: Callable[[DeviceSettings], Driver],
        desired: Callable[[str], DesiredState],
        address_lists: Callable[[], Mapping[int, str]],
        store: Store,
        clock: Clock,
        settings: ReconcileSettings,
        metrics: Metrics,
        timing: Timing = DEFAULT_TIMING,
        on_event: Callable[[DeviceEvent], None] | None = None,
        memory: ListMemory | None = None,
        changes: Callable[[str], Changes] | None = None,
        desired_view: Callable[[str], DesiredState] | None = None,
    ) -> None:
        sources = Sources(
            desired=desired, address_lists=address_lists, changes=changes, view=desired_view
        )
        lists = memory if memory is not None else ManagedLists(store)
        self._settings = settings
        self._workers = {
            device.name: DeviceWorker(
                settings=device,
                driver=driver_factory(device),
                sources=sources,
                memory=lists,
                clock=clock,
                limits=settings,
                timing=timing,
                metrics=DeviceMetrics(metrics, device.name),
                on_event=on_event,
            )
            for device in devices
            if device.platform.managed
        }
        self._tasks: dict[str, asyncio.Task[None]] = {}

    @property
    def devices(self) -> tuple[str, ...]:
        return tuple(self._workers)

    async def start(self) -> None:
        """One task per device; each starts with a full sync."""
        if self._tasks:
            raise RuntimeError("the reconciler is already started")
        for name, worker in self._workers.items():
            task = asyncio.create_task(worker.run(), name=f"reconcile:{name}")
            task.add_done_callback(_guard)
            self._tasks[name] = task

    def notify(self, devices: Iterable[str]) -> None:
        """The desired state of these devices may have changed (`Dirty.devices`).

        Names of unmanaged devices are ignored. Never blocks: it only marks the workers'
        inboxes, so a burst of changes is one pass per device.
        """
        for name in devices:
            worker = self._workers.get(name)
            if worker is not None:
                worker.inbox.mark_dirty()

    @property
    def device_names(self) -> frozenset[str]:
        """The managed devices (platform other than "none")."""
        return frozenset(self._workers)

    def request_full_sync(self, device: str) -> None:
        """A full resync now, cutting any backoff short (an admin, or SNMP saw a reboot)."""
        self._worker(device).inbox.request_full(urgent=True)

    def sync(self, device: str) -> None:
        """`POST /api/v1/devices/{name}/sync` (the `DevicesView` name)."""
        self.request_full_sync(device)

    async def plan(self, device: str) -> Plan:
        """Observe the device and diff it whole; changes nothing. `DeviceUnreachableError`
        when it cannot be reached."""
        return await self._worker(device).plan()

    async def approve(self, device: str, plan_id: str | None) -> str:
        """Approve the device's held plan; the plan_id approved. `NotHeldError` when
        nothing is held, `PlanChangedError` when `plan_id` is not the current plan's."""
        return await self._worker(device).approve(plan_id)

    def statuses(self) -> list[DeviceStatus]:
        return [worker.status() for worker in self._workers.values()]

    def ready(self, now: float) -> tuple[bool, list[str]]:
        """DESIGN.md §7 `/readyz` for devices: the names still syncing (for less than
        `ready_timeout`); ready when there are none. `now`: the clock's monotonic time."""
        timeout = self._settings.ready_timeout
        waiting = [w.name for w in self._workers.values() if not w.health.ready(now, timeout)]
        return not waiting, waiting

    async def stop(self, grace: float) -> None:
        """Let passes in progress finish within `grace` seconds, cancel the rest, close
        every connection. No task is left behind."""
        for worker in self._workers.values():
            worker.inbox.stop()
        tasks, self._tasks = list(self._tasks.values()), {}
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=grace)
            for task in late:
                log.warning("device sync %s did not finish within %.1f s", task.get_name(), grace)
                task.cancel()
            if late:
                await asyncio.wait(late)
        for worker in self._workers.values():
            await worker.close()

    def _worker(self, device: str) -> DeviceWorker:
        worker = self._workers.get(device)
        if worker is None:
            raise UnknownDeviceError(f"no managed device {device!r}")
        return worker


def _guard(task: asyncio.Task[None]) -> None:
    """A worker ends only when stopped; anything else is a bug, logged with its cause."""
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        log.error("device sync %s failed", task.get_name(), exc_info=error)
