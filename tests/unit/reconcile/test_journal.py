"""Incremental passes with the engine's journal: only the keys it names are diffed."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from provisiond.model.device_state import AddressEntry, DesiredState
from provisiond.plan import Op
from provisiond.policy import Changes
from provisiond.reconcile.state import DeviceState
from provisiond.reconcile.syncer import Sources
from tests.unit.reconcile.fakes import FakeDriver, World, until, worker

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from provisiond.model.device_state import AddressKey
    from provisiond.reconcile.worker import DeviceWorker
    from provisiond.runtime.clock import FakeClock


@dataclass
class JournalWorld(World):
    """A world that journals what `want`/`drop` move, as the policy engine does."""

    changed: set[AddressKey] = field(default_factory=set)
    full: bool = True
    copies: int = 0  # `desired()` calls: the copy the journal avoids

    def desired(self, device: str) -> DesiredState:
        self.copies += 1
        return super().desired(device)

    def view(self, device: str) -> DesiredState:
        return DesiredState(device, self.addresses, self.queues)

    def want(self, list_name: str, address: str, account: int) -> None:
        super().want(list_name, address, account)
        self.changed.add((4, list_name, address))

    def drop(self, list_name: str, address: str) -> None:
        super().drop(list_name, address)
        self.changed.add((4, list_name, address))

    def sneak(self, list_name: str, address: str, account: int) -> None:
        """A desired entry the journal does not hear of."""
        entry = AddressEntry(4, list_name, address, account)
        self.addresses[entry.key] = entry

    def take_changes(self, _device: str) -> Changes:
        taken = Changes(full=True) if self.full else Changes(frozenset(self.changed))
        self.full, self.changed = False, set()
        return taken

    def sources(self) -> Sources:
        return Sources(
            desired=self.desired,
            address_lists=lambda: dict(self.lists),
            changes=self.take_changes,
            view=self.view,
        )


@contextlib.asynccontextmanager
async def running(subject: DeviceWorker) -> AsyncIterator[DeviceWorker]:
    task = asyncio.create_task(subject.run(), name="worker")
    try:
        yield subject
    finally:
        subject.inbox.stop()
        await asyncio.wait_for(task, 2.0)


def _world() -> JournalWorld:
    world = JournalWorld()
    for n in range(1, 4):
        world.want("active", f"10.0.0.{n}", n)
    return world


def _in_sync(subject: DeviceWorker) -> bool:
    return subject.status().state is DeviceState.IN_SYNC


async def test_an_incremental_pass_diffs_only_the_journal_keys(clock: FakeClock) -> None:
    driver, world = FakeDriver(clock.monotonic), _world()
    subject = worker(driver, world, clock)
    async with running(subject):
        await until(lambda: _in_sync(subject))
        assert not world.full
        assert not world.changed
        applies, prints, copies = len(driver.applies), len(driver.prints), world.copies
        world.sneak("active", "10.0.9.9", 99)  # not journaled: left to the full resync
        world.want("active", "10.0.1.1", 11)
        world.drop("active", "10.0.0.1")
        world.want("active", "10.0.0.2", 7)  # the owner moved, the key stayed
        subject.inbox.mark_dirty()
        await until(lambda: len(driver.applies) == applies + 1)
        await asyncio.sleep(0.01)
        assert len(driver.prints) == prints
        assert world.copies == copies  # the view, not a copy of the whole desired state
        (batch,) = driver.applies[applies:]
        touched = {
            (change.op, change.entry.get("address") or change.before.get("address"))
            for change in batch
        }
        assert {address for _, address in touched} <= {"10.0.1.1", "10.0.0.1", "10.0.0.2"}
        assert (Op.ADD, "10.0.1.1") in touched
        assert ("active", "10.0.9.9", "provisiond:99") not in driver.addresses()
        assert ("active", "10.0.0.2", "provisiond:7") in driver.addresses()
        assert ("active", "10.0.0.1", "provisiond:1") not in driver.addresses()
        # A journal saying `full` (a new engine) compares the whole key sets.
        world.full = True
        subject.inbox.mark_dirty()
        await until(lambda: ("active", "10.0.9.9", "provisiond:99") in driver.addresses())
        assert len(driver.prints) == prints
