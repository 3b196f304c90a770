"""Traffic into usage rows: records without free periods inside the batch's period go the
short way, which gives exactly what the split gives; everything else takes the split."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provisiond.model.enums import Weekday
from provisiond.model.objects import UsagePolicy
from provisiond.model.usage import Traffic
from provisiond.store.usage_totals import UsageRow
from provisiond.usage import meter
from provisiond.usage.errors import IntervalError
from provisiond.usage.meter import usage_rows
from provisiond.usage.split import ZERO, Split, allocate
from tests.unit.usage.test_schedule import free
from tests.unit.usage.test_split import BERLIN

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import tzinfo

PLAIN = UsagePolicy(1, "100 GB", 100.0)
NIGHTS = UsagePolicy(
    2,
    "free nights",
    100.0,
    (free(Weekday.MONDAY, "22:00", "06:00"), free(Weekday.SUNDAY, "00:00", "02:00")),
)
MARCH = datetime(2026, 2, 28, 23, tzinfo=UTC)  # 1 March 00:00 in Berlin
APRIL = datetime(2026, 3, 31, 22, tzinfo=UTC)  # 1 April 00:00 in Berlin (CEST)
T0 = datetime(2026, 3, 10, 12, tzinfo=UTC)  # a Tuesday afternoon
FIVE = timedelta(minutes=5)
HOUR = timedelta(hours=1)


def by_the_split(
    traffic: Sequence[Traffic],
    *,
    policy_of: Callable[[int], UsagePolicy | None],
    zone: tzinfo,
) -> list[UsageRow]:
    """The rows as the split alone gives them: every record through `allocate`."""
    sums: dict[tuple[int, datetime], Split] = {}
    for item in traffic:
        if not (item.octets_in or item.octets_out):
            continue
        policy = policy_of(item.account_id)
        parts = allocate(
            item.start,
            item.end,
            item.octets_in,
            item.octets_out,
            free_periods=() if policy is None else policy.free_periods,
            zone=zone,
        )
        for start, part in parts.items():
            sums[item.account_id, start] = sums.get((item.account_id, start), ZERO).plus(part)
    return [UsageRow(account, start, *split) for (account, start), split in sorted(sums.items())
            if split.total]  # fmt: skip


def test_plain_records_inside_the_period_never_reach_the_split(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> dict[datetime, Split]:
        raise AssertionError(f"split called: {args}, {kwargs}")

    monkeypatch.setattr(meter, "allocate_on", refuse)
    traffic = [
        Traffic(1, T0, T0 + FIVE, 10, 1),
        Traffic(2, T0, T0 + FIVE, 20, 2),
        Traffic(1, T0 + FIVE, T0 + 2 * FIVE, 5, 0),  # the same account: one row
        Traffic(3, T0, T0, 1, 0),  # an instant
        Traffic(4, T0, T0 + FIVE, 0, 0),  # nothing moved: no row
    ]
    policies = {1: PLAIN, 2: None, 3: PLAIN, 4: PLAIN}
    assert usage_rows(traffic, policy_of=policies.get, zone=BERLIN) == [
        UsageRow(1, MARCH, 15, 1),
        UsageRow(2, MARCH, 20, 2),
        UsageRow(3, MARCH, 1, 0),
    ]


def test_an_account_with_records_both_ways_gets_one_row_per_period() -> None:
    traffic = [
        Traffic(1, APRIL - 2 * HOUR, APRIL - HOUR, 100, 0),  # March's, late: the split
        Traffic(1, APRIL - HOUR, APRIL + HOUR, 200, 20),  # across the month: the split
        Traffic(1, APRIL + HOUR, APRIL + 2 * HOUR, 7, 0),  # the short way, into April
        Traffic(2, T0, T0 + FIVE, 1, 1),  # free periods: the split
    ]
    policies = {1: PLAIN, 2: NIGHTS}
    got = usage_rows(traffic, policy_of=policies.get, zone=BERLIN)
    assert got == [
        UsageRow(1, MARCH, 200, 10),
        UsageRow(1, APRIL, 107, 10),
        UsageRow(2, MARCH, 1, 1),
    ]
    assert got == by_the_split(traffic, policy_of=policies.get, zone=BERLIN)


NAIVE = T0.replace(tzinfo=None)


@pytest.mark.parametrize(
    ("traffic", "message"),
    [
        ([Traffic(1, NAIVE, NAIVE + FIVE, 1, 0)], "no time zone"),  # no period to go by
        ([Traffic(1, NAIVE, T0 + FIVE, 1, 0)], "no time zone"),  # not comparable with it
        ([Traffic(1, T0 + FIVE, T0, 1, 0)], "ends .* before it starts"),
        ([Traffic(1, T0, T0 + FIVE, -1, 5)], "negative octets"),
        ([Traffic(1, T0, T0 + FIVE, 0, -5)], "negative octets"),
    ],
)
def test_traffic_the_split_refuses_is_refused_without_free_periods_too(
    traffic: list[Traffic], message: str
) -> None:
    with pytest.raises(IntervalError, match=message):
        usage_rows(traffic, policy_of=lambda _account_id: PLAIN, zone=BERLIN)


# -- the short way is the split where it applies ------------------------------------------

ZONES = st.sampled_from(
    [BERLIN, ZoneInfo("UTC")]
    + [ZoneInfo(name) for name in ("America/Havana", "America/Asuncion", "Australia/Lord_Howe")]
)
# Within a day of a month's first midnight in UTC: every zone's boundary is that close.
EDGES = st.sampled_from([datetime(2026, month, 1, tzinfo=UTC) for month in (1, 3, 4, 10, 11)])
OFFSETS = st.timedeltas(min_value=timedelta(days=-1), max_value=timedelta(days=1))
DURATIONS = st.one_of(
    st.just(timedelta(0)), st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=3))
)
OCTETS = st.one_of(st.just(0), st.integers(min_value=0, max_value=10**13))
RECORDS = st.tuples(st.integers(1, 4), OFFSETS, DURATIONS, OCTETS, OCTETS, st.booleans())
POLICIES = st.lists(st.sampled_from([None, PLAIN, NIGHTS]), min_size=4, max_size=4)


@settings(max_examples=300, deadline=None)
@given(edge=EDGES, records=st.lists(RECORDS, max_size=12), policies=POLICIES, zone=ZONES)
def test_the_short_way_gives_what_the_split_gives(
    edge: datetime,
    records: list[tuple[int, timedelta, timedelta, int, int, bool]],
    policies: list[UsagePolicy | None],
    zone: ZoneInfo,
) -> None:
    traffic = []
    for account_id, offset, duration, octets_in, octets_out, local in records:
        start = edge + offset
        end = start + duration
        if local:  # the same instants told in the zone: compared as instants all the same
            start, end = start.astimezone(zone), end.astimezone(zone)
        traffic.append(Traffic(account_id, start, end, octets_in, octets_out))

    def policy_of(account_id: int) -> UsagePolicy | None:
        return policies[account_id - 1]

    expected = by_the_split(traffic, policy_of=policy_of, zone=zone)
    assert usage_rows(traffic, policy_of=policy_of, zone=zone) == expected
