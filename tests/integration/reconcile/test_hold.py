"""The mass-removal hold: removals wait for an approval of the current plan; adds do not."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from provisiond import plan as planning
from provisiond.config import ReconcileSettings
from provisiond.reconcile import DeviceState, NotHeldError, PlanChangedError
from tests.integration.reconcile.support import converged, ours, status, until

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from provisiond.lab import LabRouter
    from provisiond.reconcile import Reconciler
    from tests.unit.reconcile.fakes import World

    Start = Callable[..., Awaitable[Reconciler]]

LIMITS = ReconcileSettings(resync_interval=60.0, max_remove_fraction=0.1, max_remove_min=5)


async def test_removals_are_held_adds_go_and_approval_needs_the_current_plan(
    router: LabRouter, world: World, start: Start
) -> None:
    for n in range(1, 41):
        world.want("active", f"100.64.0.{n}", n)
    reconciler = await start(LIMITS)
    await until(converged(router, world))
    with pytest.raises(NotHeldError):
        await reconciler.approve("lab-1", None)
    for n in range(1, 11):
        world.drop("active", f"100.64.0.{n}")
    world.want("active", "100.64.1.1", 101)
    reconciler.notify(["lab-1"])
    await until(lambda: status(reconciler).state is DeviceState.HELD)
    assert ("active", "100.64.1.1", "provisiond:101") in ours(router)
    assert len(ours(router)) == 41
    assert status(reconciler).pending_changes == 10
    shown = await reconciler.plan("lab-1")
    body = planning.to_json(shown)
    assert sum(1 for change in body["changes"] if change.get("held")) == 10
    # The plan moves on (one more removal) after the admin looked at it.
    world.drop("active", "100.64.0.11")
    reconciler.notify(["lab-1"])
    await until(lambda: status(reconciler).pending_changes == 11)
    with pytest.raises(PlanChangedError):
        await reconciler.approve("lab-1", shown.plan_id)
    current = await reconciler.plan("lab-1")
    assert await reconciler.approve("lab-1", current.plan_id) == current.plan_id
    await until(converged(router, world))
    await until(lambda: status(reconciler).state is DeviceState.IN_SYNC)
    assert status(reconciler).pending_changes == 0
