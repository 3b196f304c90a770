"""Counters and histograms for a hot path: plain ints, published when scraped.

A prometheus-client `Counter.inc()` takes a lock, and a `Histogram.observe()` takes one
and walks the buckets: about 1.3 µs per Access-Request together, on a path whose whole
budget is ~12 µs (reference/radius-hot-path.md). Here a series is a plain slot object
the hot path adds to, and the family is a registry collector that turns those numbers
into Prometheus samples only when `/metrics` is read. Names, labels, `_total`,
`_created`, buckets, `_count` and `_sum` come out as prometheus-client's own metrics
print them, so the exposition does not change.

Not thread-safe, by design: every series is counted on the event loop's thread (the
RADIUS server answers there), and the scrape runs there too.
"""

from __future__ import annotations

import math
import time
from bisect import bisect_left
from typing import TYPE_CHECKING

from prometheus_client.metrics_core import CounterMetricFamily, Metric
from prometheus_client.samples import Sample
from prometheus_client.utils import floatToGoString

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from prometheus_client import CollectorRegistry


class TallyError(ValueError):
    """A tally family declared or labelled wrongly (a programming error)."""


class Tally:
    """One counter series: `value` only grows."""

    __slots__ = ("created", "value")

    def __init__(self) -> None:
        self.value = 0
        self.created = time.time()  # what prometheus-client reports as `_created`

    def inc(self, amount: int = 1) -> None:
        if amount < 0:
            raise TallyError("a counter only goes up")
        self.value += amount


class HistogramTally:
    """One histogram series: a count per bucket (not cumulative) and the sum."""

    __slots__ = ("bounds", "counts", "created", "sum")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds  # ascending, the last one +Inf
        self.counts = [0] * len(bounds)
        self.sum = 0.0
        self.created = time.time()

    def observe(self, value: float) -> None:
        # Prometheus buckets are `le`: the first bound >= value, which bisect_left finds.
        self.counts[bisect_left(self.bounds, value)] += 1
        self.sum += value


def _label_values(labelnames: tuple[str, ...], labels: dict[str, str]) -> tuple[str, ...]:
    if set(labels) != set(labelnames):
        raise TallyError(f"labels {sorted(labels)} given, {sorted(labelnames)} declared")
    return tuple(str(labels[name]) for name in labelnames)


class TallyCounter:
    """A counter family registered like `prometheus_client.Counter`, counted in `Tally`s.

    `name` is given without `_total`, as to `Counter`. A series exists (and is exported,
    at 0) from its first `labels(...)` call on.
    """

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str],
        *,
        registry: CollectorRegistry,
    ) -> None:
        self._name = name
        self._documentation = documentation
        self._labelnames = tuple(labelnames)
        self._series: dict[tuple[str, ...], Tally] = {}
        registry.register(self)

    def labels(self, **labels: str) -> Tally:
        key = _label_values(self._labelnames, labels)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = Tally()
        return series

    def describe(self) -> list[Metric]:
        return [CounterMetricFamily(self._name, self._documentation, labels=self._labelnames)]

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(self._name, self._documentation, labels=self._labelnames)
        for values, series in self._series.items():
            family.add_metric(values, series.value, created=series.created)
        yield family


class TallyHistogram:
    """A histogram family registered like `prometheus_client.Histogram`, counted in
    `HistogramTally`s. `buckets` are the upper bounds; +Inf is added when missing."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str],
        *,
        buckets: Sequence[float],
        registry: CollectorRegistry,
    ) -> None:
        bounds = [float(bound) for bound in buckets]
        if bounds != sorted(bounds) or len(set(bounds)) != len(bounds) or not bounds:
            raise TallyError(f"{name}: buckets must be distinct and ascending")
        if bounds[0] < 0:
            # prometheus-client then leaves out `_sum`; no provisiond histogram needs that.
            raise TallyError(f"{name}: bucket bounds must not be negative")
        if bounds[-1] != math.inf:
            bounds.append(math.inf)
        self._name = name
        self._documentation = documentation
        self._labelnames = tuple(labelnames)
        self._bounds = tuple(bounds)
        # The `le` text exactly as prometheus-client prints it (`1.0`, `+Inf`).
        self._le = tuple(
            floatToGoString(bound)  # type: ignore[no-untyped-call]  # unannotated upstream
            for bound in bounds
        )
        self._series: dict[tuple[str, ...], HistogramTally] = {}
        registry.register(self)

    def labels(self, **labels: str) -> HistogramTally:
        key = _label_values(self._labelnames, labels)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = HistogramTally(self._bounds)
        return series

    def describe(self) -> list[Metric]:
        return [Metric(self._name, self._documentation, "histogram")]

    def collect(self) -> Iterator[Metric]:
        family = Metric(self._name, self._documentation, "histogram")
        name = self._name
        for values, series in self._series.items():
            labels = dict(zip(self._labelnames, values, strict=True))
            # `_count` is the +Inf bucket, so buckets, count and sum always agree.
            cumulative = 0
            for le, count in zip(self._le, series.counts, strict=True):
                cumulative += count
                family.samples.append(Sample(f"{name}_bucket", {"le": le, **labels}, cumulative))
            family.samples.append(Sample(f"{name}_count", labels, cumulative))
            family.samples.append(Sample(f"{name}_sum", labels, series.sum))
            family.samples.append(Sample(f"{name}_created", labels, series.created))
        yield family
