"""The usage period: calendar months in the configured zone, and its odd midnights."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provisiond.usage import period
from provisiond.usage.errors import IntervalError

BERLIN = ZoneInfo("Europe/Berlin")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "zone", "start", "rendered"),
    [
        (utc(2026, 3, 15, 12), ZoneInfo("UTC"), utc(2026, 3, 1), "2026-03-01T00:00:00Z"),
        # 23:30 UTC on the 31st is already April 1st in Berlin (CEST, +02:00).
        (utc(2026, 3, 31, 22, 30), BERLIN, utc(2026, 3, 31, 22), "2026-04-01T00:00:00+02:00"),
        (utc(2026, 3, 31, 21, 59), BERLIN, utc(2026, 2, 28, 23), "2026-03-01T00:00:00+01:00"),
        (utc(2026, 12, 31, 23, 0), BERLIN, utc(2026, 12, 31, 23), "2027-01-01T00:00:00+01:00"),
        (utc(2026, 1, 1, 3), ZoneInfo("America/New_York"), utc(2025, 12, 1, 5), None),
    ],
)
def test_the_period_is_the_calendar_month_in_the_zone(
    at: datetime, zone: ZoneInfo, start: datetime, rendered: str | None
) -> None:
    found = period.period_start(at, zone)
    assert found == start
    assert found.tzinfo is zone
    if rendered is not None:
        assert period.render(found, zone) == rendered


def test_the_next_period_starts_at_the_next_first_of_the_month() -> None:
    start = period.period_start(utc(2026, 3, 10), BERLIN)
    assert period.next_period_start(start, BERLIN) == utc(2026, 3, 31, 22)
    assert period.label(start, BERLIN) == "2026-03"
    december = period.period_start(utc(2026, 12, 10), BERLIN)
    assert period.label(period.next_period_start(december, BERLIN), BERLIN) == "2027-01"


def test_a_month_whose_midnight_is_skipped_starts_when_the_clocks_jump() -> None:
    # Asunción sprang forward at 00:00 on 1 October 2017: 00:00-00:59 never happened.
    zone = ZoneInfo("America/Asuncion")
    start = period.period_start(utc(2017, 10, 15), zone)
    assert start == utc(2017, 10, 1, 4)  # 01:00 -03:00, the first instant of October
    assert start.astimezone(zone).replace(tzinfo=None) == datetime(2017, 10, 1, 1)  # noqa: DTZ001
    # One microsecond earlier (in UTC: arithmetic within the zone would follow its clock).
    assert period.period_start(utc(2017, 10, 1, 4) - timedelta(microseconds=1), zone).month == 9


def test_a_month_whose_midnight_happens_twice_starts_at_the_first() -> None:
    # Havana falls back from 01:00 CDT to 00:00 CST on 1 November 2026.
    zone = ZoneInfo("America/Havana")
    # Compared in UTC: Python never finds a time of a repeated hour equal to a time of
    # another zone (PEP 495).
    start, _end = period.bounds(utc(2026, 11, 20), zone)
    assert start == utc(2026, 11, 1, 4)  # 00:00 -04:00, not 00:00 -05:00 an hour later
    assert period.period_start(utc(2026, 11, 20), zone).isoformat() == "2026-11-01T00:00:00-04:00"
    # An hour and a half later the wall clock reads 00:30 on the 1st for the second time.
    assert period.bounds(utc(2026, 11, 1, 5, 30), zone)[0] == start


class _FallsBackIntoTheOldMonth(tzinfo):
    """A zone at +01:00 that, at 00:30 on 1 June 2030, falls back to 23:30 on 31 May at
    +00:00 (Chile's "24:00 → 23:00", half an hour late): June shows for half an hour,
    then May again for an hour."""

    CHANGE = datetime(2030, 5, 31, 23, 30, tzinfo=UTC)
    _REPEATED = (datetime(2030, 5, 31, 23, 30), datetime(2030, 6, 1, 0, 30))  # noqa: DTZ001

    def utcoffset(self, dt: datetime | None) -> timedelta:
        assert dt is not None
        wall = dt.replace(tzinfo=None)
        first, last = self._REPEATED
        summer = wall < first or (wall < last and not dt.fold)
        return timedelta(hours=1 if summer else 0)

    def dst(self, dt: datetime | None) -> timedelta:
        del dt  # a zone without summer time as far as `dst()` is concerned
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return f"UTC{self.utcoffset(dt)}"

    def fromutc(self, dt: datetime) -> datetime:
        if dt.replace(tzinfo=UTC) < self.CHANGE:
            return dt + timedelta(hours=1)
        first, last = self._REPEATED
        return dt.replace(fold=1) if first <= dt.replace(tzinfo=None) < last else dt


def test_an_instant_past_the_first_midnight_is_in_the_new_month_whatever_the_clock_reads() -> None:
    zone = _FallsBackIntoTheOldMonth()
    june = utc(2030, 5, 31, 23)  # 00:00 on 1 June, +01:00
    assert period.first_instant(datetime(2030, 6, 1), zone) == june  # noqa: DTZ001
    later = utc(2030, 5, 31, 23, 45)
    assert later.astimezone(zone).month == 5  # the clock reads 23:45 on 31 May again
    assert period.bounds(later, zone) == (june, period.first_instant(datetime(2030, 7, 1), zone))  # noqa: DTZ001
    assert period.bounds(june - timedelta(microseconds=1), zone)[1] == june


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(IntervalError, match="no time zone"):
        period.period_start(datetime(2026, 1, 1), BERLIN)  # noqa: DTZ001


ZONES = st.sampled_from(
    [
        ZoneInfo(name)
        for name in (
            "UTC",
            "Europe/Berlin",
            "America/Asuncion",
            "America/Havana",
            "Australia/Lord_Howe",
            "Asia/Kolkata",
            "Pacific/Chatham",
        )
    ]
)
INSTANTS = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=datetime(2035, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@given(at=INSTANTS, zone=ZONES)
def test_every_instant_is_in_exactly_one_period(at: datetime, zone: ZoneInfo) -> None:
    start, end = period.bounds(at, zone)
    assert start <= at < end
    assert period.bounds(start, zone) == (start, end)
    assert period.bounds(end, zone)[0] == end
    assert start.astimezone(zone).day == 1
