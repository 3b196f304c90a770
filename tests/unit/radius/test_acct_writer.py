"""The group commit: no timer, bounded backlog, shed late work, survive a failed commit."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest

from provisiond.observability.metrics import Metrics
from provisiond.radius.acct_writer import AccountingWriter, Pending
from provisiond.radius.clients import NasClient
from provisiond.radius.errors import RadiusError
from provisiond.radius.packet import parse
from provisiond.radius.session_book import SessionBook, Sweep
from provisiond.radius.stats import DropReason, RadiusStats
from provisiond.store import StoreError
from tests.unit.radius.requests import RequestBuilder
from tests.unit.radius.test_accounting import T0, record

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Collection, Mapping

    from provisiond.runtime.clock import FakeClock
    from provisiond.store.sessions import SessionKey, SessionRow

NAS = RequestBuilder("s")
PACKET = parse(NAS.accounting("Start", "s1", "bob"))
CLIENT = NasClient("core", NAS.secret)


class FakeSessions:
    """Commits on demand: `gate` holds a commit open, `fail` makes it raise."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail = False
        self.batches: list[int] = []
        self.loads = 0

    async def commit(
        self,
        lookup: Collection[SessionKey],
        decide: Callable[[Mapping[SessionKey, SessionRow]], object],
    ) -> object:
        del lookup
        await self.gate.wait()
        changes = decide({})
        if self.fail:
            raise StoreError("disk full")
        self.batches.append(len(changes.closed_by_event))  # type: ignore[attr-defined]
        return changes

    async def load_open(self) -> tuple[list[SessionRow], int]:
        self.loads += 1
        return [], 0


class Origin:
    def __init__(self) -> None:
        self.answered: list[str] = []
        self.dropped: list[tuple[str, DropReason]] = []

    def respond(self, pending: Pending) -> None:
        self.answered.append(pending.record.acct_session_id)

    def abandon(self, pending: Pending, reason: DropReason) -> None:
        self.dropped.append((pending.record.acct_session_id, reason))


class Rig:
    def __init__(self, clock: FakeClock, **limits: Any) -> None:
        self.clock = clock
        self.sessions = FakeSessions()
        self.origin = Origin()
        self.accounts: list[set[int]] = []
        self.writer = AccountingWriter(
            book=SessionBook(),
            sessions=self.sessions,  # type: ignore[arg-type]
            clock=clock,
            stats=RadiusStats(Metrics()),
            on_accounts=self.accounts.append,
            **limits,
        )

    def offer(self, session: str) -> bool:
        item = record(acct_session_id=session, at=T0)
        pending = Pending(
            item,
            PACKET,
            CLIENT,
            None,  # type: ignore[arg-type]
            ("127.0.0.1", 1),
            session.encode(),
            self.clock.monotonic(),
            self.origin,
        )
        return self.writer.offer(pending)


@pytest.fixture
async def rig(clock: FakeClock) -> AsyncIterator[Rig]:
    built = Rig(clock, max_backlog=4)
    task = asyncio.create_task(built.writer.run())
    try:
        yield built
    finally:
        built.sessions.gate.set()
        built.writer.close()
        await task


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_a_lone_record_is_committed_at_once(rig: Rig) -> None:
    rig.offer("a")
    await settle()
    assert rig.sessions.batches == [1]
    assert rig.origin.answered == ["a"]
    assert rig.accounts == [{2}]


async def test_records_arriving_during_a_commit_share_the_next_one(rig: Rig) -> None:
    rig.sessions.gate.clear()
    rig.offer("a")
    await settle()
    for name in "bcd":
        rig.offer(name)
    assert rig.origin.answered == []  # nothing is answered before its commit
    rig.sessions.gate.set()
    await settle()
    assert rig.sessions.batches == [1, 3]
    assert rig.origin.answered == ["a", "b", "c", "d"]


async def test_a_full_backlog_refuses_new_records(rig: Rig) -> None:
    rig.sessions.gate.clear()
    rig.offer("a")
    await settle()
    assert all(rig.offer(name) for name in "bcde")
    assert not rig.offer("f")


async def test_records_that_waited_too_long_are_dropped_not_answered(
    rig: Rig, clock: FakeClock
) -> None:
    rig.sessions.gate.clear()
    rig.offer("a")
    await settle()
    rig.offer("b")
    await clock.advance(5)
    rig.sessions.gate.set()
    await settle()
    assert rig.origin.answered == ["a"]
    assert rig.origin.dropped == [("b", DropReason.LATE)]


async def test_a_failed_commit_answers_nothing_and_reloads_the_book(rig: Rig) -> None:
    rig.sessions.fail = True
    rig.offer("a")
    await settle()
    assert rig.origin.dropped == [("a", DropReason.STORE_ERROR)]
    assert rig.sessions.loads == 1
    rig.sessions.fail = False
    rig.offer("b")
    await settle()
    assert rig.origin.answered == ["b"]


async def test_a_sweep_waits_its_turn_and_reports_what_it_closed(rig: Rig) -> None:
    rig.offer("a")
    closed = await rig.writer.control(Sweep(T0.replace(year=2030), stale_after=60))
    assert closed == 1


async def test_closing_commits_the_backlog_first(clock: FakeClock) -> None:
    rig = Rig(clock)
    task = asyncio.create_task(rig.writer.run())
    rig.offer("a")
    rig.offer("b")
    rig.writer.close()
    await task
    assert rig.origin.answered == ["a", "b"]
    assert not rig.offer("c")
    with pytest.raises(RadiusError, match="stopping"):
        await rig.writer.control(Sweep(T0, stale_after=1))
