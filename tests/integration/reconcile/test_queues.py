"""Simple queues, when the device has `queues = true`; left alone when it does not."""

from __future__ import annotations

from typing import TYPE_CHECKING

from provisiond.model.device_state import QueueEntry
from provisiond.reconcile import DeviceState
from tests.integration.reconcile.support import QUEUES, status, until

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from provisiond.lab import LabRouter
    from provisiond.reconcile import Reconciler
    from tests.unit.reconcile.fakes import World

    Start = Callable[..., Awaitable[Reconciler]]


def _queues(router: LabRouter) -> dict[str, tuple[str, str]]:
    return {row["name"]: (row["target"], row["max-limit"]) for row in router.table(QUEUES)}


def _want(world: World, account: int, max_limit: str) -> None:
    queue = QueueEntry(f"provisiond-{account}", f"100.64.0.{account}", max_limit, account)
    world.queues[queue.name] = queue


async def test_queues_are_added_changed_and_removed(
    router: LabRouter, world: World, start: Start
) -> None:
    router.add_foreign(QUEUES, name="customer", target="10.0.0.1", max_limit="1M/1M")
    _want(world, 1, "2M/10M")
    _want(world, 2, "1M/5M")
    reconciler = await start(queues=True)
    await until(lambda: len(_queues(router)) == 3)
    await until(lambda: status(reconciler).state is DeviceState.IN_SYNC)
    _want(world, 1, "4M/20M")
    del world.queues["provisiond-2"]
    reconciler.notify(["lab-1"])
    await until(lambda: "provisiond-2" not in _queues(router))
    assert _queues(router) == {
        "customer": ("10.0.0.1/32", "1000000/1000000"),
        "provisiond-1": ("100.64.0.1/32", "4000000/20000000"),
    }
    writes = router.stats.writes
    reconciler.request_full_sync("lab-1")
    await until(lambda: status(reconciler).state is DeviceState.IN_SYNC)
    plan = await reconciler.plan("lab-1")
    assert plan.is_empty
    assert router.stats.writes == writes


async def test_queues_are_not_touched_when_the_device_does_not_manage_them(
    router: LabRouter, world: World, start: Start
) -> None:
    router.add_foreign(QUEUES, name="provisiond-7", target="10.0.0.7", comment="provisiond:7")
    world.want("active", "100.64.0.1", 1)
    reconciler = await start()
    await until(lambda: status(reconciler).state is DeviceState.IN_SYNC)
    assert list(_queues(router)) == ["provisiond-7"]
    assert status(reconciler).owned_entries == 1
