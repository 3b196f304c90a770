"""Billable and free bytes: proportional splits, DST nights, month boundaries, exact sums."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provisiond.model.enums import Weekday
from provisiond.model.objects import FreePeriod
from provisiond.usage.errors import IntervalError
from provisiond.usage.split import Split, allocate, combined
from tests.unit.usage.test_schedule import free

BERLIN = ZoneInfo("Europe/Berlin")
UTC_ZONE = ZoneInfo("UTC")
SUNDAY_NIGHT = (free(Weekday.SUNDAY, "01:00", "04:00"),)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def split(start: datetime, end: datetime, octets_in: int, octets_out: int, **where: Any) -> Split:
    """The interval's bytes, all its periods together (`where`: free_periods, zone)."""
    return combined(allocate(start, end, octets_in, octets_out, **where).values())


def test_without_free_periods_everything_is_billable() -> None:
    got = split(utc(2026, 3, 2), utc(2026, 3, 3), 1000, 10, free_periods=(), zone=BERLIN)
    assert got == Split(billable_in=1000, billable_out=10)


def test_inside_a_free_period_everything_is_free() -> None:
    monday_night = (free(Weekday.MONDAY, "00:00", "06:00"),)
    start = utc(2026, 3, 2, 0)  # Monday 01:00 in Berlin (CET)
    got = split(start, start + timedelta(hours=2), 700, 70, free_periods=monday_night, zone=BERLIN)
    assert got == Split(free_in=700, free_out=70)


def test_an_interval_across_a_free_period_edge_is_split_in_proportion() -> None:
    evening = (free(Weekday.MONDAY, "20:00", "23:00"),)
    start = utc(2026, 3, 2, 18, 45)  # 19:45 CET: 15 minutes billable, then 45 free
    got = split(start, start + timedelta(hours=1), 1000, 100, free_periods=evening, zone=BERLIN)
    assert got == Split(billable_in=250, billable_out=25, free_in=750, free_out=75)


def test_leftover_bytes_go_to_the_largest_remainders_so_the_sum_is_exact() -> None:
    one_hour = (free(Weekday.MONDAY, "01:00", "02:00"),)
    start = utc(2026, 3, 2, 0)  # 01:00 CET; hour 1 free, hours 2 and 3 billable
    got = split(start - timedelta(hours=1), start + timedelta(hours=2), 10, 2,
                free_periods=one_hour, zone=BERLIN)  # fmt: skip
    # Exactly 20/3 billable and 10/3 free: the odd byte goes to the larger remainder.
    assert got == Split(billable_in=7, billable_out=1, free_in=3, free_out=1)


def test_spring_forward_shortens_the_free_night_to_two_real_hours() -> None:
    # Berlin, Sunday 29 March 2026: 02:00 CET becomes 03:00 CEST (01:00 UTC). The free
    # night 01:00-04:00 runs from 00:00 to 02:00 UTC: two real hours of the four.
    got = split(utc(2026, 3, 28, 23), utc(2026, 3, 29, 3), 4000, 400,
                free_periods=SUNDAY_NIGHT, zone=BERLIN)  # fmt: skip
    assert got == Split(billable_in=2000, billable_out=200, free_in=2000, free_out=200)


def test_fall_back_lengthens_the_free_night_to_four_real_hours() -> None:
    # Berlin, Sunday 25 October 2026: 03:00 CEST becomes 02:00 CET (01:00 UTC). The free
    # night runs from 23:00 UTC (01:00 CEST) to 03:00 UTC (04:00 CET): four of six hours.
    got = split(utc(2026, 10, 24, 22), utc(2026, 10, 25, 4), 6000, 600,
                free_periods=SUNDAY_NIGHT, zone=BERLIN)  # fmt: skip
    assert got == Split(billable_in=2000, billable_out=200, free_in=4000, free_out=400)


def test_a_free_period_inside_the_skipped_hour_never_happens() -> None:
    skipped = (free(Weekday.SUNDAY, "02:15", "02:45"),)
    got = split(utc(2026, 3, 29, 0), utc(2026, 3, 29, 2), 100, 0, free_periods=skipped, zone=BERLIN)
    assert got == Split(billable_in=100)


def test_a_free_period_inside_the_repeated_hour_happens_twice() -> None:
    repeated = (free(Weekday.SUNDAY, "02:00", "03:00"),)  # 00:00-01:00 and 01:00-02:00 UTC
    got = split(utc(2026, 10, 24, 23), utc(2026, 10, 25, 3), 400, 0,
                free_periods=repeated, zone=BERLIN)  # fmt: skip
    assert got == Split(billable_in=200, free_in=200)


def test_times_given_in_the_zone_itself_mean_the_same_instants() -> None:
    # Python subtracts two datetimes of one tzinfo by their wall clocks; the split must not.
    start, end = utc(2026, 3, 28, 23), utc(2026, 3, 29, 3)
    in_utc = split(start, end, 4000, 400, free_periods=SUNDAY_NIGHT, zone=BERLIN)
    in_zone = split(start.astimezone(BERLIN), end.astimezone(BERLIN), 4000, 400,
                    free_periods=SUNDAY_NIGHT, zone=BERLIN)  # fmt: skip
    assert in_zone == in_utc


def test_an_interval_across_a_month_boundary_is_shared_between_the_periods() -> None:
    # April begins at 22:00 UTC on 31 March in Berlin (CEST); three hours, one of them April's.
    got = allocate(utc(2026, 3, 31, 20), utc(2026, 3, 31, 23), 300, 30, free_periods=(),
                   zone=BERLIN)  # fmt: skip
    assert got == {
        utc(2026, 2, 28, 23): Split(billable_in=200, billable_out=20),
        utc(2026, 3, 31, 22): Split(billable_in=100, billable_out=10),
    }


def test_a_zero_length_interval_goes_to_the_period_and_class_of_its_instant() -> None:
    monday_evening = (free(Weekday.MONDAY, "20:00", "22:00"),)
    edge = utc(2026, 3, 2, 19)  # 20:00 CET: a free period includes its start ...
    assert split(edge, edge, 5, 6, free_periods=monday_evening, zone=BERLIN) == Split(
        free_in=5, free_out=6
    )
    end = utc(2026, 3, 2, 21)  # ... and not its end
    assert split(end, end, 5, 6, free_periods=monday_evening, zone=BERLIN) == Split(5, 6)
    april = utc(2026, 3, 31, 22)  # the first instant of April belongs to April
    assert allocate(april, april, 1, 1, free_periods=(), zone=BERLIN) == {april: Split(1, 1)}


@pytest.mark.parametrize(
    ("start", "end", "octets", "message"),
    [
        (datetime(2026, 1, 1), utc(2026, 1, 2), 1, "no time zone"),  # noqa: DTZ001
        (utc(2026, 1, 2), utc(2026, 1, 1), 1, "ends .* before it starts"),
        (utc(2026, 1, 1), utc(2026, 1, 2), -1, "negative octets"),
    ],
)
def test_traffic_that_cannot_be_placed_is_refused(
    start: datetime, end: datetime, octets: int, message: str
) -> None:
    with pytest.raises(IntervalError, match=message):
        split(start, end, octets, 0, free_periods=(), zone=BERLIN)


# -- properties -------------------------------------------------------------------------

ZONES = st.sampled_from(
    [BERLIN, UTC_ZONE]
    + [ZoneInfo(n) for n in ("America/Havana", "Australia/Lord_Howe", "Asia/Kathmandu")]
)
PERIODS = st.lists(
    st.builds(
        FreePeriod,
        st.sampled_from(list(Weekday)),
        st.integers(min_value=0, max_value=1439),
        st.integers(min_value=0, max_value=1440),
    ),
    max_size=6,
)
STARTS = st.datetimes(
    min_value=datetime(2020, 1, 1),  # noqa: DTZ001
    max_value=datetime(2032, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
DURATIONS = st.one_of(
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=2)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=70)),
)
OCTETS = st.integers(min_value=0, max_value=2**63 - 1)


@settings(max_examples=300, deadline=None)
@given(
    start=STARTS,
    duration=DURATIONS,
    octets_in=OCTETS,
    octets_out=OCTETS,
    periods=PERIODS,
    zone=ZONES,
)
def test_billable_plus_free_is_the_total_exactly(
    *,
    start: datetime,
    duration: timedelta,
    octets_in: int,
    octets_out: int,
    periods: list[FreePeriod],
    zone: ZoneInfo,
) -> None:
    parts = allocate(start, start + duration, octets_in, octets_out, free_periods=periods,
                     zone=zone)  # fmt: skip
    assert all(min(part) >= 0 for part in parts.values())
    assert sum(p.billable_in + p.free_in for p in parts.values()) == octets_in
    assert sum(p.billable_out + p.free_out for p in parts.values()) == octets_out
    assert list(parts) == sorted(parts)  # periods in time order, as UTC instants
    assert all(period.tzinfo is UTC for period in parts)
    if not periods:
        assert all(p.free_in == p.free_out == 0 for p in parts.values())


@settings(max_examples=100, deadline=None)
@given(start=STARTS, duration=DURATIONS, octets=OCTETS, zone=ZONES)
def test_a_free_week_leaves_nothing_billable(
    start: datetime, duration: timedelta, octets: int, zone: ZoneInfo
) -> None:
    every_day = [FreePeriod(day, 0, 0) for day in Weekday]
    got = split(start, start + duration, octets, octets, free_periods=every_day, zone=zone)
    assert got == Split(free_in=octets, free_out=octets)
