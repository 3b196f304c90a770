"""One device's worker: a serialized loop over its inbox (STYLE.md §5.3).

Each wake-up takes everything pending from the inbox and runs one pass under the device
lock (plans and approvals take the lock too, so nothing interleaves with an apply):

- a full resync when asked, when the mirror is dirty (after a connect, a failure, a
  surprise, a reboot) or every `resync_interval`; it first reads the uptime, and a
  reboot found there makes the mirror dirty;
- otherwise an incremental pass for notifications, and a cheap uptime check on a timer.

Errors (STYLE.md §5.6-5.7, decided here and nowhere else):

- `TemporaryDriverError`: the device is unreachable. The connection is dropped, the
  mirror marked dirty, and the attempt retried with exponential backoff and jitter
  (tenacity, `timing.Timing`), a bounded round at a time. The outage is logged once, as
  is the recovery;
- `PermanentDriverError`: state `error` with `last_error`; retried every `resync_interval`
  (or at once on an admin's sync), logged once per distinct error;
- anything else is a bug: logged with its traceback, handled like a permanent error, so
  the worker lives on.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from provisiond.drivers import DriverError, PermanentDriverError, TemporaryDriverError
from provisiond.reconcile import timing as timings
from provisiond.reconcile.errors import DeviceUnreachableError, NotHeldError, PlanChangedError
from provisiond.reconcile.inbox import Inbox, Work
from provisiond.reconcile.lists import Lists
from provisiond.reconcile.state import (
    RECOVERED_EVENT,
    UNREACHABLE_EVENT,
    DeviceEvent,
    DeviceStatus,
    Health,
)
from provisiond.reconcile.syncer import Syncer
from provisiond.store import StoreError

if TYPE_CHECKING:
    from collections.abc import Callable

    from tenacity import RetryCallState

    from provisiond.config import DeviceSettings, ReconcileSettings
    from provisiond.drivers import Driver
    from provisiond.model.clock import Clock
    from provisiond.plan import Plan
    from provisiond.reconcile.gauges import DeviceMetrics
    from provisiond.reconcile.lists import ListMemory
    from provisiond.reconcile.syncer import Report, Sources

logger = logging.getLogger(__name__)
Log = logging.LoggerAdapter[logging.Logger]


class StoppedError(Exception):
    """The worker was asked to stop while it waited to retry."""


class DeviceWorker:
    def __init__(
        self,
        *,
        settings: DeviceSettings,
        driver: Driver,
        sources: Sources,
        memory: ListMemory,
        clock: Clock,
        limits: ReconcileSettings,
        timing: timings.Timing,
        metrics: DeviceMetrics,
        on_event: Callable[[DeviceEvent], None] | None = None,
    ) -> None:
        self.name = settings.name
        self._on_event = on_event
        self.platform = str(settings.platform)
        self.inbox = Inbox()
        self.health = Health(clock.monotonic())
        self._driver = driver
        self._clock = clock
        self._limits = limits
        self._timing = timing
        self._metrics = metrics
        self._log: Log = logging.LoggerAdapter(logger, {"device": settings.name})
        self._lock = asyncio.Lock()
        self._sync = Syncer(
            settings=settings,
            driver=driver,
            lists=Lists(settings.name, memory),
            sources=sources,
            clock=clock,
            limits=limits,
            metrics=metrics,
        )
        self._connected = False
        self._uptime: timings.Uptime | None = None
        self._next_full = 0.0  # monotonic deadline of the periodic resync
        self._next_check = 0.0  # ... and of the cheap reboot check
        self._retry_at: float | None = None  # set while waiting out a failure
        self._follow_ups = 0

    # The loop.

    async def run(self) -> None:
        """Until `inbox.stop()`: the first full sync at once, then whatever is due."""
        self.inbox.request_full()
        self._show()
        while True:
            await self._wait()
            if self.inbox.stopping:
                return
            work = self.inbox.take()
            if work:  # empty when a full resync already took the incremental work
                await self._attempt(work)

    async def _wait(self) -> None:
        now = self._clock.monotonic()
        if self._retry_at is not None:
            # Failed: only an admin's sync (or a reboot seen by SNMP) cuts the wait short.
            await self.inbox.wait(self._clock, self._retry_at - now, urgent_only=True)
            self._retry_at = None
            self.inbox.request_full()
            return
        due = min(self._next_full, self._next_check) if self._connected else self._next_full
        await self.inbox.wait(self._clock, due - now)
        now = self._clock.monotonic()
        if now >= self._next_full:
            self.inbox.request_full()
        elif self._connected and now >= self._next_check:
            self.inbox.request_uptime()

    async def _attempt(self, work: Work) -> None:
        try:
            async for attempt in timings.retrying(
                self._timing, sleep=self._backoff, before_sleep=self._retrying
            ):
                with attempt:
                    await self._once(work)
        except StoppedError:
            return
        except TemporaryDriverError as exc:
            self._log.debug("still unreachable after %d attempts: %s", self._timing.attempts, exc)
            self._retry_at = self._clock.monotonic() + self._limits.resync_interval
        except (PermanentDriverError, StoreError) as exc:
            self._fail(str(exc), "permanent")
        except Exception as exc:  # noqa: BLE001 - a bug must not end the device's worker
            self._fail(f"internal error: {exc!r}", "internal", trace=exc)
        self._show()

    async def _once(self, work: Work) -> None:
        try:
            async with self._lock:
                await self._connect()
                await self._run(work)
        except TemporaryDriverError as exc:
            await self._lost(exc)
            raise
        except BaseException:
            await self._disconnect()
            raise

    async def _run(self, work: Work) -> None:
        if work.full or self._sync.mirror.dirty or (work.uptime and await self._check_uptime()):
            await self._full()
        elif work.incremental:
            await self._incremental()

    async def _full(self) -> None:
        rebooted = await self._check_uptime()
        # Yielding to incremental work is safe only on top of a mirror that was sound, and
        # not while an approval waits: work slipped in between would change the plan.
        sound = not (rebooted or self._sync.mirror.dirty or self._sync.hold.approved)
        self.health.pending = 0
        report = await self._sync.full(yield_to=self._yield if sound else None)
        self._next_full = self._clock.monotonic() + self._limits.resync_interval
        self._after(report, kind="full")

    async def _yield(self) -> None:
        # Once an interleaved pass was surprised, the rest waits for the full resync.
        if not self._sync.mirror.dirty and self.inbox.take_incremental():
            await self._incremental()

    async def _incremental(self) -> None:
        self._after(await self._sync.incremental(), kind="incremental")

    async def _check_uptime(self) -> bool:
        reading = timings.Uptime(await self._driver.uptime(), self._clock.monotonic())
        before, self._uptime = self._uptime, reading
        self._next_check = reading.at + self._timing.uptime_interval
        if before is None or not timings.rebooted(before, reading):
            return False
        self._log.info(
            "device rebooted (uptime %.0f s, was %.0f s): full resync",
            reading.seconds,
            before.seconds,
        )
        self._metrics.rebooted()
        self._sync.mirror.dirty = True
        self.health.unsettle(reading.at)
        return True

    # After a pass.

    def _after(self, report: Report, *, kind: str) -> None:
        full = kind == "full"
        self._judge(report, full=full)
        if not full and (report.refused or report.wants_full):
            self.inbox.request_full()  # a trap, or a hold to show whole or to release
        self._note_hold(report)
        self.health.held = self._sync.hold.held is not None
        self._count()
        self._metrics.synced(kind, _outcome(report, held=self.health.held))
        if self.health.last_sync_at is not None and not report.surprised:
            self._metrics.succeeded(self.health.last_sync_at)
        self._log_pass(report, kind)
        self._show()

    def _judge(self, report: Report, *, full: bool) -> None:
        """A surprise unsettles the device; otherwise the pass counts as a sync."""
        if report.surprised:
            self.health.unsettle(self._clock.monotonic())
            self._follow_up(full=full)
            return
        if full:
            self._follow_ups = 0
        refused = str(report.refused[0].error) if report.refused else None
        self.health.synced(self._clock.now(), full=full, refused=refused)

    def _count(self) -> None:
        sync = self._sync
        held = sync.hold.held is not None
        self.health.owned = sync.mirror.owned_count
        self.health.blocked = len(sync.findings.blocked)
        self.health.pending = (sync.hold.removals if held else 0) + len(sync.findings.refused)

    def _follow_up(self, *, full: bool) -> None:
        if not full:
            self.inbox.request_full()
            return
        self._follow_ups += 1
        if self._follow_ups <= self._timing.follow_ups:
            self.inbox.request_full()

    def _note_hold(self, report: Report) -> None:
        held = self._sync.hold.held
        if held is not None and not self.health.held:
            self._log.warning(
                "%d removals held by the mass-removal rule; approve plan %s to apply them",
                len(held.held),
                held.plan_id,
            )
        if report.refused:
            self._log.warning(
                "the device refused %d changes, first: %s",
                len(report.refused),
                report.refused[0].error,
            )

    def _log_pass(self, report: Report, kind: str) -> None:
        if report.plan is None or not report.plan.changes:
            return
        self._log.info(
            "%s sync applied %d of %d changes (%d blocked)",
            kind,
            report.applied,
            len(report.plan.changes),
            len(report.plan.blocked),
        )

    # Connection and failures.

    async def _connect(self) -> None:
        if self._connected:
            return
        await self._driver.connect()
        self._connected = True
        self._sync.mirror.dirty = True  # a new connection: nothing is known until printed
        now = self._clock.monotonic()
        self.health.unsettle(now)
        outage = self.health.reached(now)
        if outage is not None:
            self._log.info("device reachable again after %.1f s", outage)
            self._emit(RECOVERED_EVENT, None)
        self._show()

    async def _disconnect(self) -> None:
        self._connected = False
        self._sync.mirror.dirty = True
        await self._driver.close()

    async def _lost(self, exc: TemporaryDriverError) -> None:
        await self._disconnect()
        self._metrics.failed("temporary")
        if self.health.lost(str(exc), self._clock.monotonic()):
            self._log.warning("device unreachable: %s; retrying with backoff", exc)
            self._emit(UNREACHABLE_EVENT, str(exc))
        self._show()

    def _emit(self, event: str, error: str | None) -> None:
        if self._on_event is None:
            return
        try:
            self._on_event(DeviceEvent(self.name, event, error, self._clock.now()))
        except Exception:  # noqa: BLE001 - a listener's bug must not stop the device's sync
            self._log.exception("the %s listener failed", event)

    def _fail(self, error: str, kind: str, *, trace: BaseException | None = None) -> None:
        """Logged when the error is new (with the traceback of a bug), then retried slowly."""
        self._metrics.failed(kind)
        now = self._clock.monotonic()
        if self.health.broken(error, now):
            every = self._limits.resync_interval
            self._log.error("sync failed: %s; retrying every %.0f s", error, every, exc_info=trace)
        self._retry_at = now + self._limits.resync_interval

    async def _backoff(self, seconds: float) -> None:
        await self.inbox.wait(self._clock, seconds, urgent_only=True)
        if self.inbox.stopping:
            raise StoppedError
        self.inbox.calm()  # one urgent request cuts one wait short, not the whole round

    def _retrying(self, state: RetryCallState) -> None:
        delay = state.next_action.sleep if state.next_action is not None else 0.0
        self._log.debug(
            "attempt %d/%d failed; next in %.1f s",
            state.attempt_number,
            self._timing.attempts,
            delay,
        )

    def _show(self) -> None:
        self._metrics.show(self.health)

    # What the manager asks.

    def status(self) -> DeviceStatus:
        health = self.health
        return DeviceStatus(
            name=self.name,
            platform=self.platform,
            state=health.state,
            last_sync_at=health.last_sync_at,
            pending_changes=health.pending,
            owned_entries=health.owned,
            blocked_entries=health.blocked,
            last_error=health.last_error,
        )

    async def plan(self) -> Plan:
        """Print the device afresh and diff it whole; changes nothing on the device."""
        async with self._lock:
            try:
                await self._connect()
                await self._sync.observe_all()
                return await self._sync.whole_plan()
            except TemporaryDriverError as exc:
                await self._lost(exc)
                self.inbox.request_full()
                raise DeviceUnreachableError(f"device {self.name} is unreachable: {exc}") from exc
            except DriverError as exc:
                await self._disconnect()
                raise DeviceUnreachableError(f"device {self.name} refused: {exc}") from exc

    async def approve(self, plan_id: str | None) -> str:
        """Approve the held plan (the one named, if given); its removals go at the next
        full resync, which starts at once, unless the plan moves on before it."""
        async with self._lock:
            if self._sync.hold.held is None:
                raise NotHeldError(f"device {self.name} has no held plan")
            current = await self._sync.whole_plan()
            if plan_id is not None and plan_id != current.plan_id:
                raise PlanChangedError(
                    f"plan {plan_id} is not the current plan of {self.name} ({current.plan_id})"
                )
            self._sync.hold.approved = current.plan_id
        self._log.info("plan %s approved", current.plan_id)
        self.inbox.request_full(urgent=True)
        return current.plan_id

    async def close(self) -> None:
        self._connected = False
        await self._driver.close()


def _outcome(report: Report, *, held: bool) -> str:
    if report.surprised:
        return "surprised"
    if report.refused:
        return "refused"
    return "held" if held else "ok"
