"""Durable accounting: a group commit without a timer (DESIGN.md §5 and §8).

Accounting records wait in a bounded backlog. One task takes whatever has arrived (at
most `max_batch`), applies it to the open-session book, writes the changed rows in one
transaction through the store's writer, and only after that COMMIT answers the NAS;
then it takes the next batch at once. Nothing waits for a timer, so a lone record is
committed immediately and a burst shares commits: throughput is about records in flight
divided by the commit latency (docs/radius.md; reference/radius-hot-path.md measured
5x over a fixed 5 ms window).

Overload sheds instead of queueing: a full backlog drops new records, and a record that
waited longer than `max_wait` is dropped rather than committed, since the NAS has given
up on that answer and will retransmit. Every answered record is on disk; an unanswered
one is retransmitted by the NAS and counted here.

Sweeps, NAS reboots and CoA outcomes go through the same queue, so the book only ever changes inside
one batch at a time.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Protocol

from provisiond.radius.errors import RadiusError
from provisiond.radius.stats import DropReason
from provisiond.radius.wire import AcctStatusType

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from provisiond.model.clock import Clock
    from provisiond.model.usage import Traffic
    from provisiond.radius.accounting import AcctRecord
    from provisiond.radius.clients import NasClient
    from provisiond.radius.packet import Packet
    from provisiond.radius.session_book import Changes, Control, SessionBook
    from provisiond.radius.stats import RadiusStats
    from provisiond.store.sessions import SessionKey, SessionRow, SessionStore
    from provisiond.store.usage_totals import UsageRow

log = logging.getLogger(__name__)

MAX_BATCH: Final = 256  # records per COMMIT: "a few hundred" (DESIGN.md §8)
MAX_BACKLOG: Final = 8192  # records waiting; beyond this, new ones are dropped
MAX_WAIT: Final = 2.0  # seconds; RouterOS retransmits after 1.1 s and gives up after ~3 tries
_LOOKUP_STATUSES: Final = frozenset({AcctStatusType.INTERIM_UPDATE, AcctStatusType.STOP})


class Responder(Protocol):
    """Who answers and forgets the requests (the protocol side)."""

    def respond(self, pending: Pending) -> None: ...

    def abandon(self, pending: Pending, reason: DropReason) -> None: ...


class UsageMeter(Protocol):
    """Usage accounting (`provisiond.usage.UsageService`), fed by every batch.

    `rows` turns the batch's traffic into usage rows inside the commit's transaction (it
    must not await, and should be quick: the NAS waits); `committed` tells it they are on
    disk, after the COMMIT (and the answers).
    """

    def rows(self, traffic: Sequence[Traffic]) -> Sequence[UsageRow]: ...

    def committed(self, rows: Sequence[UsageRow], traffic: Sequence[Traffic]) -> None: ...


@dataclass(slots=True)
class Pending:
    """An Accounting-Request waiting for its commit, with what its answer needs."""

    record: AcctRecord
    packet: Packet
    client: NasClient
    transport: asyncio.DatagramTransport
    address: tuple[Any, ...]  # the source address as the socket gave it (a 2- or 4-tuple)
    key: bytes  # its duplicate-cache key
    received: float  # monotonic seconds
    origin: Responder  # answers it after the commit, or forgets it


@dataclass(slots=True)
class _Control:
    event: Control
    done: asyncio.Future[int] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class AccountingWriter:
    def __init__(
        self,
        *,
        book: SessionBook,
        sessions: SessionStore,
        clock: Clock,
        stats: RadiusStats,
        on_accounts: Callable[[set[int]], None],
        usage: UsageMeter | None = None,
        max_batch: int = MAX_BATCH,
        max_backlog: int = MAX_BACKLOG,
        max_wait: float = MAX_WAIT,
    ) -> None:
        self._book = book
        self._sessions = sessions
        self._clock = clock
        self._stats = stats
        self._on_accounts = on_accounts
        self._usage = usage
        self._max_batch = max_batch
        self._max_backlog = max_backlog
        self._max_wait = max_wait
        self._backlog: collections.deque[Pending | _Control] = collections.deque()
        self._wakeup = asyncio.Event()
        self._closing = False

    def __len__(self) -> int:
        return len(self._backlog)

    def open_account(self, key: SessionKey) -> int | None:
        """The account of the open session `key`; None when it is not open or has none.

        An Interim-Update or Stop of such a session keeps the row's account and applied
        attributes (`accounting.updated`), so the request path need not work out the
        user's answer for it: after a session change that answer was just invalidated,
        and recomputing it cost a seventh of the accounting path (bench/radius.py).
        """
        row = self._book.get(key)
        return None if row is None else row.account_id

    def offer(self, pending: Pending) -> bool:
        """Queue a record for the next commit; False when the backlog is full."""
        if self._closing or len(self._backlog) >= self._max_backlog:
            return False
        self._backlog.append(pending)
        if not self._wakeup.is_set():
            self._wakeup.set()
        return True

    async def control(self, event: Control) -> int:
        """Run a sweep, a NAS reboot or a CoA outcome in turn with the records, committed
        like them; how many sessions it closed."""
        if self._closing:
            raise RadiusError("the RADIUS server is stopping")
        item = _Control(event)
        self._backlog.append(item)
        self._wakeup.set()
        return await item.done

    async def run(self) -> None:
        """Commit batch after batch until `close()`, then finish the backlog and return."""
        try:
            while self._backlog or not self._closing:
                if not self._backlog:
                    self._wakeup.clear()
                    await self._wakeup.wait()
                    continue
                await self._commit(self._take())
        finally:
            self._abandon_all(DropReason.STOPPING)

    def close(self) -> None:
        """Take nothing new; `run` returns once the backlog is committed."""
        self._closing = True
        self._wakeup.set()

    def _take(self) -> list[Pending | _Control]:
        batch: list[Pending | _Control] = []
        oldest = self._clock.monotonic() - self._max_wait
        backlog = self._backlog
        while backlog and len(batch) < self._max_batch:
            item = backlog.popleft()
            if isinstance(item, Pending) and item.received < oldest:
                item.origin.abandon(item, DropReason.LATE)
            else:
                batch.append(item)
        self._stats.backlog.set(len(backlog))
        return batch

    async def _commit(self, batch: Sequence[Pending | _Control]) -> None:
        events = [item.record if isinstance(item, Pending) else item.event for item in batch]
        lookup = {
            item.record.key
            for item in batch
            if isinstance(item, Pending)
            and item.record.status in _LOOKUP_STATUSES
            and self._book.get(item.record.key) is None
        }
        try:
            if self._usage is None:
                changes = await self._sessions.commit(
                    lookup, lambda closed: self._book.apply(events, closed)
                )
            else:
                changes = await self._sessions.commit(
                    lookup, lambda closed: self._metered(events, closed), usage=_usage_rows
                )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a failed commit must not stop accounting
            await self._failed(batch, exc)
            return
        self._committed(batch, changes)

    def _metered(
        self, events: Sequence[AcctRecord | Control], closed: Mapping[SessionKey, SessionRow]
    ) -> Changes:
        """The book's changes, with the usage of their traffic (DESIGN.md §6)."""
        changes = self._book.apply(events, closed)
        if self._usage is not None and changes.traffic:
            try:
                changes.usage = self._usage.rows(changes.traffic)
            except Exception:
                # Accounting answers whatever happens to usage: the sessions are stored,
                # this batch's usage is not, and the log says why.
                log.exception("usage of %d records not counted", len(changes.traffic))
                changes.traffic.clear()
        return changes

    def _committed(self, batch: Sequence[Pending | _Control], changes: Changes) -> None:
        for item, closed in zip(batch, changes.closed_by_event, strict=True):
            if isinstance(item, Pending):
                item.origin.respond(item)
            elif not item.done.done():
                item.done.set_result(closed)
        self._stats.batch_size.observe(len(batch))
        self._stats.sessions.set(len(self._book))
        for rule, count in changes.stale.items():
            self._stats.stale.labels(rule=rule).inc(count)
        if changes.accounts:
            self._on_accounts(changes.accounts)
        if self._usage is not None and changes.traffic:
            try:
                self._usage.committed(changes.usage, changes.traffic)
            except Exception:
                log.exception("usage accounting failed after a commit")

    async def _failed(self, batch: Sequence[Pending | _Control], exc: Exception) -> None:
        log.error("accounting commit of %d records failed, none answered: %s", len(batch), exc)
        for item in batch:
            if isinstance(item, Pending):
                item.origin.abandon(item, DropReason.STORE_ERROR)
            elif not item.done.done():
                item.done.set_exception(RadiusError(f"the session commit failed: {exc}"))
        try:
            # Memory may hold changes that never reached the disk: start over from it.
            rows, last_id = await self._sessions.load_open()
        except Exception:
            log.exception("cannot reload the open sessions after a failed commit")
            return
        self._book.load(rows, last_id)

    def _abandon_all(self, reason: DropReason) -> None:
        while self._backlog:
            item = self._backlog.popleft()
            if isinstance(item, Pending):
                item.origin.abandon(item, reason)
            elif not item.done.done():
                item.done.set_exception(RadiusError("the RADIUS server stopped"))


def _usage_rows(changes: Changes) -> Sequence[UsageRow]:
    return changes.usage
