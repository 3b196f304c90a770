"""The current period in memory: totals, the rollover, cap flips and thresholds, and the
accounts left alone until their bytes matter."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from provisiond.model.objects import UsagePolicy
from provisiond.store.usage_totals import UsageRow
from provisiond.usage.ledger import Ledger
from provisiond.usage.split import Split
from provisiond.usage.standing import Standing, cap_bytes, report, standing
from tests.unit.usage.test_split import BERLIN

MARCH = datetime(2026, 2, 28, 23, tzinfo=UTC)  # 1 March 00:00 in Berlin
APRIL = datetime(2026, 3, 31, 22, tzinfo=UTC)
FEBRUARY = datetime(2026, 1, 31, 23, tzinfo=UTC)


def row(account_id: int, start: datetime, *counts: int) -> UsageRow:
    return UsageRow(account_id, start, *counts)


def test_rows_of_the_current_period_add_up() -> None:
    ledger = Ledger(MARCH.astimezone(BERLIN), [row(1, MARCH, 10, 1, 5, 0)])
    assert ledger.period_start == MARCH
    changed = ledger.add([row(1, MARCH, 1, 1, 1, 1), row(2, MARCH, 3, 0, 0, 0)])
    assert changed == {1, 2}
    assert ledger.totals(1) == Split(11, 2, 6, 1)
    assert ledger.totals(3) == Split()


def test_rows_of_a_past_period_are_ignored_and_of_a_later_one_wait_for_it() -> None:
    ledger = Ledger(MARCH)
    assert ledger.add([row(1, FEBRUARY, 9, 9, 9, 9), row(1, APRIL, 4, 0, 0, 0)]) == set()
    assert ledger.totals(1) == Split()
    ledger.add([row(1, APRIL, 1, 0, 0, 0)])
    assert ledger.roll(APRIL) == {1}
    assert ledger.totals(1) == Split(5, 0, 0, 0)


def test_the_rollover_judges_again_the_accounts_over_their_cap() -> None:
    ledger = Ledger(MARCH, [row(1, MARCH, 100, 0, 0, 0), row(2, MARCH, 1, 0, 0, 0)])
    assert ledger.judge(1, over=True) is True
    assert ledger.judge(1, over=True) is None  # no flip, nothing to announce
    assert ledger.roll(APRIL) == {1}
    assert ledger.totals(1) == Split()
    assert ledger.over == frozenset({1})  # until judged again
    assert ledger.judge(1, over=False) is False
    assert ledger.over == frozenset()
    assert ledger.roll(MARCH) == set()  # the clock going back turns no month


def test_a_threshold_is_due_once_per_period() -> None:
    ledger = Ledger(MARCH)
    thresholds = [50.0, 80.0, 100.0]
    assert not ledger.threshold_due(1, 49.9, thresholds)
    assert ledger.threshold_due(1, 50.0, thresholds)
    assert not ledger.threshold_due(1, 79.0, thresholds)
    assert ledger.threshold_due(1, 95.0, thresholds)  # 80 reached
    assert not ledger.threshold_due(1, 95.0, thresholds)
    assert not ledger.threshold_due(1, 60.0, thresholds)  # a raised cap does not re-arm
    assert not ledger.threshold_due(1, None, thresholds)  # no cap, no percentage
    ledger.roll(APRIL)
    assert ledger.threshold_due(1, 60.0, thresholds)  # a new period, a new announcement


def test_the_cap_counts_billable_bytes_in_both_directions() -> None:
    policy = UsagePolicy(1, "10 GB", 10.0)
    now = standing(Split(6 * 10**9, 4 * 10**9, 50 * 10**9, 50 * 10**9), policy)
    assert now == Standing(used_bytes=10**10, cap_bytes=10**10)
    assert now.percent == 100.0
    assert now.over_cap
    assert not standing(Split(10**10 - 1), policy).over_cap
    assert standing(Split(8 * 10**9), policy).percent == 80.0
    assert standing(Split(10**12), None) == Standing(10**12, None)
    assert standing(Split(10**12), None).percent is None
    assert not standing(Split(10**12), None).over_cap
    assert cap_bytes(UsagePolicy(2, "tiny", 1e-12)) == 1  # never a zero cap


def test_the_report_is_the_api_object() -> None:
    got = report(MARCH, BERLIN, Split(1, 2, 3, 4), UsagePolicy(1, "1 GB", 1.0))
    assert got == {
        "period_start": "2026-03-01T00:00:00+01:00",
        "billable_in_bytes": 1,
        "billable_out_bytes": 2,
        "free_in_bytes": 3,
        "free_out_bytes": 4,
        "cap_bytes": 10**9,
        "percent": 3e-7,
    }


# -- accounts left alone until their bytes matter ------------------------------------------

GB = 10**9
TEN_GB = UsagePolicy(1, "10 GB", 10.0)
THRESHOLDS = [80.0, 100.0]


def test_a_judged_account_is_left_alone_until_its_bytes_matter() -> None:
    ledger = Ledger(MARCH, [row(1, MARCH, 5 * GB, 0, 0, 0)])
    policies: dict[int, UsagePolicy | None] = {1: TEN_GB, 2: TEN_GB}
    assert ledger.unsettled([1, 2], policies.get) == [1, 2]  # never judged
    ledger.settle(1, TEN_GB, THRESHOLDS)  # judged at 50 %: under the cap, none announced
    assert ledger.unsettled([1, 2], policies.get) == [2]
    ledger.add([row(1, MARCH, GB, GB, 0, 0)])  # 70 %
    assert ledger.unsettled([1], policies.get) == []
    same_cap = dataclasses.replace(TEN_GB, name="another policy, the same cap")
    assert ledger.unsettled([1], {1: same_cap}.get) == []
    assert ledger.unsettled([1], {1: dataclasses.replace(TEN_GB, cap_gb=8.0)}.get) == [1]
    assert ledger.unsettled([1], {1: None}.get) == [1]  # no cap any more
    ledger.add([row(1, MARCH, 0, 0, 9 * GB, 9 * GB)])  # free bytes never matter
    assert ledger.unsettled([1], policies.get) == []
    ledger.add([row(1, MARCH, 0, GB, 0, 0)])  # 80 %: the first threshold
    assert ledger.unsettled([1], policies.get) == [1]


def test_over_the_cap_only_a_higher_threshold_matters() -> None:
    ledger = Ledger(MARCH, [row(1, MARCH, 11 * GB, 0, 0, 0)])
    assert ledger.judge(1, over=True)
    assert ledger.threshold_due(1, 110.0, [80.0, 100.0, 150.0])
    ledger.settle(1, TEN_GB, [80.0, 100.0, 150.0])
    ledger.add([row(1, MARCH, 3 * GB, 0, 0, 0)])  # 140 %
    assert ledger.unsettled([1], {1: TEN_GB}.get) == []
    ledger.add([row(1, MARCH, GB, 0, 0, 0)])  # 150 %
    assert ledger.unsettled([1], {1: TEN_GB}.get) == [1]


def test_new_thresholds_or_a_new_period_unsettle_every_account() -> None:
    ledger = Ledger(MARCH, [row(1, MARCH, GB, 0, 0, 0)])
    ledger.settle(1, TEN_GB, THRESHOLDS)
    ledger.unsettle()
    assert ledger.unsettled([1], {1: TEN_GB}.get) == [1]
    ledger.settle(1, TEN_GB, THRESHOLDS)
    ledger.add([row(1, APRIL, GB, 0, 0, 0)])
    ledger.roll(APRIL)
    assert ledger.unsettled([1], {1: TEN_GB}.get) == [1]


@st.composite
def judgements(draw: st.DrawFn) -> tuple[UsagePolicy, list[float], int, int]:
    """A policy, thresholds, and billable bytes at a first and a later judgement, the
    later often within a few bytes of a threshold's or the cap's exact byte count."""
    # Round caps and percentages too: there a threshold is reached at an exact byte.
    gigabytes = st.one_of(st.integers(1, 1000), st.floats(min_value=1e-8, max_value=1e7))
    policy = UsagePolicy(1, "cap", float(draw(gigabytes)))
    cap = cap_bytes(policy)
    assert cap is not None
    percents = st.one_of(st.integers(1, 400), st.floats(min_value=0.5, max_value=400.0))
    thresholds = sorted(float(p) for p in draw(st.lists(percents, max_size=4)))
    edges = [cap] + [int(percent * cap / 100) for percent in thresholds]
    near = st.tuples(st.sampled_from(edges), st.sampled_from([-2, -1, 0, 1, 2]))
    later = draw(
        st.one_of(
            near.map(lambda pair: max(0, sum(pair))), st.integers(min_value=0, max_value=5 * cap)
        )
    )
    first = draw(st.one_of(st.just(0), st.integers(min_value=0, max_value=later)))
    return policy, thresholds, first, later


def judged(ledger: Ledger, policy: UsagePolicy, thresholds: list[float]) -> tuple[object, bool]:
    """What `UsageService` does when it judges account 1: (the flip, a threshold due)."""
    now = standing(ledger.totals(1), policy)
    return ledger.judge(1, over=now.over_cap), ledger.threshold_due(1, now.percent, thresholds)


@settings(max_examples=400, deadline=None)
@given(judgements())
def test_an_account_left_alone_would_have_been_judged_the_same(
    case: tuple[UsagePolicy, list[float], int, int],
) -> None:
    policy, thresholds, first, later = case
    ledger = Ledger(MARCH, [row(1, MARCH, first, 0, 0, 0)])
    judged(ledger, policy, thresholds)
    ledger.settle(1, policy, thresholds)
    ledger.add([row(1, MARCH, 0, later - first, 0, 0)])
    if ledger.unsettled([1], lambda _account_id: policy) == []:
        assert judged(ledger, policy, thresholds) == (None, False)
