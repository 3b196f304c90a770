"""SNMP queue polls into traffic, and traffic into one usage row per account and period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from provisiond.drivers.snmp_counters import QueueCounters
from provisiond.model.enums import Weekday
from provisiond.model.objects import UsagePolicy
from provisiond.model.usage import Traffic
from provisiond.store.usage_totals import QueueState, UsageRow
from provisiond.usage.meter import usage_rows
from provisiond.usage.queues import FORGET_AFTER, account_of, read_poll
from tests.unit.usage.test_schedule import free
from tests.unit.usage.test_split import BERLIN

T0 = datetime(2026, 3, 2, 12, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)


@pytest.mark.parametrize(
    ("name", "account"),
    [
        ("provisiond-1001", 1001),
        ("isp-7", None),  # another prefix
        ("provisiond-", None),
        ("provisiond-0", None),
        ("provisiond-007", None),  # not how we name it
        ("provisiond-1x", None),
        ("provisiond-١٢", None),  # Arabic-Indic digits are digits to Python, not to us
        ("provisiond-core-12", None),
    ],
)
def test_our_queues_are_named_after_their_account(name: str, account: int | None) -> None:
    assert account_of(name, "provisiond") == account


def state(download: int, upload: int, at: datetime = T0) -> QueueState:
    return QueueState(download, upload, at)


def test_the_first_poll_of_a_device_is_a_baseline() -> None:
    poll = read_poll({}, {"provisiond-1": QueueCounters(500, 50)}, at=T0, prefix="provisiond")
    assert poll.traffic == ()
    assert poll.states == {"provisiond-1": state(500, 50)}


def test_a_poll_counts_what_each_queue_carried_since_the_last() -> None:
    previous = {"provisiond-1": state(500, 50), "provisiond-2": state(10, 10)}
    current = {
        "provisiond-1": QueueCounters(800, 60),
        "provisiond-2": QueueCounters(4, 3),  # went back: re-created, counts from zero
        "provisiond-3": QueueCounters(7, 1),  # new since the last poll
        "guest-wifi": QueueCounters(10**9, 10**9),  # not ours
    }
    poll = read_poll(previous, current, at=T1, prefix="provisiond")
    assert set(poll.traffic) == {
        Traffic(1, T0, T1, 300, 10),  # download is `in`, toward the subscriber
        Traffic(2, T0, T1, 4, 3),
        Traffic(3, T0, T1, 7, 1),
    }
    assert set(poll.states) == {"provisiond-1", "provisiond-2", "provisiond-3"}


def test_after_a_reboot_every_counter_counts_from_zero() -> None:
    poll = read_poll(
        {"provisiond-1": state(500, 50)},
        {"provisiond-1": QueueCounters(900, 70)},
        at=T1,
        prefix="provisiond",
        reset=True,
    )
    assert poll.traffic == (Traffic(1, T0, T1, 900, 70),)


def test_a_queue_missing_from_a_poll_is_kept_until_missing_for_a_day_of_polls() -> None:
    previous = {"provisiond-1": state(500, 50), "provisiond-2": state(9, 9)}
    current = {"provisiond-1": QueueCounters(600, 60)}
    poll = read_poll(previous, current, at=T1, prefix="provisiond")
    assert poll.states["provisiond-2"] == state(9, 9)
    assert poll.removed == frozenset()
    much_later = T1 + FORGET_AFTER * 2
    stale = {"provisiond-1": state(600, 60, much_later), "provisiond-2": state(9, 9)}
    poll = read_poll(stale, current, at=much_later + timedelta(minutes=5), prefix="provisiond")
    assert poll.removed == frozenset({"provisiond-2"})
    assert "provisiond-2" not in poll.states


def test_traffic_becomes_one_row_per_account_and_period() -> None:
    night = UsagePolicy(1, "with a free night", 100.0, (free(Weekday.MONDAY, "00:00", "06:00"),))
    policies = {1: night, 2: None}
    april = datetime(2026, 3, 31, 22, tzinfo=UTC)
    traffic = [
        Traffic(1, T0, T1, 100, 10),
        Traffic(1, T1, T1 + timedelta(minutes=5), 50, 5),
        Traffic(1, datetime(2026, 3, 2, 0, tzinfo=UTC), datetime(2026, 3, 2, 1, tzinfo=UTC), 8, 0),
        Traffic(2, april - timedelta(hours=1), april + timedelta(hours=1), 20, 2),
        Traffic(3, T0, T1, 0, 0),  # nothing moved: no row
    ]
    rows = usage_rows(traffic, policy_of=policies.get, zone=BERLIN)
    march = datetime(2026, 2, 28, 23, tzinfo=UTC)
    assert rows == [
        UsageRow(1, march, billable_in=150, billable_out=15, free_in=8),
        UsageRow(2, march, billable_in=10, billable_out=1),
        UsageRow(2, april, billable_in=10, billable_out=1),
    ]
