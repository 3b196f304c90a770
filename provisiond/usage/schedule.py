"""Free periods as a weekly wall-clock schedule (DESIGN.md §1 usage policy). Pure.

A free period is `{day, start, end}` in `[usage] timezone`: from `start` on `day` to
`end` the same day, or the next day when `end <= start` ("22:00" to "06:00" crosses
midnight; "00:00" to "00:00" is the whole day), and `end` may be "24:00". An instant is free
when its wall-clock time in the zone falls in a period; that is what makes the split
right across daylight-saving changes (a "01:00" to "04:00" night is two real hours on the
night clocks spring forward and four on the night they fall back).

`WeekSchedule` holds the periods as disjoint intervals of wall-clock microseconds since
Monday 00:00, so a lookup is a bisection and walking an interval visits only its edges.
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from provisiond.model.objects import FreePeriod

MINUTE_US: Final = 60_000_000
DAY_MINUTES: Final = 24 * 60
WEEK_US: Final = 7 * DAY_MINUTES * MINUTE_US
_MONDAY: Final = datetime(2001, 1, 1)  # noqa: DTZ001 - a wall-clock origin; it was a Monday
_MICROSECOND: Final = timedelta(microseconds=1)


def week_position(wall: datetime) -> int:
    """Microseconds since the Monday 00:00 before a naive wall-clock time."""
    return ((wall - _MONDAY) // _MICROSECOND) % WEEK_US


def _intervals(period: FreePeriod) -> Iterator[tuple[int, int]]:
    """One period as [start, end) microseconds of the week; a Sunday night that runs
    into Monday is two intervals."""
    minutes = period.end_minute - period.start_minute
    if minutes <= 0:
        minutes += DAY_MINUTES  # crosses midnight into the next day
    start_us = (period.day.number * DAY_MINUTES + period.start_minute) * MINUTE_US % WEEK_US
    end_us = start_us + minutes * MINUTE_US
    if end_us <= WEEK_US:
        yield start_us, end_us
    else:
        yield start_us, WEEK_US
        yield 0, end_us - WEEK_US


@dataclass(frozen=True, slots=True)
class WeekSchedule:
    """Disjoint, sorted, non-adjacent [start, end) intervals of the week that are free."""

    starts: tuple[int, ...] = ()
    ends: tuple[int, ...] = ()

    @classmethod
    def of(cls, periods: Iterable[FreePeriod]) -> WeekSchedule:
        merged: list[list[int]] = []
        for start, end in sorted(i for period in periods for i in _intervals(period)):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return cls(tuple(s for s, _ in merged), tuple(e for _, e in merged))

    @property
    def empty(self) -> bool:
        return not self.starts

    def is_free(self, position: int) -> bool:
        index = bisect.bisect_right(self.starts, position) - 1
        return index >= 0 and position < self.ends[index]

    def next_edge(self, position: int) -> int:
        """The first position after `position` where freeness may change (the end of the
        week at the latest)."""
        index = bisect.bisect_right(self.starts, position) - 1
        if index >= 0 and position < self.ends[index]:
            return self.ends[index]  # inside an interval: it ends next
        following = index + 1
        return self.starts[following] if following < len(self.starts) else WEEK_US

    def walk(self, position: int, duration: int) -> Iterator[tuple[bool, int]]:
        """(free, microseconds) runs covering `duration` from `position` on, wall-clock
        time running evenly (the caller cuts at offset changes)."""
        if self.empty:
            yield False, duration
            return
        while duration > 0:
            step = min(self.next_edge(position) - position, duration)
            yield self.is_free(position), step
            duration -= step
            position = (position + step) % WEEK_US


@functools.lru_cache(maxsize=1024)
def schedule_of(periods: tuple[FreePeriod, ...]) -> WeekSchedule:
    """The schedule of a policy's free periods; cached, as every record asks for one."""
    return WeekSchedule.of(periods)
