"""Free periods as a weekly wall-clock schedule."""

from __future__ import annotations

from datetime import datetime

import pytest

from provisiond.model.enums import Weekday
from provisiond.model.objects import FreePeriod
from provisiond.usage.schedule import MINUTE_US, WEEK_US, WeekSchedule, week_position

HOUR = 60 * MINUTE_US
DAY = 24 * HOUR


def free(day: Weekday, start: str, end: str) -> FreePeriod:
    def minutes(text: str) -> int:
        hours, mins = text.split(":")
        return int(hours) * 60 + int(mins)

    return FreePeriod(day, minutes(start), minutes(end))


def at(day: int, hour: float) -> int:
    """Position of `hour` o'clock on weekday `day` (Monday 0)."""
    return day * DAY + round(hour * HOUR)


def test_a_position_counts_from_monday_midnight() -> None:
    assert week_position(datetime(2026, 3, 2)) == 0  # noqa: DTZ001 - a Monday
    assert week_position(datetime(2026, 3, 8, 23, 59)) == WEEK_US - MINUTE_US  # noqa: DTZ001


@pytest.mark.parametrize(
    ("period", "inside", "outside"),
    [
        (free(Weekday.TUESDAY, "01:00", "05:00"), [at(1, 1), at(1, 4.99)], [at(1, 5), at(1, 0.9)]),
        # end <= start crosses midnight into Wednesday
        (free(Weekday.TUESDAY, "22:00", "06:00"), [at(1, 23), at(2, 5.5)], [at(2, 6), at(1, 21)]),
        # "24:00" ends at midnight
        (free(Weekday.FRIDAY, "18:00", "24:00"), [at(4, 23.99)], [at(5, 0), at(4, 17.99)]),
        # start == end is the whole day
        (free(Weekday.SATURDAY, "00:00", "00:00"), [at(5, 0), at(5, 23.99)], [at(6, 0)]),
        # Sunday night runs into Monday morning, across the week's end
        (free(Weekday.SUNDAY, "23:00", "02:00"), [at(6, 23.5), at(0, 1.5)], [at(0, 2), at(6, 22)]),
    ],
)
def test_a_period_is_free_from_its_start_up_to_its_end(
    period: FreePeriod, inside: list[int], outside: list[int]
) -> None:
    schedule = WeekSchedule.of([period])
    assert all(schedule.is_free(position) for position in inside)
    assert not any(schedule.is_free(position) for position in outside)


def test_overlapping_and_adjacent_periods_merge() -> None:
    schedule = WeekSchedule.of(
        [
            free(Weekday.MONDAY, "01:00", "03:00"),
            free(Weekday.MONDAY, "02:00", "04:00"),
            free(Weekday.MONDAY, "04:00", "05:00"),
            free(Weekday.MONDAY, "08:00", "09:00"),
        ]
    )
    assert schedule.starts == (at(0, 1), at(0, 8))
    assert schedule.ends == (at(0, 5), at(0, 9))


def test_a_walk_stops_at_every_edge() -> None:
    schedule = WeekSchedule.of([free(Weekday.MONDAY, "01:00", "02:00")])
    runs = list(schedule.walk(at(0, 0.5), round(2 * HOUR)))
    assert runs == [(False, HOUR // 2), (True, HOUR), (False, HOUR // 2)]


def test_a_walk_wraps_around_the_week() -> None:
    schedule = WeekSchedule.of([free(Weekday.SUNDAY, "23:00", "01:00")])
    runs = list(schedule.walk(at(6, 22), round(4 * HOUR)))
    assert runs == [(False, HOUR), (True, HOUR), (True, HOUR), (False, HOUR)]


def test_without_free_periods_everything_is_billable() -> None:
    schedule = WeekSchedule.of([])
    assert schedule.empty
    assert list(schedule.walk(123, 3 * WEEK_US)) == [(False, 3 * WEEK_US)]
    assert not schedule.is_free(0)
