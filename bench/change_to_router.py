"""From a status change in the store to the entry on the router, with 100,000 accounts loaded.

Built in-process the way `provisiond run` wires it (app/daemon.py): a real SQLite store in
a temporary directory holding bench.policy's 100,000 accounts (1-2 addresses each, four
statuses of which two do not activate, 20 address lists including `active` and `inactive`
by status class), a `LiveState` following the store's change feed, and a `Reconciler` whose
notifications come from the engine's `Dirty` fan-out. Of the four devices only `edge-1`
(a quarter of the address space, address lists only) is a real router: a lab router in
its own process with the issue's latency model (bench.routeros: 1 ms per command, 64 in
flight, 50 µs serial per write). The other three are `platform = "none"` and cost nothing.

Method:
1. Start the reconciler and wait until `edge-1` is `in_sync` and owns every desired entry:
   `sync_initial_100k_s` (the start-up full sync: print, diff, ~122,000 adds, 18,000 IPv6).
2. On a fixed timetable of 100 per second (open loop: a slow commit does not delay the next
   change), issue 1,000 `store.update` calls, each flipping one account of `edge-1` between
   an activating and a non-activating status. The flip makes the account's address appear
   on `inactive` (or `active`), a key that was absent before.
3. "Present on the router" is the moment the router confirmed the add: the driver is a thin
   subclass of the API driver whose `apply` stamps, on return, every add the router
   answered with `!done` and a new `.id`. The stamp is taken when the whole apply returns,
   so it also covers the removals of the same pass (one more pipelined phase, about 1 ms):
   a slight overstatement, never an understatement. Nothing else on the path is changed or
   polled while the clock runs: the router is not printed and no extra commands are sent.
   Once every change is stamped, the two lists are printed afresh over a connection of our
   own, and each entry must be there with its account's comment: the stamps are checked
   against the router itself.
4. Latency = stamp - the change's slot in the timetable (so lateness of the issuing loop
   counts against the system, not for it). `change_to_router_p50_ms` and
   `change_to_router_p99_ms` (nearest rank) over the 1,000 changes.

Where the time goes is shown by two more cumulative stamps per change, also from public
seams only: `change_commit_p99_ms` (the `store.update` returned: the commit) and
`change_engine_p99_ms` (the engine's `Dirty` for the account reached `on_dirty` listeners).
A system that cannot keep up with 100 changes per second builds a backlog for the whole run;
its percentiles then grow with the run's length and say "saturated", not how long one change
takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import math
import random
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeAlias

from bench import Figure
from bench import policy as policy_bench
from bench import routeros as routeros_bench
from provisiond.app.live import LiveState
from provisiond.config import (
    DeviceSettings,
    Platform,
    ReconcileSettings,
    Settings,
    StoreSettings,
)
from provisiond.drivers import OutcomeKind, RouterOSApiDriver, connected
from provisiond.model.device_state import ADDRESS_LIST_PATH
from provisiond.model.secret import Secret
from provisiond.observability.metrics import Metrics
from provisiond.plan import Op
from provisiond.reconcile import Reconciler
from provisiond.runtime.clock import SystemClock
from provisiond.store import Store

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Sequence

    from provisiond.drivers import ApplyResult, Driver
    from provisiond.model.device_state import DesiredState
    from provisiond.model.objects import Account, Dataset
    from provisiond.plan import Change
    from provisiond.policy.engine import Dirty

ROUTER: Final = "edge-1"
CHANGES: Final = 1_000
RATE_PER_S: Final = 100.0
SEED: Final = 4
ACTOR: Final = "bench"
ACTIVE_STATUS: Final = 1  # bench.policy: "Active" activates
INACTIVE_STATUS: Final = 2  # "Inactive" does not
LEAD_S: Final = 0.1  # the first slot, after the issuing task is up
POLL_S: Final = 0.02
INITIAL_TIMEOUT_S: Final = 150.0
DRAIN_TIMEOUT_S: Final = 30.0
STOP_GRACE_S: Final = 5.0
# An hour: no periodic full resync lands inside the measured 10 seconds by chance.
RESYNC_INTERVAL_S: Final = 3600.0

EntryKey: TypeAlias = tuple[str, str, str]
"""(menu path, list, address): one address-list entry as it goes on the wire."""


# Stamps.


@dataclass(slots=True)
class Stamps:
    """When each add was confirmed by the router, and when each account reached the engine.

    `confirmed` is filled by every apply (the initial sync included) and cleared before the
    changes start, so a stamp there always belongs to the measured change.
    """

    confirmed: dict[EntryKey, float] = field(default_factory=dict)
    in_engine: dict[int, float] = field(default_factory=dict)

    def on_dirty(self, dirty: Dirty) -> None:
        now = time.perf_counter()
        for account_id in dirty.account_ids:
            self.in_engine.setdefault(account_id, now)

    def on_applied(self, result: ApplyResult) -> None:
        now = time.perf_counter()
        for outcome in result.applied:
            change = outcome.change
            # An add the router answered with a new `.id`: the entry is on the router.
            if change.op is Op.ADD and outcome.kind is OutcomeKind.APPLIED and outcome.entry_id:
                self.confirmed.setdefault(_entry_key(change), now)


def _entry_key(change: Change) -> EntryKey:
    return (change.path, change.entry.get("list", ""), change.entry.get("address", ""))


class TimedDriver(RouterOSApiDriver):
    """The API driver, unchanged, except that each apply's confirmed adds are stamped."""

    def __init__(self, settings: DeviceSettings, stamps: Stamps) -> None:
        super().__init__(settings)
        self._stamps = stamps

    async def apply(self, changes: Sequence[Change]) -> ApplyResult:
        result = await super().apply(changes)
        self._stamps.on_applied(result)
        return result


# Set-up.


def _devices(port: int) -> tuple[DeviceSettings, ...]:
    """`edge-1` is the lab router; the other three scopes exist but push nowhere."""
    devices = []
    for scope in policy_bench.DEVICES:
        if scope.name == ROUTER:
            devices.append(
                DeviceSettings(
                    name=scope.name,
                    platform=Platform.ROUTEROS,
                    host="127.0.0.1",
                    port=port,
                    username="admin",
                    password=Secret(routeros_bench.PASSWORD),
                    timeout=30.0,
                    subnets=scope.subnets,
                )
            )
        else:
            devices.append(
                DeviceSettings(name=scope.name, platform=Platform.NONE, subnets=scope.subnets)
            )
    return tuple(devices)


def _router(settings: Settings) -> DeviceSettings:
    device = settings.device(ROUTER)
    if device is None:
        raise RuntimeError(f"no device {ROUTER}")
    return device


def _settings(state_dir: Path, port: int) -> Settings:
    return Settings(
        state_dir=state_dir,
        store=StoreSettings(url=f"sqlite:///{state_dir / 'provisiond.db'}"),
        reconcile=ReconcileSettings(resync_interval=RESYNC_INTERVAL_S),
        devices=_devices(port),
    )


@dataclass(slots=True)
class Daemon:
    """The daemon's objects that matter here, wired as app/daemon.py wires them."""

    store: Store
    live: LiveState
    reconciler: Reconciler
    stamps: Stamps


@contextlib.asynccontextmanager
async def _daemon(settings: Settings, data: Dataset) -> AsyncIterator[Daemon]:
    """Store imported and loaded, the feed followed, the reconciler built (not started)."""
    store = await Store.open(settings.store.url, clock=SystemClock())
    try:
        await store.import_dataset(data, actor=ACTOR)
        metrics = Metrics()
        live = LiveState(settings=settings, store=store, metrics=metrics)
        await live.load()
        stamps = Stamps()
        reconciler = _reconciler(settings, store, live, stamps, metrics)
        live.on_dirty(lambda dirty: reconciler.notify(dirty.devices))
        live.on_dirty(stamps.on_dirty)
        # As the daemon does: the loaded state lives as long as the process.
        gc.collect()
        gc.freeze()
        follow = asyncio.create_task(live.follow(), name="change-feed")
        try:
            yield Daemon(store, live, reconciler, stamps)
        finally:
            await reconciler.stop(STOP_GRACE_S)
            live.close()
            await follow
            gc.unfreeze()
    finally:
        await store.close()


def _reconciler(
    settings: Settings, store: Store, live: LiveState, stamps: Stamps, metrics: Metrics
) -> Reconciler:
    def driver_factory(device: DeviceSettings) -> Driver:
        return TimedDriver(device, stamps)

    return Reconciler(
        devices=settings.devices,
        driver_factory=driver_factory,
        desired=live.desired,
        address_lists=live.address_lists,
        changes=live.take_changes,
        desired_view=live.desired_view,
        store=store,
        clock=SystemClock(),
        settings=settings.reconcile,
        metrics=metrics,
    )


# The initial sync.


async def _initial_sync(daemon: Daemon) -> float:
    """Seconds from `start()` until the router owns every desired entry, in sync."""
    wanted = len(daemon.live.desired(ROUTER).addresses)
    started = time.perf_counter()
    await daemon.reconciler.start()
    deadline = started + INITIAL_TIMEOUT_S
    while not _converged(daemon.reconciler, wanted):
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{ROUTER} did not converge within {INITIAL_TIMEOUT_S:.0f} s")
        await asyncio.sleep(POLL_S)
    return time.perf_counter() - started


def _converged(reconciler: Reconciler, wanted: int) -> bool:
    (status,) = (s for s in reconciler.statuses() if s.name == ROUTER)
    return status.state == "in_sync" and status.owned_entries == wanted


# The changes.


@dataclass(frozen=True, slots=True)
class Flip:
    """One status change and the entry it must make appear on the router."""

    account: Account  # as it will be stored: the new status set
    key: EntryKey


def _flips(data: Dataset, desired: DesiredState, rng: random.Random) -> list[Flip]:
    """Accounts of the router, half active and half not, each flipped once, interleaved."""
    active = _candidates(data, desired, ACTIVE_STATUS, "active")
    inactive = _candidates(data, desired, INACTIVE_STATUS, "inactive")
    half = CHANGES // 2
    to_inactive = [_flip(a, INACTIVE_STATUS, "inactive") for a in rng.sample(active, half)]
    to_active = [_flip(a, ACTIVE_STATUS, "active") for a in rng.sample(inactive, CHANGES - half)]
    return [flip for pair in zip(to_inactive, to_active, strict=True) for flip in pair]


def _candidates(data: Dataset, desired: DesiredState, status_id: int, listed: str) -> list[Account]:
    other = "inactive" if listed == "active" else "active"
    return [
        account
        for account in data.accounts
        if account.status_id == status_id and _listed_only(desired, account, listed, other)
    ]


def _listed_only(desired: DesiredState, account: Account, listed: str, other: str) -> bool:
    """The router holds the account's IPv4 address on `listed` for it (in its subnets, not
    lost to a clash), and not on `other`: the flip will add a key that is absent now."""
    address = _ipv4(account)
    if address is None:
        return False
    entry = desired.addresses.get((4, listed, address))
    owned = entry is not None and entry.account_id == account.id
    return owned and (4, other, address) not in desired.addresses


def _ipv4(account: Account) -> str | None:
    """The bare address of the account's first /32 (bench.policy gives each one)."""
    for prefix in account.ip_assignments:
        if prefix.version == 4 and prefix.prefixlen == prefix.max_prefixlen:
            return str(prefix.network_address)
    return None


def _flip(account: Account, status_id: int, listed: str) -> Flip:
    address = _ipv4(account) or ""
    changed = dataclasses.replace(account, status_id=status_id)
    return Flip(changed, (ADDRESS_LIST_PATH[4], listed, address))


async def _issue(store: Store, flips: Sequence[Flip]) -> tuple[list[float], list[float]]:
    """Every update at its slot of the timetable; each slot's time and its commit's."""
    start = time.perf_counter() + LEAD_S
    slots = [start + n / RATE_PER_S for n in range(len(flips))]
    commits = [math.nan] * len(flips)

    async def update(n: int) -> None:
        await store.update(flips[n].account, actor=ACTOR)
        commits[n] = time.perf_counter()

    async with asyncio.TaskGroup() as group:
        for n, slot in enumerate(slots):
            await asyncio.sleep(max(0.0, slot - time.perf_counter()))
            group.create_task(update(n), name=f"change-{n}")
    return slots, commits


async def _drained(stamps: Stamps, flips: Sequence[Flip]) -> None:
    """Wait until every change's entry was confirmed; a change that never lands is an error."""
    deadline = time.perf_counter() + DRAIN_TIMEOUT_S
    while any(flip.key not in stamps.confirmed for flip in flips):
        if time.perf_counter() > deadline:
            lost = sum(flip.key not in stamps.confirmed for flip in flips)
            raise RuntimeError(f"{lost} of {len(flips)} changes never reached the router")
        await asyncio.sleep(POLL_S)


async def _verify(device: DeviceSettings, flips: Sequence[Flip]) -> None:
    """After the clock stopped: print the two lists afresh over a connection of our own and
    check that every entry is there, owned by its account, so a stamp means "on the router"."""
    async with connected(RouterOSApiDriver(device)) as driver:
        rows = await driver.observe(ADDRESS_LIST_PATH[4], lists=["active", "inactive"])
    comments = {(row.attrs.get("list"), row.attrs.get("address")): row.attrs for row in rows}
    for flip in flips:
        attrs = comments.get(flip.key[1:], {})
        if attrs.get("comment") != f"{device.comment_prefix}:{flip.account.id}":
            raise RuntimeError(f"{flip.key} is not on the router as its apply said")


# Figures.


@dataclass(frozen=True, slots=True)
class Results:
    initial_s: float
    to_router_ms: list[float]
    commit_ms: list[float]
    engine_ms: list[float]


async def _measure(port: int, data: Dataset) -> Results:
    with tempfile.TemporaryDirectory(prefix="bench-ctr-") as tmp:
        settings = _settings(Path(tmp), port)
        async with _daemon(settings, data) as daemon:
            initial = await _initial_sync(daemon)
            flips = _flips(data, daemon.live.desired(ROUTER), random.Random(SEED))
            daemon.stamps.confirmed.clear()
            slots, commits = await _issue(daemon.store, flips)
            await _drained(daemon.stamps, flips)
            await _verify(_router(settings), flips)
    stamps = daemon.stamps
    return Results(
        initial_s=initial,
        to_router_ms=_since(slots, [stamps.confirmed[f.key] for f in flips]),
        commit_ms=_since(slots, commits),
        engine_ms=_since(slots, [stamps.in_engine[f.account.id] for f in flips]),
    )


def _since(slots: Sequence[float], stamps: Sequence[float]) -> list[float]:
    return sorted((stamp - slot) * 1000 for slot, stamp in zip(slots, stamps, strict=True))


def _p99(samples: Sequence[float]) -> float:
    """Nearest rank, as bench.policy reports it: the 990th of 1,000."""
    return samples[math.ceil(len(samples) * 0.99) - 1]


def run() -> Iterable[Figure]:
    data = policy_bench.dataset()
    spec = routeros_bench.LabSpec(write_time=routeros_bench.WRITE_TIME)
    with routeros_bench.lab_process(spec) as port:
        results = asyncio.run(_measure(port, data))
    yield Figure("sync_initial_100k_s", results.initial_s, "s")
    yield Figure("change_to_router_p50_ms", statistics.median(results.to_router_ms), "ms")
    yield Figure("change_to_router_p99_ms", _p99(results.to_router_ms), "ms")
    yield Figure("change_commit_p99_ms", _p99(results.commit_ms), "ms")
    yield Figure("change_engine_p99_ms", _p99(results.engine_ms), "ms")
