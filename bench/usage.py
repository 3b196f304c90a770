"""Usage metering on the accounting hot path: what a batch of records costs.

Every batch is 256 records of five-minute intervals (the accounting writer's largest
batch), each of a different account, as at full load. Two sets of figures:

- The split alone (`usage.meter.usage_rows`, wall time, median of 50 runs):
  `usage_batch_plain_ms` (policies without free periods, the common case),
  `usage_batch_free_nights_ms` (free every night 00:00-06:00 in Europe/Berlin), and
  `usage_record_plain_us` (the first per record).
- The whole usage step of a batch as the accounting writer runs it, per record, in CPU
  time of the process (the SQLite thread's work counts too), median of 100 batches:
  `UsageService.rows`, the summing upsert `usage_totals.add` inside a transaction of a
  real SQLite store (a file in a temporary folder, the store's own pragmas; every one of
  10,000 accounts already has a row this month, so it updates, as in steady state), and
  `UsageService.committed` (the ledger, caps, two usage thresholds).
  `usage_step_plain_record_us` is the sum, with its parts `usage_step_rows_record_us`,
  `usage_step_upsert_record_us` and `usage_step_committed_record_us`;
  `usage_step_free_nights_record_us` is the sum with free nights.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

from bench import Figure
from bench.radius_provisiond import no_event
from provisiond.config.settings import UsageSettings
from provisiond.model.enums import TriggerEvent, Weekday
from provisiond.model.objects import FreePeriod, Trigger, UsagePolicy
from provisiond.model.usage import Traffic
from provisiond.runtime.clock import FakeClock
from provisiond.store import Store, usage_totals
from provisiond.usage import UsageService
from provisiond.usage.meter import usage_rows

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy.ext.asyncio import AsyncConnection


BATCH = 256
RUNS = 50
STEP_RUNS = 100
ACCOUNTS = 10_000
INTERVAL = timedelta(minutes=5)
ZONE_NAME = "Europe/Berlin"
ZONE = ZoneInfo(ZONE_NAME)
START = datetime(2026, 3, 10, 12, tzinfo=UTC)
PLAIN = UsagePolicy(1, "100 GB", 100.0)
FREE_NIGHTS = UsagePolicy(
    2, "100 GB, free nights", 100.0, tuple(FreePeriod(day, 0, 360) for day in Weekday)
)
THRESHOLDS = (80.0, 100.0)


def _batch(first: int = 0, at: datetime = START) -> list[Traffic]:
    """One record of each of `BATCH` accounts from `first` on, ending around `at`."""
    return [
        Traffic(
            (first + n) % ACCOUNTS + 1,
            at + timedelta(seconds=n),
            at + timedelta(seconds=n) + INTERVAL,
            10**7,
            10**6,
        )
        for n in range(BATCH)
    ]


def _median_ms(policy: UsagePolicy) -> float:
    traffic = _batch()
    timings = []
    for _ in range(RUNS):
        began = time.perf_counter()
        usage_rows(traffic, policy_of=lambda _account_id: policy, zone=ZONE)
        timings.append(time.perf_counter() - began)
    return statistics.median(timings) * 1000


class StepCost(NamedTuple):
    """CPU seconds of one batch's usage step, by part."""

    rows: float
    upsert: float
    committed: float

    @property
    def total(self) -> float:
        return self.rows + self.upsert + self.committed


async def _one_step(service: UsageService, store: Store, traffic: list[Traffic]) -> StepCost:
    """What the accounting writer does with a batch's traffic: rows inside the commit's
    transaction, the upsert in it, and `committed` after the COMMIT."""
    began = time.process_time()
    rows = service.rows(traffic)
    rows_cost = time.process_time() - began

    async def job(conn: AsyncConnection) -> float:
        before = time.process_time()
        await usage_totals.add(conn, rows)
        return time.process_time() - before

    upsert_cost = await store.write(job)
    began = time.process_time()
    service.committed(rows, traffic)
    return StepCost(rows_cost, upsert_cost, time.process_time() - began)


async def _step_costs(policy: UsagePolicy) -> list[StepCost]:
    with tempfile.TemporaryDirectory() as folder:
        clock = FakeClock(START)
        store = await Store.open(f"sqlite:///{folder}/bench.db", clock=clock)
        try:
            for percent in THRESHOLDS:
                hook = Trigger(
                    0,
                    f"usage {percent}",
                    TriggerEvent.ACCOUNT_USAGE_THRESHOLD,
                    "https://hooks.example/usage",
                    percent=percent,
                )
                await store.create(hook, actor="bench")
            service = UsageService(
                store=store,
                clock=clock,
                settings=UsageSettings(timezone=ZONE_NAME),
                policy_of=lambda _account_id: policy,
                on_over_cap=lambda _account_id, _over: None,
                fire=no_event,
            )
            await service.start()
            try:
                for first in range(0, ACCOUNTS, BATCH):  # every account gets its row
                    await _one_step(service, store, _batch(first, START - INTERVAL))
                return [
                    await _one_step(service, store, _batch(run * BATCH, START + run * INTERVAL))
                    for run in range(STEP_RUNS)
                ]
            finally:
                await service.stop()
        finally:
            await store.close()


def _per_record_us(costs: Iterable[float]) -> float:
    return statistics.median(costs) * 1e6 / BATCH


def run() -> Iterable[Figure]:
    plain = _median_ms(PLAIN)
    free = _median_ms(FREE_NIGHTS)
    yield Figure("usage_batch_plain_ms", plain, "ms")
    yield Figure("usage_batch_free_nights_ms", free, "ms")
    yield Figure("usage_record_plain_us", plain * 1000 / BATCH, "us")
    steps = asyncio.run(_step_costs(PLAIN))
    yield Figure("usage_step_plain_record_us", _per_record_us(s.total for s in steps), "us")
    yield Figure("usage_step_rows_record_us", _per_record_us(s.rows for s in steps), "us")
    yield Figure("usage_step_upsert_record_us", _per_record_us(s.upsert for s in steps), "us")
    committed = _per_record_us(s.committed for s in steps)
    yield Figure("usage_step_committed_record_us", committed, "us")
    nights = asyncio.run(_step_costs(FREE_NIGHTS))
    yield Figure("usage_step_free_nights_record_us", _per_record_us(s.total for s in nights), "us")
