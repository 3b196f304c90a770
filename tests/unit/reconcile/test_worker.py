"""A device worker on a fake clock and an in-memory device: its decisions, not the wire."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import pytest

from provisiond.drivers import PermanentDriverError, TemporaryDriverError
from provisiond.observability.metrics import Metrics
from provisiond.reconcile import NotHeldError, PlanChangedError
from provisiond.reconcile.state import DeviceState
from tests.unit.reconcile.fakes import V4, FakeDriver, World, until, worker

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from provisiond.reconcile.worker import DeviceWorker
    from provisiond.runtime.clock import FakeClock


@contextlib.asynccontextmanager
async def running(subject: DeviceWorker) -> AsyncIterator[DeviceWorker]:
    task = asyncio.create_task(subject.run(), name="worker")
    try:
        yield subject
    finally:
        subject.inbox.stop()
        await asyncio.wait_for(task, 2.0)


def _world(count: int = 3) -> World:
    world = World()
    for n in range(1, count + 1):
        world.want("active", f"10.0.0.{n}", n)
    return world


def _in_sync(subject: DeviceWorker) -> bool:
    return subject.status().state is DeviceState.IN_SYNC


async def _advance(clock: FakeClock, seconds: float) -> None:
    await asyncio.sleep(0.01)  # let the worker reach its wait before time moves
    await clock.advance(seconds)


async def test_the_first_sync_adds_everything_and_makes_the_device_ready(
    clock: FakeClock,
) -> None:
    driver, world = FakeDriver(clock.monotonic), _world()
    subject = worker(driver, world, clock)
    assert subject.status().state is DeviceState.SYNCING
    assert not subject.health.ready(clock.monotonic(), 60.0)
    async with running(subject):
        await until(lambda: _in_sync(subject))
        status = subject.status()
    assert driver.addresses() == [("active", f"10.0.0.{n}", f"provisiond:{n}") for n in range(1, 4)]
    assert (status.owned_entries, status.pending_changes, status.last_error) == (3, 0, None)
    assert status.last_sync_at == clock.now()
    assert subject.health.ready(clock.monotonic(), 60.0)


async def test_a_burst_of_changes_is_one_incremental_pass_from_the_mirror(
    clock: FakeClock,
) -> None:
    driver, world = FakeDriver(clock.monotonic), _world()
    subject = worker(driver, world, clock)
    async with running(subject):
        await until(lambda: _in_sync(subject))
        applies, prints = len(driver.applies), len(driver.prints)
        for n in range(10, 110):
            world.want("active", f"10.0.1.{n}", n)
            subject.inbox.mark_dirty()
        world.drop("active", "10.0.0.1")
        subject.inbox.mark_dirty()
        await until(lambda: len(driver.addresses()) == 102)
        await asyncio.sleep(0.01)
    assert len(driver.applies) == applies + 1
    assert len(driver.prints) == prints  # nothing printed: the mirror answered
    assert ("active", "10.0.0.1", "provisiond:1") not in driver.addresses()


async def test_changes_during_a_pass_coalesce_into_one_more(clock: FakeClock) -> None:
    driver, world = FakeDriver(clock.monotonic), _world(1)
    subject = worker(driver, world, clock)
    async with running(subject):
        await until(lambda: _in_sync(subject))
        driver.gate = asyncio.Event()
        world.want("active", "10.0.0.2", 2)
        subject.inbox.mark_dirty()
        await asyncio.sleep(0.01)  # the pass is waiting in apply
        for n in range(3, 8):
            world.want("active", f"10.0.0.{n}", n)
            subject.inbox.mark_dirty()
        before = len(driver.applies)
        driver.gate.set()
        await until(lambda: len(driver.addresses()) == 7)
        await asyncio.sleep(0.01)
    assert [len(batch) for batch in driver.applies[before:]] == [1, 5]


async def test_a_mass_removal_is_held_until_the_current_plan_is_approved(
    clock: FakeClock,
) -> None:
    driver, world = FakeDriver(clock.monotonic), _world(6)
    subject = worker(driver, world, clock)
    async with running(subject):
        await until(lambda: _in_sync(subject))
        with pytest.raises(NotHeldError):
            await subject.approve(None)
        for n in range(1, 5):
            world.drop("active", f"10.0.0.{n}")
        world.want("active", "10.0.0.9", 9)
        subject.inbox.mark_dirty()
        await until(lambda: subject.status().state is DeviceState.HELD)
        status = subject.status()
        assert ("active", "10.0.0.9", "provisiond:9") in driver.addresses()  # the add went
        assert len(driver.addresses()) == 7  # the removals did not
        assert status.pending_changes == 4
        with pytest.raises(PlanChangedError):
            await subject.approve("0000000000000000")
        shown = await subject.plan()
        assert len(shown.held) == 4
        assert await subject.approve(shown.plan_id) == shown.plan_id
        await until(lambda: _in_sync(subject))
    assert driver.addresses() == [
        ("active", "10.0.0.5", "provisiond:5"),
        ("active", "10.0.0.6", "provisiond:6"),
        ("active", "10.0.0.9", "provisiond:9"),
    ]


async def test_an_outage_backs_off_and_is_logged_once_and_so_is_the_recovery(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="provisiond.reconcile")
    driver, world = FakeDriver(clock.monotonic), _world()
    driver.down = TemporaryDriverError("connection refused")
    subject = worker(driver, world, clock)
    async with running(subject):
        await until(lambda: driver.attempts == 1)
        assert subject.status().state is DeviceState.UNREACHABLE
        assert subject.health.ready(clock.monotonic(), 60.0)
        await _advance(clock, 1.0)
        await until(lambda: driver.attempts == 2)
        await _advance(clock, 2.0)
        await until(lambda: driver.attempts == 3)  # the round is over: 3 attempts
        await _advance(clock, 100.0)
        assert driver.attempts == 3  # ... and the next waits for resync_interval
        subject.inbox.mark_dirty()
        await asyncio.sleep(0.01)
        assert driver.attempts == 3  # notifications do not hammer a dead device
        driver.down = None
        await _advance(clock, 200.0)
        await until(lambda: _in_sync(subject))
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert sum("unreachable" in m for m in messages) == 1
    assert sum("reachable again" in m for m in messages) == 1
    assert all(getattr(r, "device", None) == "core-1" for r in caplog.records)
    assert subject.status().last_error is None


async def test_a_permanent_error_is_retried_slowly_and_logged_once(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    driver, world = FakeDriver(clock.monotonic), _world()
    driver.down = PermanentDriverError("login refused")
    subject = worker(driver, world, clock)
    async with running(subject):
        await until(lambda: driver.attempts == 1)
        status = subject.status()
        assert (status.state, status.last_error) == (DeviceState.ERROR, "login refused")
        await _advance(clock, 299.0)
        assert driver.attempts == 1
        await _advance(clock, 1.0)
        await until(lambda: driver.attempts == 2)
        driver.down = None
        subject.inbox.request_full(urgent=True)  # an admin's sync does not wait
        await until(lambda: _in_sync(subject))
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1


async def test_readiness_gives_up_waiting_after_ready_timeout(clock: FakeClock) -> None:
    driver, world = FakeDriver(clock.monotonic), _world()
    driver.gate = asyncio.Event()
    subject = worker(driver, world, clock)
    async with running(subject):
        await until(lambda: len(driver.prints) > 0)
        await asyncio.sleep(0.05)
        assert subject.status().state is DeviceState.SYNCING
        assert not subject.health.ready(clock.monotonic(), 60.0)
        await clock.advance(61.0)
        assert subject.health.ready(clock.monotonic(), 60.0)
        driver.gate.set()
        await until(lambda: _in_sync(subject))


async def test_an_uptime_that_went_back_means_a_full_resync(clock: FakeClock) -> None:
    metrics = Metrics()
    driver, world = FakeDriver(clock.monotonic), _world()
    subject = worker(driver, world, clock, metrics=metrics)
    async with running(subject):
        await until(lambda: _in_sync(subject))
        prints = len(driver.prints)
        await _advance(clock, 30.0)  # a cheap check: nothing happened
        await asyncio.sleep(0.01)
        assert len(driver.prints) == prints
        driver.reboot()
        await _advance(clock, 30.0)
        await until(lambda: len(driver.prints) > prints and _in_sync(subject))
    reboots = metrics.registry.get_sample_value(
        "provisiond_device_reboots_total", {"device": "core-1"}
    )
    assert reboots == 1


async def test_a_full_resync_removes_a_duplicate_and_repairs_an_edit(clock: FakeClock) -> None:
    driver, world = FakeDriver(clock.monotonic), _world(2)
    subject = worker(driver, world, clock)
    async with running(subject):
        await until(lambda: _in_sync(subject))
        driver.hand_add(V4, list="active", address="10.0.0.1", comment="provisiond:1")
        ours = next(r for r in driver.rows if r.attrs["address"] == "10.0.0.2")
        driver.rows.remove(ours)
        driver.hand_add(V4, list="active", address="10.0.0.2", comment="provisiond:77")
        subject.inbox.request_full()
        await until(lambda: len(driver.rows) == 2 and "provisiond:77" not in str(driver.rows))
    assert driver.addresses() == [
        ("active", "10.0.0.1", "provisiond:1"),
        ("active", "10.0.0.2", "provisiond:2"),
    ]


async def test_a_refused_change_is_an_error_retried_only_by_full_resyncs(
    clock: FakeClock,
) -> None:
    driver, world = FakeDriver(clock.monotonic), _world(1)
    subject = worker(driver, world, clock)
    async with running(subject):
        await until(lambda: _in_sync(subject))
        driver.refuse = {"10.0.0.9"}
        world.want("active", "10.0.0.9", 9)
        subject.inbox.mark_dirty()
        await until(lambda: subject.status().state is DeviceState.ERROR)
        await asyncio.sleep(0.05)  # the trap's full resync, refused again
        tries = sum(c.entry.get("address") == "10.0.0.9" for b in driver.applies for c in b)
        assert tries == 2
        subject.inbox.mark_dirty()  # an incremental pass leaves it to the full resync
        await asyncio.sleep(0.05)
        status = subject.status()
        assert status.last_error is not None
        assert "input does not match" in status.last_error
        assert status.pending_changes == 1
        driver.refuse = set()
        await _advance(clock, 300.0)
        await until(lambda: _in_sync(subject))
    assert ("active", "10.0.0.9", "provisiond:9") in driver.addresses()


async def test_a_hold_lifts_by_itself_when_the_removals_are_wanted_again(
    clock: FakeClock,
) -> None:
    driver, world = FakeDriver(clock.monotonic), _world(6)
    subject = worker(driver, world, clock)
    async with running(subject):
        await until(lambda: _in_sync(subject))
        dropped = [f"10.0.0.{n}" for n in range(1, 5)]
        for address in dropped:
            world.drop("active", address)
        subject.inbox.mark_dirty()
        await until(lambda: subject.status().state is DeviceState.HELD)
        for n, address in enumerate(dropped, start=1):  # the filter is fixed
            world.want("active", address, n)
        subject.inbox.mark_dirty()
        await until(lambda: _in_sync(subject))
        assert subject.status().pending_changes == 0
    assert len(driver.addresses()) == 6


async def test_a_full_resync_lets_incremental_work_in_between_lists(clock: FakeClock) -> None:
    driver, world = FakeDriver(clock.monotonic), _world(2)
    world.want("suspended", "10.0.9.9", 99)
    subject = worker(driver, world, clock)
    async with running(subject):
        await until(lambda: _in_sync(subject))
        driver.journal.clear()
        driver.print_gate = asyncio.Event()
        subject.inbox.request_full()
        await asyncio.sleep(0.01)  # the resync waits in its first print
        world.want("active", "10.0.0.50", 50)
        subject.inbox.mark_dirty()
        driver.print_gate.set()
        await until(lambda: len(driver.addresses()) == 4 and _in_sync(subject))
        await asyncio.sleep(0.02)
    assert driver.journal == ["print active", "apply 1", "print suspended"]
