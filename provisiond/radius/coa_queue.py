"""The CoA sender's work queue in memory: the outbox's rows, which are in flight, which go
next. Pure: `plan` works out a pass (the outbox writes, who starts) without changing
anything; `commit` makes it so once the writes are durable. So a failed write leaves the
queue as it was, and memory never runs ahead of the disk.

Per session there is at most one request in flight. Work that arrives meanwhile is
coalesced into the stored row (durable) and kept as the session's `follow_up`: when the
request settles, the row is replaced by just the follow-up, which is sent next (and
recomputed then), rather than by the union that would repeat what was just done.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

from provisiond.store.coa_outbox import OutboxAction, OutboxBatch, coalesce

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from provisiond.store.coa_outbox import OutboxRow


@dataclass(frozen=True, slots=True)
class Entry:
    row: OutboxRow  # exactly as stored
    follow_up: OutboxRow | None = None  # work that arrived while a request was in flight
    bypass: bool = False  # approved: its Disconnect skips the breaker once
    not_before: float = 0.0  # monotonic seconds: a failed attempt waits until then


@dataclass(frozen=True, slots=True)
class Done:
    """The work is finished (sent and recorded, or nothing to send)."""


@dataclass(frozen=True, slots=True)
class Held:
    """The breaker held a Disconnect; `action` is what approval should do: recompute
    (`coa`: the account may be fixed by then) or disconnect (a fallback, a forced one)."""

    action: OutboxAction


@dataclass(frozen=True, slots=True)
class Retry:
    """Not finished (the session's record could not be written): try again later."""

    not_before: float


Settlement: TypeAlias = "Done | Held | Retry"
DONE = Done()


@dataclass(slots=True)
class Step:
    """One pass: the outbox writes, and what memory becomes once they are committed."""

    batch: OutboxBatch = field(default_factory=OutboxBatch)
    entries: dict[int, Entry | None] = field(default_factory=dict)  # None: gone
    settled: set[int] = field(default_factory=set)
    started: list[int] = field(default_factory=list)
    released: int = 0


class CoaQueue:
    def __init__(self) -> None:
        self.entries: dict[int, Entry] = {}
        self.in_flight: set[int] = set()
        self.held_count = 0
        self._ready: dict[int, None] = {}  # FIFO of sessions that may go; checked when picked
        self._waiting: dict[int, float] = {}  # retries and when they are due

    def __len__(self) -> int:
        return len(self.entries)

    def load(self, rows: Iterable[OutboxRow]) -> None:
        """The stored rows at start; nothing is in flight."""
        self.entries = {row.session_id: Entry(row) for row in rows}
        self.in_flight.clear()
        self._ready = {sid: None for sid, entry in self.entries.items() if not entry.row.held}
        self._waiting = {}
        self.held_count = len(self.entries) - len(self._ready)

    def held(self) -> list[OutboxRow]:
        if not self.held_count:
            return []
        return [entry.row for entry in self.entries.values() if entry.row.held]

    def has_due(self, now: float) -> bool:
        """Whether a session could start now (not held, not in flight, not waiting)."""
        return any(
            sid not in self.in_flight and self.entries[sid].not_before <= now
            for sid in self._ready
            if sid in self.entries and not self.entries[sid].row.held
        )

    def next_due(self, now: float) -> float | None:
        """When the earliest waiting retry is due, if one waits."""
        return min((at for at in self._waiting.values() if at > now), default=None)

    def plan(
        self,
        *,
        intake: Sequence[OutboxRow],
        settled: Sequence[tuple[int, Settlement]],
        release: bool,
        free: int,
        now: float,
    ) -> Step:
        """The pass: settle finished requests, queue new work, release held rows (when
        `release`), and start at most `free` sessions that are due."""
        step = Step()
        for session_id, settlement in settled:
            self._settle(step, session_id, settlement)
        flying = self.in_flight - step.settled
        for row in intake:
            self._take(step, row, flying=row.session_id in flying)
        if release:
            self._release(step)
        self._start(step, free, now, flying)
        return step

    def commit(self, step: Step) -> None:
        for session_id, entry in step.entries.items():
            before = self.entries.get(session_id)
            self.held_count += _held(entry) - _held(before)
            if entry is None:
                self.entries.pop(session_id, None)
                self._ready.pop(session_id, None)
                self._waiting.pop(session_id, None)
                continue
            self.entries[session_id] = entry
            if not entry.row.held:
                self._ready.setdefault(session_id, None)
            if entry.not_before:
                self._waiting[session_id] = entry.not_before
            else:
                self._waiting.pop(session_id, None)
        self.in_flight -= step.settled
        for session_id in step.started:
            self._ready.pop(session_id, None)
            self._waiting.pop(session_id, None)
            self.in_flight.add(session_id)

    # -- a pass, staged in `step` --------------------------------------------------------

    def _current(self, step: Step, session_id: int) -> Entry | None:
        if session_id in step.entries:
            return step.entries[session_id]
        return self.entries.get(session_id)

    def _settle(self, step: Step, session_id: int, settlement: Settlement) -> None:
        step.settled.add(session_id)
        entry = self._current(step, session_id)
        if entry is None:
            return
        follow_up = entry.follow_up
        if isinstance(settlement, Done):
            if follow_up is None:
                step.batch.delete.add(session_id)
                step.entries[session_id] = None
            else:
                step.batch.put.append(follow_up)
                step.entries[session_id] = Entry(follow_up)
            return
        row = entry.row if follow_up is None else coalesce(entry.row, follow_up)
        if isinstance(settlement, Held):
            disconnect = OutboxAction.DISCONNECT in (row.action, settlement.action)
            action = OutboxAction.DISCONNECT if disconnect else OutboxAction.COA
            row = dataclasses.replace(row, action=action, held=True)
            step.batch.put.append(row)
            step.entries[session_id] = Entry(row)
        else:  # Retry: the stored row is already the union (every follow-up was upserted)
            step.entries[session_id] = Entry(row, not_before=settlement.not_before)

    def _take(self, step: Step, row: OutboxRow, *, flying: bool) -> None:
        step.batch.upsert.append(row)
        entry = self._current(step, row.session_id)
        if entry is None:
            step.entries[row.session_id] = Entry(row)
        elif flying:
            follow_up = row if entry.follow_up is None else coalesce(entry.follow_up, row)
            step.entries[row.session_id] = dataclasses.replace(
                entry, row=coalesce(entry.row, row), follow_up=follow_up
            )
        else:  # new work is due now, even if a retry was waiting
            step.entries[row.session_id] = Entry(coalesce(entry.row, row), bypass=entry.bypass)

    def _release(self, step: Step) -> None:
        for session_id in {*self.entries, *step.entries}:
            entry = self._current(step, session_id)
            if entry is None or not entry.row.held:
                continue
            step.batch.release.add(session_id)
            row = dataclasses.replace(entry.row, held=False)
            step.entries[session_id] = Entry(row, follow_up=entry.follow_up, bypass=True)
            step.released += 1

    def _start(self, step: Step, free: int, now: float, flying: set[int]) -> None:
        if free <= 0:
            return
        staged = [sid for sid in step.entries if sid not in self._ready]
        # Lazily over the ready ones: a burst leaves thousands there, a pass takes a few.
        for session_id in itertools.chain(self._ready, staged):
            if len(step.started) >= free:
                return
            entry = self._current(step, session_id)
            if entry is None or entry.row.held or session_id in flying or entry.not_before > now:
                continue
            row = dataclasses.replace(entry.row, attempts=entry.row.attempts + 1)
            step.entries[session_id] = dataclasses.replace(entry, row=row)
            step.batch.attempted.add(session_id)
            step.started.append(session_id)


def _held(entry: Entry | None) -> int:
    return int(entry is not None and entry.row.held)
