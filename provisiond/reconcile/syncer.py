"""The two kinds of pass over one device, without the retrying and bookkeeping around them.

- **Incremental**: diff the keys where desired state and mirror disagree (`scope`), apply,
  and write the device's per-change answers back into the mirror. Nothing is printed
  except a list the mirror has never seen (its other entries may block a key). With the
  engine's journal (`Sources.changes`) only the keys it names are diffed, so a pass costs
  what changed; without it (or when it says `full`, or while removals are held) the whole
  key sets are compared.
- **Full**: print every managed list one at a time (`?list=`, never the whole menu),
  letting pending incremental work run between lists, print the queues when they are
  managed, then diff the whole device (in a thread: seconds at 100,000 entries), apply
  and record. It retries refused changes, repairs hand edits and duplicates, and is what
  the mass-removal hold's plan_id refers to.

Every raise is a `DriverError` (or `StoreError` from the list memory); the worker decides
what it means.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

from provisiond import plan as planning
from provisiond.drivers import ApplyInterruptedError, ApplyResult, OutcomeKind
from provisiond.model.device_state import ADDRESS_LIST_PATH, QUEUE_PATH
from provisiond.plan import Op
from provisiond.reconcile import scope as scoping
from provisiond.reconcile.mirror import Mirror

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from provisiond.config import DeviceSettings, ReconcileSettings
    from provisiond.drivers import ChangeOutcome, Driver
    from provisiond.model.clock import Clock
    from provisiond.model.device_state import DesiredState, QueueEntry
    from provisiond.plan import Blocked, Plan
    from provisiond.policy import Changes
    from provisiond.reconcile.gauges import DeviceMetrics
    from provisiond.reconcile.lists import Lists
    from provisiond.reconcile.mirror import ListRef

Yield: TypeAlias = "Callable[[], Awaitable[None]]"
"""What a full resync awaits between lists: the worker's pending incremental work."""


@dataclass(frozen=True, slots=True)
class Sources:
    """Where the desired state comes from: the current policy engine and list definitions.

    `changes(name)`: the engine's journal for the device, taken (and cleared) by each
    incremental pass and at the start of each full resync; None: no journal, incremental
    passes compare the whole key sets. `view(name)`: the desired state without a copy,
    used synchronously only (never across an await); by default `desired`."""

    desired: Callable[[str], DesiredState]
    address_lists: Callable[[], Mapping[int, str]]
    changes: Callable[[str], Changes] | None = None
    view: Callable[[str], DesiredState] | None = None


@dataclass(frozen=True, slots=True)
class Report:
    """What a pass did. `surprised`: the mirror could not follow (it is dirty now);
    `wants_full`: an incremental pass hit the mass-removal rule (the whole plan must be
    held and shown) or found a held one no longer over the limits (to release it)."""

    plan: Plan | None = None
    applied: int = 0
    refused: tuple[ChangeOutcome, ...] = ()
    surprised: bool = False
    wants_full: bool = False


@dataclass(slots=True)
class HoldState:
    """The mass-removal hold: the whole held plan, how many removals wait now, and an
    admin's approval of a plan_id."""

    held: Plan | None = None
    removals: int = 0
    approved: str | None = None


@dataclass(slots=True)
class Findings:
    """Keys reported from the plans: blocked (never retried) and refused (retried only by
    the next full resync)."""

    blocked: dict[scoping.Key, Blocked] = field(default_factory=dict)
    refused: dict[scoping.Key, str] = field(default_factory=dict)


class Syncer:
    def __init__(
        self,
        *,
        settings: DeviceSettings,
        driver: Driver,
        lists: Lists,
        sources: Sources,
        clock: Clock,
        limits: ReconcileSettings,
        metrics: DeviceMetrics,
    ) -> None:
        self._settings = settings
        self._driver = driver
        self._lists = lists
        self._sources = sources
        self._clock = clock
        self._limits = limits
        self._metrics = metrics
        self.mirror = Mirror(settings.comment_prefix)
        self.hold = HoldState()
        self.findings = Findings()
        self._synced_queues: dict[str, QueueEntry] = {}

    # Incremental.

    async def incremental(self) -> Report:
        found, desired = self._scope()
        release = self.hold.held is not None and self._releasable(found.left_alone)
        if self.hold.held is not None:
            self.hold.removals = found.left_alone
        if not found:
            return Report(wants_full=release)
        await self._print_unseen(scoping.list_refs(found.addresses))
        current = await self._note(scoping.list_names(desired.addresses), full=False)
        plan = planning.diff(
            desired,
            self.mirror.select(found.addresses, found.queues),
            comment_prefix=self._settings.comment_prefix,
            renames=self._lists.renames(current),
        )
        plan, hold_started = self._hold_incremental(plan)
        report = await self._apply(plan)
        self._settle(found, plan)
        self._remember_queues(desired.queues, found.queues)
        return dataclasses.replace(report, wants_full=hold_started or release)

    def _scope(self) -> tuple[scoping.Scope, DesiredState]:
        """The keys to diff and the desired state restricted to them (synchronous: the
        journal's view must not outlive it)."""
        name = self._settings.name
        changes = self._take()
        holding = self.hold.held is not None
        if changes is not None and not changes.full and not holding:
            found = scoping.journal(changes, skip=self.findings.refused)
            view = self._sources.view or self._sources.desired
            return found, scoping.restrict(view(name), found)
        desired = self._sources.desired(name)
        found = scoping.incremental(
            desired,
            self.mirror,
            synced_queues=self._synced_queues,
            skip=self.findings.refused,
            holding=holding,
        )
        if changes is not None and not changes.full:
            # Owner switches too, which the key sets cannot see (removals stay held).
            found = scoping.widen(found, scoping.journal(changes, skip=self.findings.refused))
        return found, scoping.restrict(desired, found)

    def _take(self) -> Changes | None:
        take = self._sources.changes
        return None if take is None else take(self._settings.name)

    def _releasable(self, removals: int) -> bool:
        return not planning.exceeds_limits(
            removals,
            self.mirror.owned_count,
            max_remove_fraction=self._limits.max_remove_fraction,
            max_remove_min=self._limits.max_remove_min,
        )

    def _hold_incremental(self, plan: Plan) -> tuple[Plan, bool]:
        plan = dataclasses.replace(plan, owned_entries=self.mirror.owned_count)
        if self.hold.held is not None:
            return _without_removals(plan), False
        held = planning.hold_mass_removals(
            plan,
            max_remove_fraction=self._limits.max_remove_fraction,
            max_remove_min=self._limits.max_remove_min,
        )
        return held, bool(held.held)

    async def _print_unseen(self, refs: set[ListRef]) -> None:
        for ref in sorted(refs):
            if not self.mirror.printed(ref):
                self.mirror.load_list(ref, await self._driver.observe(ref[0], lists=[ref[1]]))

    def _settle(self, found: scoping.Scope, plan: Plan) -> None:
        blocked = self.findings.blocked
        for key in found.all_keys():
            blocked.pop(key, None)
        blocked.update((scoping.blocked_key(b), b) for b in plan.blocked)

    def _remember_queues(self, queues: Mapping[str, QueueEntry], names: set[str]) -> None:
        synced = self._synced_queues
        for name in names:
            if name in queues:
                synced[name] = queues[name]
            else:
                synced.pop(name, None)
        self._synced_queues = synced

    # Full.

    async def full(self, *, yield_to: Yield | None = None) -> Report:
        """Print everything (yielding between lists), diff the whole device, apply."""
        # Everything is printed anew; only a surprise from here on makes the mirror dirty.
        self.mirror.dirty = False
        self._take()  # the whole diff covers it; what moves from here stays for the next pass
        await self.observe_all(yield_to=yield_to)
        desired = self._sources.desired(self._settings.name)
        current = await self._note(scoping.list_names(desired.addresses), full=True)
        whole = await self._whole(desired, current)
        plan = planning.hold_mass_removals(
            whole,
            max_remove_fraction=self._limits.max_remove_fraction,
            max_remove_min=self._limits.max_remove_min,
            approved_plan_id=self.hold.approved,
        )
        self.hold = HoldState(held=plan if plan.held else None, removals=len(plan.held))
        self.findings = Findings(blocked={scoping.blocked_key(b): b for b in plan.blocked})
        report = await self._apply(plan)
        self._synced_queues = dict(desired.queues)
        # An incremental pass run between two prints may have been surprised too.
        return dataclasses.replace(report, surprised=self.mirror.dirty)

    async def observe_all(self, *, yield_to: Yield | None = None) -> None:
        await self._lists.load()
        desired = self._sources.desired(self._settings.name)
        for ref in sorted(self._refs(desired, self._sources.address_lists())):
            self.mirror.load_list(ref, await self._driver.observe(ref[0], lists=[ref[1]]))
            if yield_to is not None:
                await yield_to()
        if self._settings.queues:
            self.mirror.load_queues(await self._driver.observe(QUEUE_PATH))

    async def whole_plan(self) -> Plan:
        """The whole current diff against the mirror, as `GET /plan` shows it."""
        await self._lists.load()
        current = self._sources.address_lists()
        whole = await self._whole(self._sources.desired(self._settings.name), current)
        return planning.hold_mass_removals(
            whole,
            max_remove_fraction=self._limits.max_remove_fraction,
            max_remove_min=self._limits.max_remove_min,
        )

    async def _whole(self, desired: DesiredState, current: Mapping[int, str]) -> Plan:
        # Seconds of pure Python at 100,000 entries: in a thread, the event loop (RADIUS
        # answers among others) keeps running between the interpreter's switch intervals.
        return await asyncio.to_thread(
            planning.diff,
            desired,
            self.mirror.entries(),
            comment_prefix=self._settings.comment_prefix,
            renames=self._lists.renames(current),
        )

    def _refs(self, desired: DesiredState, current: Mapping[int, str]) -> set[ListRef]:
        """Every list to print: desired, remembered, and (IPv4 only) defined now. IPv6 is
        printed only where provisiond has been, since a router without IPv6 refuses it."""
        if not self._settings.address_lists:
            return set()
        refs = scoping.list_refs(desired.addresses)
        refs.update((ADDRESS_LIST_PATH[4], name) for name in self._lists.names(4))
        refs.update((ADDRESS_LIST_PATH[6], name) for name in self._lists.names(6))
        refs.update((ADDRESS_LIST_PATH[4], name) for name in current.values())
        return refs

    async def _note(self, names: set[tuple[int, str]], *, full: bool) -> Mapping[int, str]:
        current = self._sources.address_lists()
        await self._lists.note(names, current, at=self._clock.now(), all_=full)
        return current

    # Applying.

    async def _apply(self, plan: Plan) -> Report:
        if not plan.changes:
            return Report(plan=plan)
        started = self._clock.monotonic()
        try:
            result = await self._driver.apply(plan.changes)
        except ApplyInterruptedError as exc:
            self._record(exc.result)
            self.mirror.dirty = True
            self._metrics.applied(exc.result, self._clock.monotonic() - started)
            raise
        self._metrics.applied(result, self._clock.monotonic() - started)
        refused, surprised = self._record(result)
        return Report(plan, len(result.applied), refused, surprised)

    def _record(self, result: ApplyResult) -> tuple[tuple[ChangeOutcome, ...], bool]:
        refused: list[ChangeOutcome] = []
        surprised = False
        for outcome in result.outcomes:
            if outcome.kind is OutcomeKind.REJECTED:
                refused.append(outcome)
                error = outcome.error
                for key in scoping.change_keys(outcome.change):
                    self.findings.refused[key] = str(error)
            elif not self.mirror.record(outcome):
                surprised = True
        if surprised:
            self.mirror.dirty = True
        return tuple(refused), surprised


def _without_removals(plan: Plan) -> Plan:
    kept = tuple(change for change in plan.changes if change.op is not Op.REMOVE)
    held = tuple(change for change in plan.changes if change.op is Op.REMOVE)
    return dataclasses.replace(plan, changes=kept, held=held)
