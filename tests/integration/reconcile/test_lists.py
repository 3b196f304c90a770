"""Managed lists: renames move entries in place, deleted lists are emptied, and the
memory of what was managed survives a restart (migration 0003)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from provisiond.model.device_state import AddressEntry
from provisiond.reconcile import DeviceState
from provisiond.store.managed import ManagedLists, Sighting
from tests.integration.reconcile.support import ADDRESS_LIST, converged, ours, status, until

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from provisiond.lab import LabRouter
    from provisiond.reconcile import Reconciler
    from provisiond.store import Store
    from tests.unit.reconcile.fakes import World

    Start = Callable[..., Awaitable[Reconciler]]


def _rename(world: World, list_id: int, new: str) -> None:
    old = world.lists[list_id]
    world.lists[list_id] = new
    for key, entry in list(world.addresses.items()):
        if entry.list == old:
            del world.addresses[key]
            moved = AddressEntry(entry.family, new, entry.address, entry.account_id)
            world.addresses[moved.key] = moved


def _ids(router: LabRouter) -> dict[str, str]:
    return {row["address"]: row[".id"] for row in router.table(ADDRESS_LIST)}


async def test_a_renamed_list_moves_its_entries_with_set_list(
    router: LabRouter, world: World, start: Start
) -> None:
    for n in range(1, 6):
        world.want("active", f"100.64.0.{n}", n)
    reconciler = await start()
    await until(converged(router, world))
    ids, writes = _ids(router), router.stats.writes
    _rename(world, 1, "customers")
    reconciler.notify(["lab-1"])
    await until(converged(router, world))
    assert _ids(router) == ids  # the same entries, moved: no add, no remove
    assert router.stats.writes == writes + 5
    assert {row["list"] for row in router.table(ADDRESS_LIST)} == {"customers"}


async def test_a_list_renamed_while_the_daemon_was_down(
    router: LabRouter, world: World, start: Start
) -> None:
    for n in range(1, 4):
        world.want("active", f"100.64.0.{n}", n)
    first = await start()
    await until(converged(router, world))
    await first.stop(grace=1.0)
    ids = _ids(router)
    _rename(world, 1, "customers")
    second = await start()
    await until(converged(router, world))
    await until(lambda: status(second).state is DeviceState.IN_SYNC)
    assert _ids(router) == ids


async def test_the_entries_of_a_deleted_list_are_removed_even_after_a_restart(
    router: LabRouter, world: World, start: Start, store: Store
) -> None:
    world.lists[3] = "trial"
    world.want("active", "100.64.0.1", 1)
    world.want("trial", "100.64.0.2", 2)
    world.want("trial", "100.64.0.3", 3)
    router.add_foreign(ADDRESS_LIST, list="trial", address="10.0.0.9", comment="theirs")
    first = await start()
    await until(converged(router, world))
    await first.stop(grace=1.0)
    remembered = {
        (row.family, row.name, row.list_id) for row in await ManagedLists(store).load("lab-1")
    }
    assert {(4, "active", 1), (4, "trial", 3)} <= remembered
    # The list is deleted while no daemon runs: nothing desired names "trial" any more.
    del world.lists[3]
    world.drop("trial", "100.64.0.2")
    world.drop("trial", "100.64.0.3")
    second = await start()
    await until(converged(router, world))
    await until(lambda: status(second).state is DeviceState.IN_SYNC)
    assert ours(router) == [("active", "100.64.0.1", "provisiond:1")]
    assert [r["address"] for r in router.table(ADDRESS_LIST) if r["list"] == "trial"] == [
        "10.0.0.9"
    ]


async def test_the_memory_keeps_first_seen_and_moves_last_seen(store: Store) -> None:
    memory = ManagedLists(store)
    early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    await memory.remember("lab-1", [Sighting(4, "subs", 1), Sighting(6, "subs", 1)], at=early)
    await memory.remember("lab-1", [Sighting(4, "subs", 7)], at=late)
    await memory.remember("lab-2", [Sighting(4, "other", None)], at=late)
    await memory.remember("lab-1", [], at=late)
    rows = await memory.load("lab-1")
    assert [(r.family, r.name, r.list_id, r.first_seen, r.last_seen) for r in rows] == [
        (4, "subs", 7, early, late),
        (6, "subs", 1, early, early),
    ]
    assert [r.device for r in await memory.load("lab-2")] == ["lab-2"]
