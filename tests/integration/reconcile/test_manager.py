"""The Reconciler as the daemon drives it: readiness, unknown devices, stopping."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import pytest

from provisiond.config import ReconcileSettings
from provisiond.reconcile import DeviceState, UnknownDeviceError
from tests.integration.reconcile.support import converged, status, until

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from provisiond.lab import LabRouter
    from provisiond.observability.metrics import Metrics
    from provisiond.reconcile import Reconciler
    from tests.unit.reconcile.fakes import World

    Start = Callable[..., Awaitable[Reconciler]]


async def test_readiness_waits_for_the_first_sync_at_most_ready_timeout(
    router: LabRouter, world: World, start: Start
) -> None:
    for n in range(1, 101):
        world.want("active", f"100.64.0.{n}", n)
    router.set_latency(0.3)
    reconciler = await start(ReconcileSettings(ready_timeout=30.0))
    await asyncio.sleep(0.1)
    now = time.monotonic()
    assert reconciler.ready(now) == (False, ["lab-1"])
    assert reconciler.ready(now + 31.0) == (True, [])
    await until(lambda: status(reconciler).state is DeviceState.IN_SYNC)
    assert reconciler.ready(time.monotonic()) == (True, [])


async def test_unknown_and_unmanaged_devices(start: Start) -> None:
    reconciler = await start()
    with pytest.raises(UnknownDeviceError):
        reconciler.request_full_sync("nope")
    with pytest.raises(UnknownDeviceError):
        reconciler.sync("nope")
    with pytest.raises(UnknownDeviceError):
        await reconciler.plan("nope")
    with pytest.raises(UnknownDeviceError):
        await reconciler.approve("nope", None)
    reconciler.notify(["nope", "lab-1"])  # unmanaged names are ignored
    assert reconciler.devices == ("lab-1",)


async def test_stop_finishes_the_pass_in_progress_within_the_grace(
    router: LabRouter, world: World, start: Start
) -> None:
    for n in range(1, 21):
        world.want("active", f"100.64.0.{n}", n)
    router.set_latency(0.05)
    reconciler = await start()
    await until(lambda: router.stats.commands > 2)  # the first sync is under way
    await reconciler.stop(grace=5.0)
    assert converged(router, world)()


async def test_stop_cancels_a_pass_that_overruns_the_grace(
    router: LabRouter, world: World, start: Start
) -> None:
    world.want("active", "100.64.0.1", 1)
    reconciler = await start()
    await until(lambda: status(reconciler).state is DeviceState.IN_SYNC)
    router.set_latency(10.0)
    world.want("active", "100.64.0.2", 2)
    reconciler.notify(["lab-1"])
    commands = router.stats.commands
    await until(lambda: router.stats.commands > commands)  # the add is on its way
    started = time.monotonic()
    await reconciler.stop(grace=0.2)
    assert time.monotonic() - started < 2.0
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("reconcile:")]


async def test_metrics_per_device(
    router: LabRouter, world: World, start: Start, metrics: Metrics
) -> None:
    world.want("active", "100.64.0.1", 1)
    reconciler = await start()
    await until(lambda: status(reconciler).state is DeviceState.IN_SYNC)
    sample = metrics.registry.get_sample_value
    device = {"device": "lab-1"}
    assert sample("provisiond_device_owned_entries", device) == 1
    assert sample("provisiond_device_state", {**device, "state": "in_sync"}) == 1
    assert sample("provisiond_device_state", {**device, "state": "syncing"}) == 0
    assert sample("provisiond_device_syncs_total", {**device, "kind": "full", "outcome": "ok"})
    assert sample("provisiond_device_changes_total", {**device, "op": "add"}) == 1
    assert sample("provisiond_device_apply_duration_seconds_count", device) == 1
    assert (sample("provisiond_device_last_success_timestamp_seconds", device) or 0) > 0
    del router
