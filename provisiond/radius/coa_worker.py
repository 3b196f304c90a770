"""`CoaWorker`: the CoA sender's runtime, a durable work queue with bounded concurrency.

One task ("coa-sender") runs passes. A pass writes, in one transaction through the
store's single writer, the work queued since the last one (so each session's outbox row
is on disk before its request is sent), the outcome of the requests that finished and
the approvals; then it starts as many sessions as `max_in_flight` allows, one task per
session, each running `serve`. A burst (the monthly usage rollover flips thousands of
accounts at once) is thus a few large transactions and a steady stream of requests,
never thousands of tasks at once.

A failed write puts its inputs back for the next pass, after a logged, bounded backoff;
the queue in memory changes only once a write is committed (`CoaQueue.plan`/`commit`).
Stopping gives the requests in flight a grace period and cancels the rest: their rows
stay in the outbox and are sent again at the next start.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import TYPE_CHECKING, Any, Final

from provisiond.aio.wakeup import Wakeup
from provisiond.radius.coa_queue import CoaQueue, Retry
from provisiond.radius.coa_requester import CoaError
from provisiond.store.coa_outbox import CoaOutbox, coalesce

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine

    from provisiond.model.clock import Clock
    from provisiond.observability.metrics import Metrics
    from provisiond.radius.coa_queue import Entry, Settlement
    from provisiond.store import Store
    from provisiond.store.coa_outbox import OutboxRow

log = logging.getLogger(__name__)

RETRY_DELAY: Final = 30.0  # seconds before work whose outcome could not be recorded retries
BACKOFF: Final = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)  # seconds between failed passes


class CoaWorker:
    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        metrics: Metrics,
        serve: Callable[[int, Entry], Coroutine[Any, Any, Settlement]],
        max_in_flight: int,
    ) -> None:
        self._outbox = CoaOutbox(store)
        self._clock = clock
        self._metrics = metrics
        self._serve = serve
        self._max_in_flight = max_in_flight
        self.queue = CoaQueue()
        self._intake: dict[int, OutboxRow] = {}  # queued, not yet written
        self._settled: list[tuple[int, Settlement]] = []
        self._approvals: list[asyncio.Future[int]] = []
        self._flushes: list[asyncio.Future[None]] = []
        self._tasks: dict[int, asyncio.Task[Settlement]] = {}
        self._wakeup = Wakeup()
        self._idle = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.stopped = False
        self._failures = 0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._stopping

    @property
    def depth(self) -> int:
        """Sessions with work in the outbox, or about to be written to it."""
        queue = self.queue
        return len(queue) + sum(1 for sid in self._intake if sid not in queue.entries)

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def load(self, is_open: Callable[[int], bool]) -> int:
        """The stored work; rows of sessions no longer open are deleted. How many kept."""
        rows = await self._outbox.load()
        gone = {row.session_id for row in rows if not is_open(row.session_id)}
        if gone:
            await self._outbox.delete(gone)
        self.queue.load(row for row in rows if row.session_id not in gone)
        self._gauges()
        return len(rows) - len(gone)

    def start(self, first: Callable[[], Awaitable[None]]) -> None:
        """Run; `first` runs once, after the first pass (the sender's re-check)."""
        if self._task is not None or self.stopped:
            raise CoaError("the CoA sender was already started")
        self._task = asyncio.create_task(self._run(first), name="coa-sender")

    async def stop(self, grace: float) -> None:
        """Take no more work, give the requests in flight `grace` seconds of the clock,
        then cancel them; everything unfinished stays in the outbox."""
        task = self._task
        if task is None:
            self.stopped = True
            return
        self._stopping = True
        self._wake()
        await task
        if self._tasks:
            await self._wait_for_tasks(grace)
        try:
            await self._pass(spawn=False)  # the outcomes and work that came in meanwhile
        except Exception:
            log.exception("CoA sender: the last outbox write failed; the outbox keeps the work")
        self._task = None
        self.stopped = True

    async def _wait_for_tasks(self, grace: float) -> None:
        tasks = list(self._tasks.values())
        timer = asyncio.ensure_future(self._clock.sleep(grace))
        try:
            pending = list(tasks)
            while pending and not timer.done():
                await asyncio.wait([*pending, timer], return_when=asyncio.FIRST_COMPLETED)
                pending = [task for task in pending if not task.done()]
        finally:
            timer.cancel()
            await asyncio.gather(timer, return_exceptions=True)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def drained(self) -> None:
        """Return once nothing is queued, in flight or due (held and waiting work aside)."""
        while True:
            await self._idle.wait()
            if self._is_idle():
                return
            await asyncio.sleep(0)

    # -- work in ---------------------------------------------------------------------------

    def put(self, work: OutboxRow) -> None:
        """Queue work for the next pass, coalesced with what the session has queued."""
        if self.stopped:
            log.debug(
                "CoA sender stopped; session %d is re-checked at the next start", work.session_id
            )
            return
        queued = self._intake.get(work.session_id)
        self._intake[work.session_id] = work if queued is None else coalesce(queued, work)
        self._wake()

    async def flush(self) -> None:
        """Return once everything queued so far is written to the outbox."""
        self._require_running()
        flushed = asyncio.get_running_loop().create_future()
        self._flushes.append(flushed)
        self._wake()
        await flushed

    async def release_held(self) -> int:
        """Release every held row (sent past the breaker); how many were held."""
        if not self.queue.held_count:
            return 0
        self._require_running()
        approved: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._approvals.append(approved)
        self._wake()
        return await approved

    def _require_running(self) -> None:
        if not self.running:
            raise CoaError("the CoA sender is not running")

    # -- the loop --------------------------------------------------------------------------

    def _wake(self) -> None:
        self._idle.clear()
        self._wakeup.poke()

    async def _run(self, first: Callable[[], Awaitable[None]]) -> None:
        pending_first: Callable[[], Awaitable[None]] | None = first
        while not self._stopping:
            try:
                await self._pass(spawn=True)
            except Exception as exc:  # noqa: BLE001 - logged; the sender must outlive a hiccup
                await self._wait(self._failed(exc))
                continue
            if self._failures:
                log.info("CoA sender recovered after %d failed passes", self._failures)
                self._failures = 0
            if pending_first is not None:
                await self._once(pending_first)
                pending_first = None
            await self._wait(self._next_wait())

    async def _once(self, first: Callable[[], Awaitable[None]]) -> None:
        try:
            await first()
        except Exception:
            log.exception("the CoA sender's start-up step failed; queued work still goes")

    def _failed(self, exc: Exception) -> float:
        self._failures += 1
        delay = BACKOFF[min(self._failures, len(BACKOFF)) - 1]
        log.error(
            "CoA outbox write failed (#%d), retrying in %.0f s: %s", self._failures, delay, exc
        )
        return delay

    def _next_wait(self) -> float | None:
        now = self._clock.monotonic()
        due = self.queue.next_due(now)
        return None if due is None else due - now

    async def _wait(self, delay: float | None) -> None:
        """Until woken, or `delay` seconds of the clock (None: until woken)."""
        if not self._wakeup.poked and self._is_idle():
            self._idle.set()  # what `drained()` waits for; `_wake()` clears it
        await self._wakeup.wait(self._clock, delay)
        self._wakeup.clear()

    def _is_idle(self) -> bool:
        return not (
            self._intake
            or self._settled
            or self._tasks
            or self._approvals
            or self._flushes
            or self.queue.has_due(self._clock.monotonic())
        )

    async def _pass(self, *, spawn: bool) -> None:
        """Write what came in, settle what finished, start what is due."""
        intake, self._intake = list(self._intake.values()), {}
        settled, self._settled = self._settled, []
        approvals, self._approvals = self._approvals, []
        flushes, self._flushes = self._flushes, []
        step = self.queue.plan(
            intake=intake,
            settled=settled,
            release=bool(approvals),
            free=max(self._max_in_flight - len(self._tasks), 0) if spawn else 0,
            now=self._clock.monotonic(),
        )
        try:
            await self._outbox.apply(step.batch)
        except BaseException as exc:
            self._restore(intake, settled, approvals)
            for flushed in flushes:
                if not flushed.done():
                    flushed.set_exception(CoaError(f"the CoA outbox write failed: {exc}"))
            raise
        self.queue.commit(step)
        for approved in approvals:
            if not approved.done():
                approved.set_result(step.released)
        for flushed in flushes:
            if not flushed.done():
                flushed.set_result(None)
        for session_id in step.started:
            self._spawn(session_id)
        self._gauges()

    def _restore(
        self,
        intake: list[OutboxRow],
        settled: list[tuple[int, Settlement]],
        approvals: list[asyncio.Future[int]],
    ) -> None:
        """A failed write: its inputs wait for the next pass, ahead of newer ones."""
        for row in intake:
            newer = self._intake.get(row.session_id)
            self._intake[row.session_id] = row if newer is None else coalesce(row, newer)
        self._settled[:0] = settled
        self._approvals[:0] = approvals

    def _spawn(self, session_id: int) -> None:
        entry = self.queue.entries[session_id]
        task = asyncio.create_task(self._serve(session_id, entry), name=f"coa-session-{session_id}")
        self._tasks[session_id] = task
        task.add_done_callback(functools.partial(self._finished, session_id))

    def _finished(self, session_id: int, task: asyncio.Task[Settlement]) -> None:
        self._tasks.pop(session_id, None)
        if task.cancelled():
            return  # a stop: the row stays in the outbox for the next start
        exc = task.exception()
        if exc is None:
            settlement = task.result()
        else:
            log.error(
                "CoA work for session %d failed, retrying in %.0f s: %s",
                session_id,
                RETRY_DELAY,
                exc,
                exc_info=exc,
            )
            settlement = Retry(self._clock.monotonic() + RETRY_DELAY)
        self._settled.append((session_id, settlement))
        self._wake()

    def _gauges(self) -> None:
        self._metrics.coa_outbox_depth.set(self.depth)
        self._metrics.coa_held.set(self.queue.held_count)
