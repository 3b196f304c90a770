"""The accounting writer meters each batch: usage rows go into the batch's own commit,
the meter hears of them after it, and a failing meter never stops accounting."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from provisiond.model.usage import Traffic
from provisiond.observability.metrics import Metrics
from provisiond.radius.acct_writer import AccountingWriter, Pending
from provisiond.radius.session_book import SessionBook
from provisiond.radius.stats import RadiusStats
from provisiond.radius.wire import AcctStatusType
from provisiond.store.usage_totals import UsageRow
from tests.unit.radius.test_accounting import T0, record
from tests.unit.radius.test_acct_writer import CLIENT, PACKET, Origin, settle

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping, Sequence

    from provisiond.radius.session_book import Changes
    from provisiond.runtime.clock import FakeClock
    from provisiond.store.sessions import SessionKey, SessionRow

PERIOD = datetime(2026, 3, 1, tzinfo=UTC)


class CommittingSessions:
    """Commits at once and keeps what each commit would have written as usage."""

    def __init__(self) -> None:
        self.written: list[Sequence[UsageRow]] = []

    async def commit(
        self,
        lookup: Collection[SessionKey],
        decide: Callable[[Mapping[SessionKey, SessionRow]], Changes],
        *,
        usage: Callable[[Changes], Sequence[UsageRow]] | None = None,
    ) -> Changes:
        del lookup
        changes = decide({})
        if usage is not None:
            self.written.append(usage(changes))
        return changes


class Meter:
    def __init__(self, *, broken: bool = False) -> None:
        self.broken = broken
        self.told: list[tuple[Sequence[UsageRow], Sequence[Traffic]]] = []

    def rows(self, traffic: Sequence[Traffic]) -> Sequence[UsageRow]:
        if self.broken:
            raise ZeroDivisionError("a bug in usage")
        return [UsageRow(t.account_id, PERIOD, t.octets_in, t.octets_out) for t in traffic]

    def committed(self, rows: Sequence[UsageRow], traffic: Sequence[Traffic]) -> None:
        self.told.append((rows, traffic))


async def run_one(clock: FakeClock, meter: Meter, **fields: Any) -> tuple[Origin, list[Any]]:
    sessions = CommittingSessions()
    origin = Origin()
    writer = AccountingWriter(
        book=SessionBook(),
        sessions=sessions,  # type: ignore[arg-type]
        clock=clock,
        stats=RadiusStats(Metrics()),
        on_accounts=lambda _accounts: None,
        usage=meter,
    )
    task = asyncio.create_task(writer.run())
    item = record(AcctStatusType.INTERIM_UPDATE, **fields)
    writer.offer(
        Pending(item, PACKET, CLIENT, None, ("127.0.0.1", 1), b"k", clock.monotonic(), origin)  # type: ignore[arg-type]
    )
    await settle()
    writer.close()
    await task
    return origin, list(sessions.written)


async def test_the_batch_usage_is_written_in_its_commit_and_reported_after(
    clock: FakeClock,
) -> None:
    meter = Meter()
    origin, written = await run_one(clock, meter, input_octets=10, output_octets=90)
    traffic = Traffic(2, T0, T0, 90, 10)
    assert written == [[UsageRow(2, PERIOD, 90, 10)]]
    assert meter.told == [([UsageRow(2, PERIOD, 90, 10)], [traffic])]
    assert origin.answered == ["s1"]


async def test_a_failing_meter_costs_the_usage_not_the_answer(clock: FakeClock) -> None:
    meter = Meter(broken=True)
    origin, written = await run_one(clock, meter, input_octets=10)
    assert written == [()]
    assert meter.told == []
    assert origin.answered == ["s1"]
