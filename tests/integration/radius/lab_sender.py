"""The CoA sender against the lab's NAS simulator: set-up shared by its tests."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from typing import TYPE_CHECKING

from provisiond.config.settings import DEFAULT_COA_ON, CoaSettings
from provisiond.radius.coa_requester import CoaRequester
from provisiond.radius.coa_sender import CoaSender
from provisiond.radius.dictionary import load_dictionary
from tests.unit.radius import world

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from provisiond.radius.coa_requester import CoaTarget
    from provisiond.runtime.clock import FakeClock
    from provisiond.store import Store
    from tests.integration.radius.conftest import Running


@contextlib.asynccontextmanager
async def started_sender(
    running: Running, target: CoaTarget, clock: FakeClock, store: Store, *, retries: int
) -> AsyncIterator[CoaSender]:
    """A CoA sender to `target` on the running server's sessions, stopped on the way out."""
    requester = CoaRequester(clock=clock, metrics=running.metrics)
    server = running.server
    coa = CoaSender(
        settings=CoaSettings(timeout=2.0, retries=retries),
        targets={"core": target},
        coa_on={"core": DEFAULT_COA_ON},
        book=server.book,
        control=server.control,
        authorizer=running.engine,
        dictionary=load_dictionary(),
        requester=requester,
        store=store,
        clock=clock,
        metrics=running.metrics,
    )
    await coa.start()
    try:
        yield coa
    finally:
        stopping = asyncio.create_task(coa.stop(1.0))
        while not stopping.done():
            await clock.advance(1.0)
        await stopping
        requester.close()


def slow_alice_down(running: Running, sender: CoaSender) -> None:
    dirty = running.engine.put_account(dataclasses.replace(world.ALICE, service_ids=(2,)))
    running.server.invalidate(dirty.usernames)
    sender.account_changed(world.ALICE.id, frozenset({"service"}))


async def until(condition: Callable[[], bool]) -> None:
    """Accounting commits through the writer task: give it a moment, on the real loop."""
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("not reached within 2 s")
