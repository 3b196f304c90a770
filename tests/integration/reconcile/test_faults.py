"""One test per fault (issue 4): each ends converged, nothing duplicated, nothing foreign
touched. The real RouterOS API driver talks to a lab router over loopback."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from provisiond.config import ReconcileSettings
from provisiond.model.device_state import QueueEntry
from provisiond.reconcile import DeviceState
from tests.integration.reconcile.support import (
    ADDRESS_LIST,
    QUEUES,
    converged,
    ours,
    status,
    until,
    wanted,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import pytest

    from provisiond.lab import LabRouter
    from provisiond.reconcile import DeviceEvent, Reconciler
    from tests.unit.reconcile.fakes import World

    Start = Callable[..., Awaitable[Reconciler]]

RESYNC = ReconcileSettings(resync_interval=0.3)


def _populate(world: World, count: int, list_name: str = "active") -> None:
    for n in range(1, count + 1):
        world.want(list_name, f"100.64.{n // 250}.{n % 250 + 1}", n)


def _in_sync(reconciler: Reconciler) -> Callable[[], bool]:
    return lambda: status(reconciler).state is DeviceState.IN_SYNC


def _foreign(router: LabRouter) -> list[dict[str, str]]:
    return [r for r in router.table(ADDRESS_LIST) if not r.get("comment", "").startswith("prov")]


async def test_a_device_down_at_start_converges_when_it_returns(
    router: LabRouter,
    world: World,
    start: Start,
    caplog: pytest.LogCaptureFixture,
    events: list[DeviceEvent],
) -> None:
    _populate(world, 20)
    await router.stop_listening()
    reconciler = await start()
    await until(lambda: status(reconciler).state is DeviceState.UNREACHABLE)
    assert reconciler.ready(0.0)[0]  # unreachable devices do not hold readiness back
    await until(lambda: sum("attempt 3/" in r.getMessage() for r in caplog.records) > 0)
    await router.resume_listening()
    await until(converged(router, world))
    await until(_in_sync(reconciler))
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert sum("unreachable" in m for m in messages) == 1
    assert sum("reachable again" in m for m in messages) == 1
    assert [(e.device, e.event) for e in events] == [
        ("lab-1", "device.unreachable"),
        ("lab-1", "device.recovered"),
    ]
    assert events[0].error is not None
    assert "refused" in events[0].error


async def test_an_outage_after_convergence_then_a_change(
    router: LabRouter, world: World, start: Start, caplog: pytest.LogCaptureFixture
) -> None:
    _populate(world, 5)
    reconciler = await start()
    await until(_in_sync(reconciler))
    router.refuse_connections()
    await router.drop_connections()
    world.want("active", "100.64.9.9", 99)
    reconciler.notify(["lab-1"])
    await until(lambda: status(reconciler).state is DeviceState.UNREACHABLE)
    router.refuse_connections(enabled=False)
    reconciler.request_full_sync("lab-1")  # as an admin would: no waiting out the backoff
    await until(converged(router, world))
    await until(_in_sync(reconciler))
    assert status(reconciler).last_error is None
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert sum("unreachable" in m for m in messages) == 1


async def test_a_connection_dropped_mid_batch(
    router: LabRouter, world: World, start: Start, caplog: pytest.LogCaptureFixture
) -> None:
    _populate(world, 300)
    router.drop_after(120, count="sent")  # login, prints, then part of the adds
    reconciler = await start()
    await until(converged(router, world))
    await until(_in_sync(reconciler))
    assert len(router.table(ADDRESS_LIST)) == 300
    assert any("unreachable" in r.getMessage() for r in caplog.records)


async def test_a_fatal_mid_batch(
    router: LabRouter, world: World, start: Start, caplog: pytest.LogCaptureFixture
) -> None:
    _populate(world, 50)
    router.inject_fatal(ADDRESS_LIST, verb="add", message="out of memory")
    reconciler = await start()
    await until(converged(router, world))
    await until(_in_sync(reconciler))
    assert len(router.table(ADDRESS_LIST)) == 50
    assert any("out of memory" in r.getMessage() for r in caplog.records)


async def test_a_reboot_renumbers_ids_and_nothing_foreign_is_hit(
    router: LabRouter, world: World, start: Start
) -> None:
    _populate(world, 4)  # ours get *1..*4
    reconciler = await start()
    await until(_in_sync(reconciler))
    for n in range(8):
        router.add_foreign(ADDRESS_LIST, list="active", address=f"10.9.9.{n}", comment="theirs")
    router.add_dynamic(ADDRESS_LIST, list="active", address="10.8.8.8")
    router.delete(ADDRESS_LIST, "*2")  # re-added last, so a reboot shifts the ids after it
    reconciler.request_full_sync("lab-1")
    await until(converged(router, world))
    victim = next(r["address"] for r in router.table(ADDRESS_LIST) if r[".id"] == "*4")
    foreign = [r for r in _foreign(router) if r.get("dynamic") == "false"]
    await router.reboot(restart_ids=True)
    assert next(r for r in router.table(ADDRESS_LIST) if r[".id"] == "*4")["comment"] == "theirs"
    world.drop("active", victim)  # a stale mirror would now remove *4: someone else's
    world.want("active", "100.64.0.77", 77)
    reconciler.notify(["lab-1"])
    await until(converged(router, world))
    await until(_in_sync(reconciler))
    assert [(r["list"], r["address"], r["comment"]) for r in _foreign(router)] == [
        (r["list"], r["address"], r["comment"]) for r in foreign
    ]


async def test_a_reboot_is_detected_by_the_uptime(
    router: LabRouter, world: World, start: Start, caplog: pytest.LogCaptureFixture
) -> None:
    _populate(world, 3)
    reconciler = await start()
    await until(_in_sync(reconciler))
    await router.reboot()
    await until(lambda: any("device rebooted" in r.getMessage() for r in caplog.records))
    await until(_in_sync(reconciler))
    assert ours(router) == wanted(world)


async def test_a_slow_device(router: LabRouter, world: World, start: Start) -> None:
    router.set_latency(0.05, write_time=0.0005)
    _populate(world, 200)
    reconciler = await start()
    await until(converged(router, world))
    world.want("active", "100.64.9.9", 999)
    reconciler.notify(["lab-1"])
    await until(converged(router, world))
    await until(_in_sync(reconciler))


async def test_an_owned_entry_deleted_by_hand_comes_back(
    router: LabRouter, world: World, start: Start
) -> None:
    _populate(world, 5)
    reconciler = await start(RESYNC)
    await until(converged(router, world))
    victim = next(r for r in router.table(ADDRESS_LIST) if r["address"] == "100.64.0.3")
    router.delete(ADDRESS_LIST, victim[".id"])
    await until(lambda: len(ours(router)) == 4, within=1.0)
    await until(converged(router, world))  # by the periodic resync, unasked
    assert status(reconciler).state is DeviceState.IN_SYNC


async def test_a_foreign_entry_is_never_touched_and_its_key_is_blocked(
    router: LabRouter, world: World, start: Start
) -> None:
    router.add_foreign(ADDRESS_LIST, list="active", address="100.64.0.2", comment="by hand")
    router.add_foreign(ADDRESS_LIST, list="other", address="100.64.0.3", comment="provisiond:3")
    before = router.table(ADDRESS_LIST)
    _populate(world, 3)
    reconciler = await start(RESYNC)
    await until(lambda: status(reconciler).blocked_entries == 1)
    await until(_in_sync(reconciler))
    writes = router.stats.writes
    await until(lambda: router.stats.commands > writes + 10)  # a few periodic resyncs
    assert router.stats.writes == writes  # blocked keys are never retried
    untouched = {r[".id"]: r for r in router.table(ADDRESS_LIST)}
    assert all(untouched[row[".id"]] == row for row in before)
    assert ours(router) == [  # account 1's key (100.64.0.2) is blocked
        ("active", "100.64.0.3", "provisiond:2"),
        ("active", "100.64.0.4", "provisiond:3"),
        ("other", "100.64.0.3", "provisiond:3"),  # a list provisiond never managed
    ]


async def test_duplicates_of_owned_entries_are_removed(
    router: LabRouter, world: World, start: Start
) -> None:
    _populate(world, 3)
    world.want("suspended", "100.64.0.9", 9)  # makes "suspended" a managed list
    queue = QueueEntry("provisiond-1", "100.64.0.2", "1000000/2000000", 1)
    world.queues[queue.name] = queue
    reconciler = await start(RESYNC, queues=True)
    await until(converged(router, world))
    # RouterOS refuses a second entry for one key, so a copy by hand lands beside ours:
    # the same subscriber in a managed list where it is not wanted, a queue under a new name.
    router.add_foreign(ADDRESS_LIST, list="suspended", address="100.64.0.2", comment="provisiond:1")
    router.add_foreign(ADDRESS_LIST, list="suspended", address="100.64.0.3", comment="provisiond:2")
    router.add_foreign(
        QUEUES,
        name="provisiond-1 copy",
        target="100.64.0.2",
        max_limit="1M/2M",
        comment="provisiond:1",
    )
    await until(converged(router, world))
    await until(lambda: [r["name"] for r in router.table(QUEUES)] == ["provisiond-1"])
    await until(_in_sync(reconciler))
    assert len(ours(router)) == len(set(ours(router))) == 4


async def test_an_owned_entry_edited_by_hand_is_repaired(
    router: LabRouter, world: World, start: Start
) -> None:
    _populate(world, 3)
    reconciler = await start(RESYNC)
    await until(converged(router, world))
    rows = {r["address"]: r[".id"] for r in router.table(ADDRESS_LIST)}
    router.edit(ADDRESS_LIST, rows["100.64.0.2"], comment="provisiond:42")
    router.edit(ADDRESS_LIST, rows["100.64.0.3"], disabled="yes")
    await until(lambda: all(r["disabled"] == "false" for r in router.table(ADDRESS_LIST)))
    await until(converged(router, world))
    assert {r["address"]: r[".id"] for r in router.table(ADDRESS_LIST)} == rows  # repaired in place
    assert status(reconciler).state is DeviceState.IN_SYNC


async def test_a_second_sync_applies_nothing(router: LabRouter, world: World, start: Start) -> None:
    _populate(world, 30)
    world.want("suspended", "100.64.5.5", 55)
    reconciler = await start()
    await until(converged(router, world))
    await until(_in_sync(reconciler))
    writes, commands = router.stats.writes, router.stats.commands
    reconciler.request_full_sync("lab-1")
    await until(lambda: router.stats.commands >= commands + 4)  # uptime, three prints
    await until(_in_sync(reconciler))
    assert router.stats.writes == writes
    plan = await reconciler.plan("lab-1")
    assert plan.is_empty
    assert router.stats.writes == writes
