"""Scheduled events and vacation steps: which are due, and running one (DESIGN.md §6).

Each step is claimed and completed in one transaction on the writer: it re-reads its row,
checks it is still pending and due, changes the account through `mutations` (checked,
audited as the job's actor and announced on the change feed like any API write) and
records the outcome. A crash before COMMIT leaves the step pending, to run at the next
start; after COMMIT it is done and never runs again. That is the exactly-once of §6.

A pending event is one neither `complete` nor failed (`error` set): a failure is final,
as in Sonar, and shows on the event.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Final

import sqlalchemy as sa

from provisiond.model.enums import EventAction, VacationState
from provisiond.model.errors import ConflictError, ModelError, NotFoundError
from provisiond.store import mutations, schedule_rules, vacations
from provisiond.store.steps import (
    ACCOUNTS,
    EVENTS,
    VACATIONS,
    StepKind,
    StepResult,
    move_account,
    raise_failed,
)

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncConnection

    from provisiond.model import objects
    from provisiond.store.context import WriteContext

# At one instant a vacation ends before another starts, with events in between.
_RANK: Final = {StepKind.VACATION_END: 0, StepKind.EVENT: 1, StepKind.VACATION_START: 2}


@dataclass(frozen=True, slots=True, order=True)
class Due:
    """A step whose time has come; sorts in the order steps must run."""

    at: datetime
    rank: int
    id: int
    kind: StepKind = field(compare=False)


def _pending_events() -> sa.ColumnElement[bool]:
    table = EVENTS.table
    return sa.and_(table.c.complete.is_(False), table.c.error.is_(None))


def _sources() -> list[tuple[StepKind, sa.Column[datetime], sa.ColumnElement[bool]]]:
    events, vacation_rows = EVENTS.table, VACATIONS.table
    return [
        (StepKind.EVENT, events.c.at, _pending_events()),
        (
            StepKind.VACATION_START,
            vacation_rows.c.start_at,
            vacation_rows.c.state == VacationState.SCHEDULED.value,
        ),
        (
            StepKind.VACATION_END,
            vacation_rows.c.end_at,
            vacation_rows.c.state == VacationState.ACTIVE.value,
        ),
    ]


async def due(conn: AsyncConnection, *, now: datetime, limit: int) -> list[Due]:
    """Up to `limit` steps due at `now`, oldest first (late ones included)."""
    found: list[Due] = []
    for kind, column, pending in _sources():
        query = (
            sa.select(column.table.c.id, column)
            .where(pending, column <= now)
            .order_by(column, column.table.c.id)
            .limit(limit)
        )
        found.extend(Due(row[1], _RANK[kind], row[0], kind) for row in await conn.execute(query))
    return sorted(found)[:limit]


async def upcoming(conn: AsyncConnection, *, limit: int) -> list[Due]:
    """Up to `limit` pending steps, in the order they will run, late ones first."""
    found: list[Due] = []
    for kind, column, pending in _sources():
        query = (
            sa.select(column.table.c.id, column)
            .where(pending)
            .order_by(column, column.table.c.id)
            .limit(limit)
        )
        found.extend(Due(row[1], _RANK[kind], row[0], kind) for row in await conn.execute(query))
    return sorted(found)[:limit]


async def next_at(conn: AsyncConnection) -> datetime | None:
    """When the earliest pending step is due, if any is."""
    times: list[datetime] = []
    for _kind, column, pending in _sources():
        earliest = (await conn.execute(sa.select(sa.func.min(column)).where(pending))).scalar()
        if earliest is not None:
            times.append(earliest)
    return min(times, default=None)


async def run(ctx: WriteContext, step: Due) -> StepResult | None:
    """Run one step if it is still pending and due; None when there was nothing to do."""
    if step.kind is StepKind.EVENT:
        return await run_event(ctx, step.id)
    if step.kind is StepKind.VACATION_START:
        return await vacations.start(ctx, step.id)
    return await vacations.end(ctx, step.id)


async def fail(ctx: WriteContext, step: Due, message: str) -> StepResult | None:
    """Record a failure the database raised at COMMIT of `run` (a rule no check covers)."""
    if step.kind is not StepKind.EVENT:
        return await vacations.fail(ctx, step.id, message, step.kind)
    event = await _pending_event(ctx, step.id)
    return None if event is None else await _fail_event(ctx, event, message)


async def _pending_event(ctx: WriteContext, event_id: int) -> objects.ScheduledEvent | None:
    event = await mutations.fetch(ctx, EVENTS, event_id)
    if event is None or event.complete or event.error is not None:
        return None
    return event


async def _fail_event(ctx: WriteContext, event: objects.ScheduledEvent, message: str) -> StepResult:
    failed = replace(event, error=message)
    await mutations.update(ctx, EVENTS, failed)
    await raise_failed(ctx, event, failed)
    return StepResult(StepKind.EVENT, event.id, event.account_id, error=message)


async def run_event(ctx: WriteContext, event_id: int) -> StepResult | None:
    event = await _pending_event(ctx, event_id)
    if event is None or event.at > ctx.at:
        return None
    account = await mutations.fetch(ctx, ACCOUNTS, event.account_id)
    if account is None:  # deleting an account deletes its events; an old row may remain
        return await _fail_event(ctx, event, f"account {event.account_id} does not exist")
    try:
        changed = schedule_rules.apply_event(
            event, account, allow_multiple=ctx.allow_multiple_data_services
        )
        await move_account(ctx, changed)
    except (schedule_rules.RuleError, ModelError) as exc:
        return await _fail_event(ctx, event, str(exc))
    await mutations.update(ctx, EVENTS, replace(event, complete=True))
    disconnected = event.action is EventAction.DISCONNECT
    return StepResult(StepKind.EVENT, event.id, event.account_id, disconnected=disconnected)


async def delete_event(ctx: WriteContext, event_id: int) -> None:
    """`DELETE /api/v1/scheduled-events/{id}`: a completed event is a record and stays."""
    event = await mutations.fetch(ctx, EVENTS, event_id)
    if event is None:
        raise NotFoundError(f"scheduled event {event_id} does not exist")
    if event.complete:
        raise ConflictError(f"scheduled event {event_id} has run; it is kept as a record")
    await mutations.delete(ctx, EVENTS, event_id)
