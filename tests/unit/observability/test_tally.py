"""Tallies export exactly what prometheus-client's own Counter and Histogram export."""

from __future__ import annotations

import re

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from provisiond.observability.metrics import RADIUS_LATENCY_BUCKETS, Metrics
from provisiond.observability.tally import TallyCounter, TallyError, TallyHistogram

# Edge values on purpose: on a bound (`le` is inclusive), just past one, zero, past the last.
OBSERVED = (0.0, 0.00003, 0.0001, 0.00010001, 0.0004, 0.002, 1.0, 3.5)


def _exposition(registry: CollectorRegistry) -> str:
    """The text format with the `_created` timestamps (wall-clock times) masked."""
    text = generate_latest(registry).decode()
    return re.sub(r"(_created(?:\{[^}]*\})?) \S+", r"\1 T", text)


def test_a_tally_counter_exports_what_a_counter_exports() -> None:
    reference, tallied = CollectorRegistry(), CollectorRegistry()
    counter = Counter("x_requests", "Requests", ["type", "result"], registry=reference)
    tally = TallyCounter("x_requests", "Requests", ["type", "result"], registry=tallied)
    for family in (counter, tally):
        family.labels(type="auth", result="accept").inc(3)
        family.labels(type="auth", result="reject").inc()
        family.labels(type="acct", result="response")  # bound, never counted: exported at 0
    assert "x_requests_total" in _exposition(tallied)
    assert _exposition(tallied) == _exposition(reference)


def test_a_tally_histogram_exports_what_a_histogram_exports() -> None:
    reference, tallied = CollectorRegistry(), CollectorRegistry()
    histogram = Histogram(
        "x_seconds", "Latency", ["type"], buckets=RADIUS_LATENCY_BUCKETS, registry=reference
    )
    tally = TallyHistogram(
        "x_seconds", "Latency", ["type"], buckets=RADIUS_LATENCY_BUCKETS, registry=tallied
    )
    for family in (histogram, tally):
        for value in OBSERVED:
            family.labels(type="auth").observe(value)
        family.labels(type="acct").observe(0.003)
    assert _exposition(tallied) == _exposition(reference)
    assert tallied.get_sample_value("x_seconds_count", {"type": "auth"}) == len(OBSERVED)
    assert tallied.get_sample_value("x_seconds_bucket", {"type": "auth", "le": "0.0001"}) == 3
    assert tallied.get_sample_value("x_seconds_sum", {"type": "auth"}) == pytest.approx(
        sum(OBSERVED)
    )


def test_series_are_read_when_scraped_so_a_later_count_shows_up() -> None:
    registry = CollectorRegistry()
    tally = TallyCounter("x_drops", "Drops", ["reason"], registry=registry)
    series = tally.labels(reason="malformed")
    assert registry.get_sample_value("x_drops_total", {"reason": "malformed"}) == 0
    series.value += 2  # what the hot path does
    series.inc()
    assert registry.get_sample_value("x_drops_total", {"reason": "malformed"}) == 3
    assert tally.labels(reason="malformed") is series


def test_the_radius_metrics_keep_their_names_once_declared_as_tallies() -> None:
    metrics = Metrics()
    metrics.radius_requests.labels(type="access_request", result="accept").inc()
    metrics.radius_request_duration.labels(type="access_request").observe(0.00002)
    text = generate_latest(metrics.registry).decode()
    assert "# TYPE provisiond_radius_requests_total counter" in text
    assert "# TYPE provisiond_radius_request_duration_seconds histogram" in text
    registry = metrics.registry
    assert (
        registry.get_sample_value(
            "provisiond_radius_request_duration_seconds_bucket",
            {"type": "access_request", "le": "0.0001"},
        )
        == 1
    )


def test_a_wrongly_labelled_or_declared_tally_is_refused() -> None:
    registry = CollectorRegistry()
    tally = TallyCounter("x_total_things", "Things", ["kind"], registry=registry)
    with pytest.raises(TallyError, match="declared"):
        tally.labels(other="a")
    with pytest.raises(TallyError, match="only goes up"):
        tally.labels(kind="a").inc(-1)
    with pytest.raises(TallyError, match="ascending"):
        TallyHistogram("x_b", "B", [], buckets=(1, 0.5), registry=registry)
    with pytest.raises(TallyError, match="negative"):
        TallyHistogram("x_c", "C", [], buckets=(-1, 0.5), registry=registry)
    with pytest.raises(ValueError, match="Duplicated"):  # the registry still guards names
        TallyCounter("x_total_things", "Again", ["kind"], registry=registry)
