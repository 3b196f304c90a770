"""Usage metering on the accounting hot path: what a batch of records costs to split.

Figures (256 records of five-minute intervals, the accounting writer's largest batch;
median of 50 runs of `usage.meter.usage_rows`, the work done inside the commit):
- `usage_batch_plain_ms`: policies without free periods (the common case);
- `usage_batch_free_nights_ms`: a policy free every night 00:00-06:00 in Europe/Berlin;
- `usage_record_plain_us`: the first figure per record.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bench import Figure
from provisiond.model.enums import Weekday
from provisiond.model.objects import FreePeriod, UsagePolicy
from provisiond.model.usage import Traffic
from provisiond.usage.meter import usage_rows

if TYPE_CHECKING:
    from collections.abc import Iterable

BATCH = 256
RUNS = 50
ZONE = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 10, 12, tzinfo=UTC)


def _batch() -> list[Traffic]:
    return [
        Traffic(n, START + timedelta(seconds=n), START + timedelta(seconds=n + 300), 10**7, 10**6)
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


def run() -> Iterable[Figure]:
    plain = _median_ms(UsagePolicy(1, "100 GB", 100.0))
    nights = tuple(FreePeriod(day, 0, 360) for day in Weekday)
    free = _median_ms(UsagePolicy(2, "100 GB, free nights", 100.0, nights))
    yield Figure("usage_batch_plain_ms", plain, "ms")
    yield Figure("usage_batch_free_nights_ms", free, "ms")
    yield Figure("usage_record_plain_us", plain * 1000 / BATCH, "us")
