"""`UsageService`: usage accounting at the rim (DESIGN.md §6, docs/usage.md).

It keeps the current period's totals in memory (loaded at start; afterwards every
committed row passes through `committed`), tells the daemon when an account crosses its
cap, fires `account.usage_threshold`, turns the month over, and counts SNMP queue
counters for the accounts that had no RADIUS session. What the daemon wires:

    usage = UsageService(
        store=store, clock=clock, settings=settings.usage,
        policy_of=usage_policy_of,        # account id → its primary service's UsagePolicy
        on_over_cap=live.over_cap,        # a flip: the `usage` filter, and a CoA ("usage")
        fire=events.fire,                 # account.usage_threshold
        in_session=radius.book.has_sessions,
    )
    await usage.start()                   # after the engine is loaded (it judges caps),
                                          # before RADIUS starts (it counts from then on)
    usage.over_cap_accounts()             # seed the engine with these, without a CoA
    RadiusServer(..., usage=usage)        # accounting counts through rows()/committed()
    await usage.queue_counters(device, at, counters, comment_prefix=prefix, reset=rebooted)
    usage.policy_changed(account_ids)     # a cap, a policy or a primary service changed
    await usage.stop()

The month rollover and policy changes judge many accounts again; that work is paced
(at most `pace` cap flips per `tick`, a yield every `BATCH` accounts) so it neither
stalls the event loop nor floods the NAS with CoA. Thresholds fire through `fire` one
at a time, each once per period per trigger (the outbox keeps a `once_key` per account
and period).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Final, Protocol

from provisiond.aio.wakeup import Wakeup
from provisiond.config.settings import DEFAULT_COMMENT_PREFIX
from provisiond.model.enums import TriggerEvent
from provisiond.store.usage_totals import UsageStore
from provisiond.usage import period, standing
from provisiond.usage.errors import UsageError
from provisiond.usage.ledger import Ledger
from provisiond.usage.meter import usage_rows
from provisiond.usage.polls import QueuePolls

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from datetime import datetime

    from provisiond.config.settings import UsageSettings
    from provisiond.drivers.snmp_counters import QueueCounters
    from provisiond.model.clock import Clock
    from provisiond.model.objects import UsagePolicy
    from provisiond.model.usage import Traffic
    from provisiond.store import ChangeSubscription, Store
    from provisiond.store.usage_totals import UsageRow

log = logging.getLogger(__name__)

PACE: Final = 100  # cap flips (and so CoA) per tick when many accounts are judged again
TICK: Final = 1.0  # seconds between paced steps
BATCH: Final = 1000  # accounts judged between two yields to the event loop
MAX_SLEEP: Final = 60.0  # seconds: the wall clock is looked at this often for the rollover
FIRE_ATTEMPTS: Final = 5  # a threshold event the store refuses this often is dropped, logged
WATCHED: Final = frozenset({"triggers", "*"})  # store changes that move the thresholds


class Fire(Protocol):
    """`EventsService.fire`."""

    async def __call__(
        self,
        event: TriggerEvent,
        account_id: int | None,
        data: Mapping[str, Any],
        *,
        once_key: str | None = None,
    ) -> int: ...


class UsageService:
    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        settings: UsageSettings,
        policy_of: Callable[[int], UsagePolicy | None],
        on_over_cap: Callable[[int, bool], None],
        fire: Fire,
        in_session: Callable[[int], bool] = lambda _account_id: False,
        pace: int = PACE,
        tick: float = TICK,
    ) -> None:
        """`policy_of(account_id)`: the usage policy of the account's primary data
        service now (None: no cap). `on_over_cap(account_id, over)`: the account crossed
        its cap. `in_session(account_id)`: it has an open RADIUS session (its SNMP queue
        counters are not counted then)."""
        if pace < 1 or tick <= 0:
            raise ValueError(f"pace must be positive and tick above 0: {pace}, {tick}")
        self._store = store
        self._tables = UsageStore(store)
        self._clock = clock
        self._settings = settings
        self._zone = settings.zone
        self._policy_of = policy_of
        self._on_over_cap = on_over_cap
        self._fire = fire
        self._in_session = in_session
        self._pace = pace
        self._tick = tick
        self._ledger: Ledger | None = None
        self._next_start = clock.now()
        self._thresholds: list[float] = []
        self._radius_until: dict[int, datetime] = {}  # last RADIUS traffic per account
        self._polls = QueuePolls(self._tables, rows=self.rows, counted_elsewhere=self._had_session)
        self._pending: dict[int, None] = {}  # accounts to judge again, in order
        self._fires: dict[tuple[int, str], dict[str, Any]] = {}  # (account, period) → data
        self._attempts: dict[tuple[int, str], int] = {}
        self._wakeup = Wakeup()
        self._following = asyncio.Event()
        self._subscription: ChangeSubscription | None = None
        self._tasks: list[asyncio.Task[None]] = []

    # -- life cycle ------------------------------------------------------------------

    async def start(self) -> None:
        """Load the current period's totals and the thresholds, judge every account with
        usage (the over-cap ones become `over_cap_accounts()`, without a callback), and
        start the tasks. Raises `UsageError` when already started."""
        if self._tasks:
            raise UsageError("usage accounting is already started")
        self._subscription = self._store.feed.subscribe()  # before reading: nothing slips
        try:
            first, self._next_start = period.bounds(self._clock.now(), self._zone)
            self._ledger = Ledger(first, await self._tables.of_period(first))
            self._thresholds = await self._tables.threshold_percents()
            self._radius_until = await self._tables.recent_sessions()
            for account_id in sorted(self._ledger.accounts()):
                # Thresholds reached before a restart are offered again: the outbox's
                # once-key drops those already queued, and none is lost to a crash.
                self._judge(account_id, announce=False)
        except BaseException:
            self._close_subscription()
            raise
        log.info(
            "usage period %s: %d accounts with usage, %d over their cap",
            period.label(first, self._zone),
            len(self._ledger.accounts()),
            len(self._ledger.over),
        )
        self._tasks = [
            asyncio.create_task(self._run(), name="usage"),
            asyncio.create_task(self._follow(self._subscription), name="usage-triggers"),
        ]

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._close_subscription()

    def _close_subscription(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None

    async def settled(self) -> None:
        """Return once the paced work and the threshold events are done (tests, and the
        daemon before it reports a shutdown); at once when not started."""
        while self._tasks:
            await self._wakeup.parked()
            await self._following.wait()
            pending = self._subscription.pending if self._subscription is not None else 0
            if not (self._pending or self._fires or self._wakeup.poked or pending):
                return
            await asyncio.sleep(0)

    def update_settings(self, settings: UsageSettings) -> None:
        """A reload. The time zone draws the month's boundaries and the stored totals
        are keyed by them, so a new one applies from the next start."""
        if settings.timezone != self._settings.timezone:
            log.warning("usage.timezone changed; it takes effect at the next restart")

    # -- what the daemon and the API ask -----------------------------------------------

    def over_cap_accounts(self) -> frozenset[int]:
        """The accounts at or over their cap this period, as last announced."""
        return self._started().over

    def usage(self, account_id: int) -> dict[str, Any]:
        """`GET /api/v1/accounts/{id}/usage` of an existing account (zeros without usage)."""
        ledger = self._started()
        self._roll_if_due()
        totals = ledger.totals(account_id)
        return standing.report(ledger.period_start, self._zone, totals, self._policy_of(account_id))

    def policy_changed(self, account_ids: Iterable[int] | None = None) -> None:
        """A cap, a usage policy or an account's primary service changed: judge these
        accounts (None: every account with usage or over its cap) again, paced."""
        found = self._started().accounts() if account_ids is None else account_ids
        self._pending.update(dict.fromkeys(sorted(found)))
        self._wakeup.poke()

    # -- accounting (`radius.acct_writer.UsageMeter`) -------------------------------------

    def rows(self, traffic: Sequence[Traffic]) -> list[UsageRow]:
        """The usage rows of a batch's traffic, for its commit (pure and quick)."""
        return usage_rows(traffic, policy_of=self._policy_of, zone=self._zone)

    def committed(self, rows: Sequence[UsageRow], traffic: Sequence[Traffic]) -> None:
        """The rows of accounting traffic are on disk: count them (judging only the
        accounts whose bytes reached their cap or a threshold, `Ledger.unsettled`)."""
        until = self._radius_until
        for account_id, _start, end, _in, _out in traffic:
            seen = until.get(account_id)
            if seen is None or end > seen:
                until[account_id] = end
        self._counted(rows)

    # -- SNMP ----------------------------------------------------------------------------

    async def queue_counters(
        self,
        device: str,
        at: datetime,
        counters: Mapping[str, QueueCounters],
        *,
        comment_prefix: str = DEFAULT_COMMENT_PREFIX,
        reset: bool = False,
    ) -> int:
        """Count one poll of a device's simple-queue counters (queue name → counters,
        polled at `at`; `reset`: the device was seen to reboot since the last poll) for
        the accounts that had no RADIUS session in the interval; how many it counted.
        The new counters and the usage are stored in one transaction."""
        rows = await self._polls.poll(device, at, counters, prefix=comment_prefix, reset=reset)
        self._counted(rows)
        return len({row.account_id for row in rows})

    def _had_session(self, traffic: Traffic) -> bool:
        """RADIUS accounting counts an account that had a session in the interval."""
        seen = self._radius_until.get(traffic.account_id)
        return (seen is not None and seen >= traffic.start) or self._in_session(traffic.account_id)

    # -- judging -------------------------------------------------------------------------

    def _started(self) -> Ledger:
        if self._ledger is None:
            raise UsageError("usage accounting is not started")
        return self._ledger

    def _counted(self, rows: Sequence[UsageRow]) -> None:
        if self._ledger is None:
            return  # not started (accounting starts after us): `start` reads them
        self._roll_if_due()
        changed = self._ledger.add(rows)
        # Most accounts of a batch are still under everything that matters: not judged.
        for account_id in sorted(self._ledger.unsettled(changed, self._policy_of)):
            self._judge(account_id)

    def _judge(self, account_id: int, *, announce: bool = True) -> bool:
        """Judge the account's standing now; whether it flipped across its cap."""
        ledger = self._started()
        policy = self._policy_of(account_id)
        now = standing.Standing(ledger.billable(account_id), standing.cap_bytes(policy))
        flipped = ledger.judge(account_id, over=now.over_cap)
        if flipped is not None and announce:
            try:
                self._on_over_cap(account_id, flipped)
            except Exception:
                log.exception("the over-cap callback failed for account %d", account_id)
        if self._thresholds and ledger.threshold_due(account_id, now.percent, self._thresholds):
            key = (account_id, period.label(ledger.period_start, self._zone))
            self._fires[key] = now.threshold_data()
            self._wakeup.poke()
        ledger.settle(account_id, policy, self._thresholds)
        return flipped is not None

    def _roll_if_due(self) -> None:
        ledger = self._ledger
        now = self._clock.now()
        if ledger is None or now < self._next_start:
            return
        first, self._next_start = period.bounds(now, self._zone)
        again = ledger.roll(first)
        self._pending.update(dict.fromkeys(sorted(again)))
        self._wakeup.poke()
        log.info(
            "usage period %s began: %d accounts to judge again",
            period.label(first, self._zone),
            len(again),
        )

    # -- the task --------------------------------------------------------------------------

    async def _run(self) -> None:
        window, spent = self._clock.monotonic(), 0  # at most `pace` flips per tick window
        while True:
            self._roll_if_due()
            if self._pending:
                now = self._clock.monotonic()
                if now >= window + self._tick:
                    window, spent = now, 0
                if spent < self._pace:
                    spent += self._judge_some(self._pace - spent)
            failed = await self._fire_some()
            ready_at = window + self._tick if spent >= self._pace else self._clock.monotonic()
            await self._wait(self._delay(ready_at, failed=failed))

    def _delay(self, ready_at: float, *, failed: bool) -> float:
        """Seconds until there is something to do: more accounts to judge (at once, or
        when the flips of this tick are used up, at the next), the next threshold event
        (at once; a tick after a failure), or the month's end."""
        until = (self._next_start - self._clock.now()).total_seconds()
        delays = [min(until, MAX_SLEEP)]
        if self._pending:
            delays.append(ready_at - self._clock.monotonic())
        if self._fires:
            delays.append(self._tick if failed else 0.0)
        return max(min(delays), 0.0)

    def _judge_some(self, budget: int) -> int:
        """Judge pending accounts until `budget` of them flipped (each flip is a CoA) or
        `BATCH` were judged (the loop yields between batches); how many flipped."""
        flips = 0
        for _ in range(min(BATCH, len(self._pending))):
            account_id = next(iter(self._pending))
            del self._pending[account_id]
            if self._judge(account_id):
                flips += 1
                if flips >= budget:
                    break
        return flips

    async def _fire_some(self) -> bool:
        """Send up to `pace` threshold events, one at a time; whether one failed."""
        failed = False
        for _ in range(min(self._pace, len(self._fires))):
            key = next(iter(self._fires))
            data = self._fires.pop(key)
            account_id, label = key
            try:
                await self._fire(
                    TriggerEvent.ACCOUNT_USAGE_THRESHOLD,
                    account_id,
                    data,
                    once_key=f"{account_id}:{label}",
                )
            except Exception as exc:  # noqa: BLE001 - logged; retried a bounded number of times
                self._failed_fire(key, data, exc)
                failed = True
            else:
                self._attempts.pop(key, None)
        return failed

    def _failed_fire(self, key: tuple[int, str], data: dict[str, Any], exc: Exception) -> None:
        attempts = self._attempts.get(key, 0) + 1
        if attempts >= FIRE_ATTEMPTS:
            self._attempts.pop(key, None)
            log.error(
                "usage threshold of account %d dropped after %d tries: %s", key[0], attempts, exc
            )
            return
        self._attempts[key] = attempts
        self._fires.setdefault(key, data)
        log.warning(
            "usage threshold of account %d (#%d/%d): %s", key[0], attempts, FIRE_ATTEMPTS, exc
        )

    async def _wait(self, delay: float) -> None:
        """Sleep `delay` seconds of the clock, or until poked (new work, a rollover)."""
        if self._wakeup.poked or delay <= 0:
            self._wakeup.clear()
            await asyncio.sleep(0)  # let others run between passes
            return
        await self._wakeup.wait(self._clock, delay)
        self._wakeup.clear()

    async def _follow(self, subscription: ChangeSubscription) -> None:
        """Re-read the thresholds when triggers change."""
        self._following.set()
        async for change in subscription:
            self._following.clear()
            relevant = change.kind in WATCHED
            while subscription.pending:
                relevant = (await anext(subscription)).kind in WATCHED or relevant
            if relevant:
                await self._load_thresholds()
            self._following.set()

    async def _load_thresholds(self) -> None:
        try:
            self._thresholds = await self._tables.threshold_percents()
        except Exception:
            log.exception("cannot read the usage thresholds; keeping the last ones")
            return
        if self._ledger is not None:
            self._ledger.unsettle()  # what an account's bytes must reach has moved
