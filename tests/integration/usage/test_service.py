"""`UsageService` over a real store: totals, restarts, cap flips, thresholds, the rollover."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from provisiond.drivers.snmp_counters import QueueCounters
from provisiond.model.enums import TriggerEvent
from provisiond.model.objects import Trigger
from provisiond.model.usage import Traffic
from provisiond.store.usage_totals import UsageRow
from provisiond.usage.errors import IntervalError, UsageError
from tests.integration.usage.conftest import APRIL, CAPPED, GB, MARCH, START

if TYPE_CHECKING:
    from provisiond.runtime.clock import FakeClock
    from tests.integration.usage.conftest import World

HOUR = timedelta(hours=1)
ALICE = 7


def traffic(account_id: int, octets_in: int, octets_out: int = 0) -> Traffic:
    """An hour up to START (a Tuesday afternoon: billable)."""
    return Traffic(account_id, START - HOUR, START, octets_in, octets_out)


async def test_usage_is_counted_and_survives_a_restart(world: World) -> None:
    world.policies[ALICE] = CAPPED
    usage = await world.start()
    await world.count(usage, [traffic(ALICE, 3 * GB, 1 * GB)])
    expected = {
        "period_start": "2026-03-01T00:00:00+01:00",
        "billable_in_bytes": 3 * GB,
        "billable_out_bytes": 1 * GB,
        "free_in_bytes": 0,
        "free_out_bytes": 0,
        "cap_bytes": 10 * GB,
        "percent": 40.0,
    }
    assert usage.usage(ALICE) == expected
    assert usage.usage(99)["billable_in_bytes"] == 0

    await world.stop(usage)
    again = await world.start()
    assert again.usage(ALICE) == expected
    assert await world.stored(MARCH) == {ALICE: UsageRow(ALICE, MARCH, 3 * GB, 1 * GB, 0, 0)}


async def test_crossing_the_cap_flips_once_and_a_restart_knows_it_without_a_callback(
    world: World,
) -> None:
    world.policies[ALICE] = CAPPED
    usage = await world.start()
    await world.count(usage, [traffic(ALICE, 9 * GB)])
    assert world.flips == []
    await world.count(usage, [traffic(ALICE, 1 * GB)])  # exactly at the cap is over it
    assert world.flips == [(ALICE, True)]
    await world.count(usage, [traffic(ALICE, 1 * GB)])
    assert world.flips == [(ALICE, True)]
    assert usage.over_cap_accounts() == {ALICE}

    await world.stop(usage)
    again = await world.start()
    assert again.over_cap_accounts() == {ALICE}
    assert world.flips == [(ALICE, True)]  # the daemon seeds the engine with the set


async def test_a_threshold_fires_once_per_period_across_two_crossings(world: World) -> None:
    world.policies[ALICE] = CAPPED
    usage = await world.start()
    await world.count(usage, [traffic(ALICE, 8 * GB + GB // 2)])  # 85 %
    await usage.settled()
    assert await world.deliveries() == [(1, ALICE, "7:2026-03")]  # the 80 % trigger

    # The cap doubles: 42.5 %. Usage climbs past 80 % of it: the same trigger, the same
    # period, so no second webhook.
    world.policies[ALICE] = dataclasses.replace(CAPPED, cap_gb=20.0)
    usage.policy_changed([ALICE])
    await world.count(usage, [traffic(ALICE, 8 * GB)])  # 82.5 %
    await usage.settled()
    assert await world.deliveries() == [(1, ALICE, "7:2026-03")]

    # A restart offers the reached thresholds again; the outbox has them already.
    await world.stop(usage)
    usage = await world.start()
    await usage.settled()
    assert await world.deliveries() == [(1, ALICE, "7:2026-03")]

    await world.count(usage, [traffic(ALICE, 4 * GB)])  # 102.5 %: the 100 % trigger
    await usage.settled()
    assert await world.deliveries() == [(1, ALICE, "7:2026-03"), (2, ALICE, "7:2026-03")]


async def test_an_account_without_a_cap_has_no_percentage_and_is_never_over(
    world: World,
) -> None:
    usage = await world.start()
    await world.count(usage, [traffic(ALICE, 10**15)])
    await usage.settled()
    found = usage.usage(ALICE)
    assert (found["cap_bytes"], found["percent"]) == (None, None)
    assert world.flips == []
    assert await world.deliveries() == []


async def test_the_month_rollover_lifts_every_cap_a_few_accounts_per_tick(
    world: World, clock: FakeClock
) -> None:
    accounts = [101, 102, 103, 104, 105]
    world.policies.update(dict.fromkeys(accounts, CAPPED))
    usage = await world.start(pace=2, tick=1.0)
    await world.count(usage, [traffic(account, 11 * GB) for account in accounts])
    assert world.flips == [(account, True) for account in accounts]
    world.flips.clear()
    await usage.settled()  # the threshold webhooks are queued: the task waits for April

    await clock.advance((APRIL - START).total_seconds())
    assert world.flips == [(101, False), (102, False)]
    assert usage.usage(105)["period_start"] == "2026-04-01T00:00:00+02:00"
    assert usage.usage(105)["billable_in_bytes"] == 0
    await clock.advance(1.0)
    assert len(world.flips) == 4
    await clock.advance(1.0)
    assert world.flips == [(account, False) for account in accounts]
    assert usage.over_cap_accounts() == frozenset()
    assert (await world.stored(MARCH))[101].billable_in == 11 * GB  # March stays on record


async def test_april_traffic_counted_before_the_month_turns_counts_after_it(
    world: World, clock: FakeClock
) -> None:
    usage = await world.start()
    await world.count(usage, [Traffic(ALICE, APRIL - HOUR, APRIL + HOUR, 200, 0)])
    assert usage.usage(ALICE)["billable_in_bytes"] == 100
    await usage.settled()
    await clock.advance((APRIL - START).total_seconds())
    assert usage.usage(ALICE)["billable_in_bytes"] == 100
    assert usage.usage(ALICE)["period_start"] == "2026-04-01T00:00:00+02:00"


async def test_a_policy_change_judges_every_account_again(world: World) -> None:
    world.policies[ALICE] = CAPPED
    usage = await world.start()
    await world.count(usage, [traffic(ALICE, 12 * GB)])
    world.policies[ALICE] = None  # the primary service lost its usage policy
    usage.policy_changed()
    await usage.settled()
    assert world.flips == [(ALICE, True), (ALICE, False)]


async def test_snmp_counts_the_accounts_that_had_no_session(world: World) -> None:
    usage = await world.start()
    world.sessions.add(12)  # an open session
    await world.count(usage, [Traffic(13, START, START + timedelta(minutes=3), 5, 5)])

    def poll(download: int) -> dict[str, QueueCounters]:
        return {
            f"provisiond-{account}": QueueCounters(download, download // 10)
            for account in (11, 12, 13)
        }

    assert await usage.queue_counters("core", START, poll(1000)) == 0  # a baseline
    later = START + timedelta(minutes=5)
    assert await usage.queue_counters("core", later, poll(3000)) == 1
    assert usage.usage(11)["billable_in_bytes"] == 2000
    assert usage.usage(11)["billable_out_bytes"] == 200
    assert usage.usage(12)["billable_in_bytes"] == 0  # RADIUS counts it
    assert usage.usage(13)["billable_in_bytes"] == 5  # its RADIUS traffic only

    # The counters are stored with the usage: a restart continues from them.
    await world.stop(usage)
    again = await world.start()
    assert await again.queue_counters("core", later + HOUR, poll(3500)) == 2  # 13's session ended
    assert again.usage(11)["billable_in_bytes"] == 2500


async def test_bad_input_is_refused_and_an_unstarted_service_answers_nothing(
    world: World,
) -> None:
    with pytest.raises(ValueError, match="pace"):
        world.build(pace=0)
    unstarted = world.build()
    with pytest.raises(UsageError, match="not started"):
        unstarted.usage(ALICE)
    usage = await world.start()
    with pytest.raises(UsageError, match="already started"):
        await usage.start()
    with pytest.raises(IntervalError, match="no time zone"):
        await usage.queue_counters("core", START.replace(tzinfo=None), {})


async def test_judging_again_waits_a_tick_only_for_flips(world: World, clock: FakeClock) -> None:
    usage = await world.start(pace=1, tick=1.0)
    for trigger_id in (1, 2):  # no threshold webhooks: flips alone, on the fake clock
        await world.store.delete(Trigger, trigger_id, actor="admin")
    world.policies.update({201: CAPPED, 202: CAPPED, 203: CAPPED, 204: CAPPED})
    await world.count(usage, [traffic(account, 11 * GB) for account in (201, 202)])
    await world.count(usage, [traffic(account, 1 * GB) for account in (203, 204)])
    await usage.settled()
    world.flips.clear()
    for account in (201, 202, 203, 204):
        world.policies[account] = dataclasses.replace(CAPPED, cap_gb=1.0)
    usage.policy_changed()  # 201 and 202 stay over; 203 and 204 go over
    for _ in range(3):  # let the task judge and reach its sleep; no time passes
        await clock.advance(0)
    assert world.flips == [(203, True)]
    await clock.advance(1.0)
    assert world.flips == [(203, True), (204, True)]
    await usage.settled()


async def test_a_threshold_created_mid_period_fires_at_the_next_usage(world: World) -> None:
    world.policies[ALICE] = CAPPED
    usage = await world.start()
    for trigger_id in (1, 2):
        await world.store.delete(Trigger, trigger_id, actor="admin")
    await usage.settled()
    await world.count(usage, [traffic(ALICE, 5 * GB)])  # 50 %: nothing to announce
    await usage.settled()
    hook = Trigger(0, "usage 40", TriggerEvent.ACCOUNT_USAGE_THRESHOLD, "https://h.example/u",
                   percent=40.0)  # fmt: skip
    created = await world.store.create(hook, actor="admin")
    await usage.settled()
    await world.count(usage, [traffic(ALICE, 1)])  # one byte more: judged against it
    await usage.settled()
    assert await world.deliveries() == [(created.id, ALICE, "7:2026-03")]


async def test_a_new_cap_counts_from_the_next_usage_even_unannounced(world: World) -> None:
    world.policies[ALICE] = CAPPED
    usage = await world.start()
    await world.count(usage, [traffic(ALICE, 5 * GB)])
    world.policies[ALICE] = dataclasses.replace(CAPPED, cap_gb=4.0)  # no policy_changed
    await world.count(usage, [traffic(ALICE, 1)])
    assert world.flips == [(ALICE, True)]
    assert usage.usage(ALICE)["cap_bytes"] == 4 * GB
