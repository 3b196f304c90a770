"""Reading a lab router's tables the way the reconcile tests assert them."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Final

from provisiond.model.device_state import ADDRESS_LIST_PATH, QUEUE_PATH
from provisiond.reconcile import Timing

if TYPE_CHECKING:
    from collections.abc import Callable

    from provisiond.lab import LabRouter
    from provisiond.reconcile import DeviceStatus, Reconciler
    from tests.unit.reconcile.fakes import World

ADDRESS_LIST: Final = ADDRESS_LIST_PATH[4]
QUEUES: Final = QUEUE_PATH
DEVICE: Final = "lab-1"
FAST: Final = Timing(
    backoff_initial=0.05,
    backoff_max=0.2,
    backoff_jitter=0.02,
    attempts=4,
    uptime_interval=0.2,
    follow_ups=2,
)


class LabClock:
    """The lab router's monotonic clock, which `age` moves ahead so that the router has
    been up a while: an uptime printed in whole seconds must be able to go back."""

    def __init__(self) -> None:
        self.offset = 0.0

    def age(self, seconds: float) -> None:
        self.offset += seconds

    def __call__(self) -> float:
        return time.monotonic() + self.offset


def ours(router: LabRouter, path: str = ADDRESS_LIST) -> list[tuple[str, str, str]]:
    """Our entries (list, address, comment), sorted; duplicates show twice."""
    return sorted(
        (row.get("list", ""), row.get("address", ""), row.get("comment", ""))
        for row in router.table(path)
        if row.get("comment", "").startswith("provisiond:")
    )


def wanted(world: World) -> list[tuple[str, str, str]]:
    return sorted(
        (entry.list, entry.address, f"provisiond:{entry.account_id}")
        for entry in world.addresses.values()
        if entry.family == 4
    )


def status(reconciler: Reconciler) -> DeviceStatus:
    (found,) = reconciler.statuses()
    return found


async def until(condition: Callable[[], bool], *, within: float = 8.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def converged(router: LabRouter, world: World) -> Callable[[], bool]:
    return lambda: ours(router) == wanted(world)
