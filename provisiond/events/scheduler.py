"""`Scheduler`: runs scheduled events and vacation steps at their time (DESIGN.md §6).

The schedule lives in the store; this is only its clock. Each pass runs every step that
is due, oldest first (at start-up that is everything missed while the daemon was down,
in time order), then sleeps on the injected clock until the next one is due or the
schedule changes. Each step is claimed and completed in one transaction
(`store.schedule`), so it runs exactly once across restarts.

The account changes go through the store as actor "scheduler", so the change feed
carries them to the policy engine (lists, queues, RADIUS, CoA) and the audit log to the
trigger engine. A `disconnect` event also calls `on_disconnect(account_id)` after its
commit: the live sessions' Disconnect-Request is the CoA layer's to send.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Final

from provisiond.events.loop import PacedLoop
from provisiond.model.errors import ModelError
from provisiond.store import schedule
from provisiond.store.steps import StepKind

if TYPE_CHECKING:
    from collections.abc import Callable

    from provisiond.model.clock import Clock
    from provisiond.observability.metrics import Metrics
    from provisiond.store import Store
    from provisiond.store.steps import StepResult

log = logging.getLogger(__name__)

ACTOR: Final = "scheduler"
BATCH: Final = 100  # steps read per query
MAX_SLEEP: Final = 3600.0  # seconds; re-read the schedule at least hourly (wall-clock jumps)
WATCHED: Final = ("scheduled_events", "vacations")


class Scheduler(PacedLoop):
    """Stops between steps or mid-step: a step's transaction either committed or not.
    `settled()` returns once everything due has run and the scheduler sleeps."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        metrics: Metrics,
        on_disconnect: Callable[[int], None] | None = None,
        on_failed: Callable[[], None] | None = None,
    ) -> None:
        """`on_disconnect(account_id)`: a `disconnect` event moved the account (must not
        block). `on_failed()`: a step failed and queued `scheduled_event.failed`."""
        self._store = store
        self._clock = clock
        self._metrics = metrics
        self._on_disconnect = on_disconnect
        self._on_failed = on_failed
        super().__init__("scheduler", clock, store.feed, WATCHED)

    async def _pass(self) -> float | None:
        await self.run_due()
        upcoming = await self._store.write(schedule.next_at)
        if upcoming is None:
            return MAX_SLEEP
        return min((upcoming - self._clock.now()).total_seconds(), MAX_SLEEP)

    async def run_due(self) -> int:
        """Run every step due now, in time order; how many ran."""
        ran = 0
        while True:
            read = functools.partial(schedule.due, now=self._clock.now(), limit=BATCH)
            batch = await self._store.write(read)
            if not batch:
                return ran
            for step in batch:
                ran += await self._run(step)
                if step.kind is StepKind.VACATION_START:
                    break  # its end may now be due before the rest of the batch: re-read

    async def _run(self, step: schedule.Due) -> int:
        try:
            result = await self._store.transact(
                functools.partial(schedule.run, step=step), actor=ACTOR
            )
        except ModelError as exc:
            # The database refused the COMMIT (a rule the store's checks do not cover):
            # the step is still pending; record the failure in a transaction of its own.
            fail = functools.partial(schedule.fail, step=step, message=str(exc))
            result = await self._store.transact(fail, actor=ACTOR)
        if result is None:
            return 0
        self._report(result)
        return 1

    def _report(self, result: StepResult) -> None:
        outcome = "failed" if result.error is not None else "complete"
        self._metrics.scheduled_steps.labels(result.kind.value, outcome).inc()
        if result.error is not None:
            log.warning(
                "%s %d of account %d failed: %s",
                result.kind.value,
                result.id,
                result.account_id,
                result.error,
                extra={"account_id": result.account_id},
            )
            if self._on_failed is not None:
                self._on_failed()
            return
        log.info(
            "%s %d of account %d done",
            result.kind.value,
            result.id,
            result.account_id,
            extra={"account_id": result.account_id},
        )
        if result.disconnected and self._on_disconnect is not None:
            self._on_disconnect(result.account_id)
