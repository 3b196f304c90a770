"""The usage period: the calendar month in `[usage] timezone` (DESIGN.md §6), and the
zone arithmetic the free-period split needs. Pure: no clock, no I/O.

A month starts at local midnight on its 1st. Where that midnight does not exist (a zone
that springs forward at 00:00) the month starts at the first instant of the 1st; where
it happens twice (a zone that falls back across 00:00), at the first of them. Periods
are instants: stored as UTC, shown in the zone.

Arithmetic and comparisons are done in UTC only: Python compares and subtracts two
datetimes of the same `tzinfo` by their wall clocks, which is wrong across a change.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final

from provisiond.usage.errors import IntervalError

if TYPE_CHECKING:
    from datetime import tzinfo

MICROSECOND: Final = timedelta(microseconds=1)
DECEMBER: Final = 12


def aware(value: datetime, what: str = "time") -> datetime:
    """`value`, refused when naive: a wall time without a zone is no instant."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise IntervalError(f"the {what} {value.isoformat()} has no time zone")
    return value


def in_utc(instant: datetime) -> datetime:
    """The same instant in UTC (as it is already, from the store and the clock: cheap)."""
    return instant if instant.tzinfo is UTC else instant.astimezone(UTC)


def offset(instant: datetime, zone: tzinfo) -> timedelta:
    """The zone's UTC offset at an instant (not at a wall time: `zone.utcoffset(dt)`
    would read `dt` as local)."""
    found = instant.astimezone(zone).utcoffset()
    if found is None:  # a tzinfo without offsets is no time zone
        raise IntervalError(f"{zone!r} gives no UTC offset")
    return found


def transition(before: datetime, after: datetime, zone: tzinfo) -> datetime:
    """The instant (in UTC) in (before, after] where the zone's offset changes, for an
    interval whose ends have different offsets and which holds one change (tzdata has no
    two changes within a day). Bisection to the microsecond."""
    first = offset(before, zone)
    low, high = before.astimezone(UTC), after.astimezone(UTC)
    while high - low > MICROSECOND:
        middle = low + (high - low) // 2
        if offset(middle, zone) == first:
            low = middle
        else:
            high = middle
    return high


def _wall(instant: datetime, zone: tzinfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def first_instant(wall: datetime, zone: tzinfo) -> datetime:
    """The first instant (in UTC) whose wall clock in `zone` reads the naive `wall`; in
    a gap (a wall time skipped by a change to summer time), the first instant after it.

    Python's `fold` does the rest: `fold=0` is the earlier of two instants sharing a
    wall time, and in a gap `fold=1` lands before the change and `fold=0` after it.
    """
    earlier = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall(earlier, zone) == wall:
        return earlier
    before_gap = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return transition(before_gap, earlier, zone)


@functools.lru_cache(maxsize=512)
def _month(year: int, month: int, zone: tzinfo) -> tuple[datetime, datetime]:
    """(start, next start) of one month, in UTC; cached: accounting asks on every record."""
    following = (year + 1, 1) if month == DECEMBER else (year, month + 1)
    return (
        first_instant(datetime(year, month, 1), zone),  # noqa: DTZ001 - a wall time in `zone`
        first_instant(datetime(*following, 1), zone),  # noqa: DTZ001 - likewise
    )


def bounds(at: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """(start, end) in UTC of the period that contains `at`: start <= at < end."""
    at = in_utc(aware(at))
    local = at.astimezone(zone)
    year, month = local.year, local.month
    start, end = _month(year, month, zone)
    if at >= end:
        # The wall clock fell back across midnight into the last day of the month
        # (Chile's "24:00 → 23:00"): the instant is past the next month's first
        # midnight, so it is in the next month though the wall clock reads the old one.
        year, month = (year + 1, 1) if month == DECEMBER else (year, month + 1)
        start, end = _month(year, month, zone)
    return start, end


def period_start(at: datetime, zone: tzinfo) -> datetime:
    """The start of the period containing `at`, an aware datetime in `zone`."""
    return bounds(at, zone)[0].astimezone(zone)


def next_period_start(start: datetime, zone: tzinfo) -> datetime:
    """The start of the period after the one containing `start`, in `zone`."""
    return bounds(start, zone)[1].astimezone(zone)


def label(start: datetime, zone: tzinfo) -> str:
    """`YYYY-MM` of the period (the once-key of a usage threshold: one per period)."""
    local = aware(start).astimezone(zone)
    return f"{local.year:04d}-{local.month:02d}"


def render(start: datetime, zone: tzinfo) -> str:
    """RFC 3339 with the zone's offset (`2026-03-01T00:00:00+01:00`); `Z` for UTC."""
    text = aware(start).astimezone(zone).isoformat()
    return text[: -len("+00:00")] + "Z" if text.endswith("+00:00") else text
