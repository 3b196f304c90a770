"""An in-memory device, list memory and desired state for the worker's unit tests."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from provisiond import plan
from provisiond.config import DeviceSettings, Platform, ReconcileSettings
from provisiond.drivers import ApplyResult, Capabilities, ChangeOutcome, OutcomeKind, Trap
from provisiond.model.device_state import (
    ADDRESS_LIST_PATH,
    AddressEntry,
    DesiredState,
    ObservedEntry,
    QueueEntry,
)
from provisiond.observability.metrics import Metrics
from provisiond.reconcile.gauges import DeviceMetrics
from provisiond.reconcile.syncer import Sources
from provisiond.reconcile.timing import Timing
from provisiond.reconcile.worker import DeviceWorker
from provisiond.store.managed import ManagedList

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from provisiond.drivers import DriverError
    from provisiond.model.device_state import AddressKey
    from provisiond.plan import Change
    from provisiond.runtime.clock import FakeClock
    from provisiond.store.managed import Sighting

DEVICE = "core-1"
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
V4 = ADDRESS_LIST_PATH[4]
TIMING = Timing(
    backoff_initial=1.0,
    backoff_max=4.0,
    backoff_jitter=0.0,
    attempts=3,
    uptime_interval=30.0,
    follow_ups=2,
)
LIMITS = ReconcileSettings(
    resync_interval=300.0, max_remove_fraction=0.5, max_remove_min=2, ready_timeout=60.0
)


class FakeDriver:
    """Executes changes one by one as `plan.apply` does; a refusal becomes an outcome."""

    def __init__(self, clock: Callable[[], float] = lambda: 0.0) -> None:
        self._clock = clock
        self._booted_at = clock() - 1000.0  # up for a while
        self.rows: list[ObservedEntry] = []
        self._ids = itertools.count(1)
        self.down: DriverError | None = None
        self.applies: list[list[Change]] = []
        self.prints: list[tuple[str, tuple[str, ...] | None]] = []
        self.refuse: set[str] = set()  # addresses whose add traps
        self.gate: asyncio.Event | None = None  # when set, apply waits for it
        self.print_gate: asyncio.Event | None = None  # ... and observe
        self.journal: list[str] = []  # "print <list>" and "apply <n>", in order
        self.connects = 0
        self.attempts = 0

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities()

    async def connect(self) -> None:
        self.attempts += 1
        self._check()
        self.connects += 1

    async def close(self) -> None:
        return None

    async def observe(
        self, path: str, *, lists: Sequence[str] | None = None
    ) -> list[ObservedEntry]:
        self._check()
        if self.print_gate is not None:
            await self.print_gate.wait()
        self.prints.append((path, None if lists is None else tuple(lists)))
        self.journal.append(f"print {','.join(lists or ())}")
        return [
            row
            for row in self.rows
            if row.path == path and (lists is None or row.attrs.get("list") in lists)
        ]

    async def apply(self, changes: Sequence[Change]) -> ApplyResult:
        self._check()
        if self.gate is not None:
            await self.gate.wait()
        self.applies.append(list(changes))
        self.journal.append(f"apply {len(changes)}")
        return ApplyResult(tuple(self._one(change) for change in changes))

    async def uptime(self) -> float:
        self._check()
        return self._clock() - self._booted_at

    def reboot(self) -> None:
        """The uptime starts again (the entries stay: the fake keeps no dynamic ones)."""
        self._booted_at = self._clock()

    def hand_add(self, path: str = V4, **attrs: str) -> str:
        """An entry made by hand, duplicates included (the fake checks no keys)."""
        entry_id = self._next_id()
        self.rows.append(ObservedEntry(path, entry_id, {"disabled": "false", **attrs}))
        return entry_id

    def addresses(self, list_name: str | None = None) -> list[tuple[str, str, str]]:
        return sorted(
            (row.attrs["list"], row.attrs["address"], row.attrs.get("comment", ""))
            for row in self.rows
            if row.path == V4 and (list_name is None or row.attrs["list"] == list_name)
        )

    def _one(self, change: Change) -> ChangeOutcome:
        if change.entry.get("address") in self.refuse:
            trap = Trap("input does not match any value", 1)
            return ChangeOutcome(change, OutcomeKind.REJECTED, trap=trap)
        new_id = self._next_id()
        try:
            self.rows = plan.apply(self.rows, plan.Plan(DEVICE, (change,)), next_id=lambda: new_id)
        except plan.ApplyError:
            kind = OutcomeKind.PRESENT if change.op is plan.Op.ADD else OutcomeKind.GONE
            return ChangeOutcome(change, kind, change.target_id, Trap("no such item"))
        entry_id = new_id if change.op is plan.Op.ADD else change.target_id
        return ChangeOutcome(change, OutcomeKind.APPLIED, entry_id)

    def _next_id(self) -> str:
        return f"*{next(self._ids):X}"

    def _check(self) -> None:
        if self.down is not None:
            raise self.down


@dataclass
class FakeMemory:
    rows: dict[tuple[str, int, str], int | None] = field(default_factory=dict)

    async def load(self, device: str) -> list[ManagedList]:
        return [
            ManagedList(d, family, name, list_id, _EPOCH, _EPOCH)
            for (d, family, name), list_id in self.rows.items()
            if d == device
        ]

    async def remember(self, device: str, seen: Iterable[Sighting], *, at: datetime) -> None:
        del at
        for sighting in seen:
            self.rows[(device, sighting.family, sighting.name)] = sighting.list_id


@dataclass
class World:
    """The policy engine's side: desired entries and list definitions, edited by tests."""

    addresses: dict[AddressKey, AddressEntry] = field(default_factory=dict)
    queues: dict[str, QueueEntry] = field(default_factory=dict)
    lists: dict[int, str] = field(default_factory=lambda: {1: "active", 2: "suspended"})

    def desired(self, device: str) -> DesiredState:
        return DesiredState(device, dict(self.addresses), dict(self.queues))

    def want(self, list_name: str, address: str, account: int) -> None:
        entry = AddressEntry(4, list_name, address, account)
        self.addresses[entry.key] = entry

    def drop(self, list_name: str, address: str) -> None:
        del self.addresses[(4, list_name, address)]

    def sources(self) -> Sources:
        return Sources(desired=self.desired, address_lists=lambda: dict(self.lists))


def worker(
    driver: FakeDriver,
    world: World,
    clock: FakeClock,
    *,
    memory: FakeMemory | None = None,
    limits: ReconcileSettings = LIMITS,
    metrics: Metrics | None = None,
) -> DeviceWorker:
    settings = DeviceSettings(name=DEVICE, platform=Platform.ROUTEROS, host="192.0.2.1")
    return DeviceWorker(
        settings=settings,
        driver=driver,
        sources=world.sources(),
        memory=memory or FakeMemory(),
        clock=clock,
        limits=limits,
        timing=TIMING,
        metrics=DeviceMetrics(metrics or Metrics(), DEVICE),
    )


async def until(condition: Callable[[], bool], *, within: float = 3.0) -> None:
    """Real time: full diffs run in a thread, so the loop alone cannot finish them."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.002)
