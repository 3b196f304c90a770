"""Traffic into billable and free bytes, per period (DESIGN.md §6). Pure.

Octets count toward the period's usage unless they fall in a free period. An interval
is cut wherever its class can change: at a free-period edge (wall clock, so in the
zone), at a daylight-saving change (the wall clock jumps), and at a month boundary (the
period changes). Its bytes are shared among the pieces in proportion to their real
elapsed time, with the largest-remainder method, so the parts are whole bytes that add
up exactly to what was measured. A zero-length interval puts everything in the period
and class of its instant.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Final, NamedTuple, TypeAlias

from provisiond.usage import period
from provisiond.usage.errors import IntervalError
from provisiond.usage.period import MICROSECOND, aware, in_utc, offset, transition
from provisiond.usage.schedule import WeekSchedule, schedule_of, week_position

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from datetime import datetime, tzinfo

    from provisiond.model.objects import FreePeriod

Bucket: TypeAlias = "tuple[datetime, bool]"
"""(period start in UTC, free): where a share of the bytes goes."""

_CHUNK: Final = timedelta(days=1)  # offsets are compared at least this often


class Split(NamedTuple):
    """Bytes by class and direction (`in` = toward the subscriber)."""

    billable_in: int = 0
    billable_out: int = 0
    free_in: int = 0
    free_out: int = 0

    @property
    def billable(self) -> int:
        """What counts toward the cap: both directions."""
        return self.billable_in + self.billable_out

    @property
    def total(self) -> int:
        return self.billable + self.free_in + self.free_out

    def plus(self, other: Split) -> Split:
        # Spelled out: it runs for every accounting record (a zip is three times slower).
        return Split(
            self.billable_in + other.billable_in,
            self.billable_out + other.billable_out,
            self.free_in + other.free_in,
            self.free_out + other.free_out,
        )


ZERO: Final = Split()


def allocate(
    start: datetime,
    end: datetime,
    octets_in: int,
    octets_out: int,
    *,
    free_periods: Iterable[FreePeriod],
    zone: tzinfo,
) -> dict[datetime, Split]:
    """The interval's bytes by period (keyed by the period's start, in UTC, in time
    order). Raises `IntervalError` for naive times, `end < start` or negative bytes."""
    schedule = schedule_of(tuple(free_periods))
    return allocate_on(schedule, start, end, octets_in, octets_out, zone=zone)


def allocate_on(
    schedule: WeekSchedule,
    start: datetime,
    end: datetime,
    octets_in: int,
    octets_out: int,
    *,
    zone: tzinfo,
) -> dict[datetime, Split]:
    """`allocate` with the free periods as a schedule already built (`schedule_of`)."""
    _check(start, end, octets_in, octets_out)
    # In UTC from here on: arithmetic within one tzinfo would follow its wall clock.
    start, end = in_utc(start), in_utc(end)
    weights = _weights(start, end, schedule, zone)
    if len(weights) == 1:  # most records: one period, one class
        ((start_of_period, free),) = weights
        return {start_of_period: _part(free, octets_in, octets_out)}
    shares_in = _largest_remainder(octets_in, weights)
    shares_out = _largest_remainder(octets_out, weights)
    parts: dict[datetime, Split] = {}
    for key in weights:
        start_of_period, free = key
        part = _part(free, shares_in[key], shares_out[key])
        earlier = parts.get(start_of_period)
        parts[start_of_period] = part if earlier is None else earlier.plus(part)
    return parts


def _part(free: bool, octets_in: int, octets_out: int) -> Split:  # noqa: FBT001 - a class
    return Split(0, 0, octets_in, octets_out) if free else Split(octets_in, octets_out, 0, 0)


def combined(parts: Iterable[Split]) -> Split:
    """The parts together: `combined(allocate(...).values())` is the interval's split over
    all its periods, `billable + free == total` exactly."""
    total = ZERO
    for part in parts:
        total = total.plus(part)
    return total


def _check(start: datetime, end: datetime, octets_in: int, octets_out: int) -> None:
    aware(start, "start")
    aware(end, "end")
    if end < start:
        raise IntervalError(f"the interval ends ({end}) before it starts ({start})")
    if octets_in < 0 or octets_out < 0:
        raise IntervalError(f"negative octets: in {octets_in}, out {octets_out}")


def _weights(
    start: datetime, end: datetime, schedule: WeekSchedule, zone: tzinfo
) -> dict[Bucket, int]:
    """Microseconds of the interval per bucket, buckets in order of first appearance."""
    if start == end:
        first = period.bounds(start, zone)[0]
        return {(first, schedule.is_free(_position(start, zone))): 1}
    weights: dict[Bucket, int] = {}
    cursor = start
    while cursor < end:
        month_start, month_end = period.bounds(cursor, zone)
        piece_end = min(end, month_end)
        for free, micros in _runs(cursor, piece_end, schedule, zone):
            weights[month_start, free] = weights.get((month_start, free), 0) + micros
        cursor = piece_end
    return weights


def _position(instant: datetime, zone: tzinfo) -> int:
    return week_position(instant.astimezone(zone).replace(tzinfo=None))


def _runs(
    start: datetime, end: datetime, schedule: WeekSchedule, zone: tzinfo
) -> Iterator[tuple[bool, int]]:
    """(free, microseconds) runs over [start, end) within one period."""
    if schedule.empty:
        yield False, (end - start) // MICROSECOND  # no free periods: no zone arithmetic
        return
    for piece_start, piece_end in _steady(start, end, zone):
        duration = (piece_end - piece_start) // MICROSECOND
        yield from schedule.walk(_position(piece_start, zone), duration)


def _steady(start: datetime, end: datetime, zone: tzinfo) -> Iterator[tuple[datetime, datetime]]:
    """[start, end) cut where the zone's UTC offset changes, so within each piece the
    wall clock runs evenly with real time."""
    cursor = start
    while cursor < end:
        chunk_end = min(end, cursor + _CHUNK)
        last = chunk_end - MICROSECOND
        if offset(cursor, zone) == offset(last, zone):
            yield cursor, chunk_end
            cursor = chunk_end
        else:
            change = transition(cursor, last, zone)
            yield cursor, change
            cursor = change


def _largest_remainder(total: int, weights: dict[Bucket, int]) -> dict[Bucket, int]:
    """`total` shared in proportion to `weights`: each bucket gets the floor of its exact
    share, and the bytes left over go one each to the largest remainders (the earlier
    bucket first on a tie), so the shares add up to `total`."""
    whole = sum(weights.values())
    shares: dict[Bucket, int] = {}
    order: list[tuple[int, int, Bucket]] = []
    for index, (key, weight) in enumerate(weights.items()):
        share, rest = divmod(total * weight, whole)
        shares[key] = share
        order.append((-rest, index, key))
    leftover = total - sum(shares.values())
    for _rest, _index, key in sorted(order)[:leftover]:
        shares[key] += 1
    return shares
