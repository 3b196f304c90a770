"""Vacations (DESIGN.md §6): booking, start, end, and ending or cancelling early.

Each function runs inside one write job (`Store.transact`). Booking checks the account
and the overlap in the transaction that inserts, so two bookings cannot both pass.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Final

import sqlalchemy as sa

from provisiond.model.enums import VacationState
from provisiond.model.errors import ConflictError, InvalidError, ModelError, NotFoundError
from provisiond.store import mutations, rows, schedule_rules
from provisiond.store.steps import (
    ACCOUNTS,
    VACATIONS,
    StepKind,
    StepResult,
    move_account,
    raise_failed,
)

if TYPE_CHECKING:
    from datetime import datetime

    from provisiond.model import objects
    from provisiond.store.context import WriteContext

# Vacations that still hold their window: a new one may not overlap them.
OPEN_STATES: Final = frozenset({VacationState.SCHEDULED, VacationState.ACTIVE})


async def of_account(
    ctx: WriteContext, account_id: int, *, states: frozenset[VacationState] = OPEN_STATES
) -> list[objects.Vacation]:
    table = VACATIONS.table
    where = sa.and_(
        table.c.account_id == account_id, table.c.state.in_(sorted(s.value for s in states))
    )
    found = await rows.select(ctx.conn, VACATIONS, secrets=ctx.secrets, where=where)
    return sorted(found, key=lambda vacation: (vacation.start, vacation.id))


async def _account(ctx: WriteContext, account_id: int) -> objects.Account:
    account = await mutations.fetch(ctx, ACCOUNTS, account_id)
    if account is None:
        raise NotFoundError(f"account {account_id} does not exist")
    return account


async def book(ctx: WriteContext, vacation: objects.Vacation) -> objects.Vacation:
    """Create a scheduled vacation: 404 no account, 422 not one data service, 409 overlap."""
    account = await _account(ctx, vacation.account_id)
    if len(account.service_ids) != 1:
        raise InvalidError(
            f"a vacation needs an account with exactly one data service; account "
            f"{account.id} has {len(account.service_ids)}"
        )
    if vacation.end <= ctx.at:
        raise InvalidError("the vacation would be over already", field="end")
    for other in await of_account(ctx, account.id):
        if other.start < vacation.end and vacation.start < other.end:
            raise ConflictError(f"the vacation overlaps vacation {other.id}")
    return await mutations.create(ctx, VACATIONS, vacation)


async def _fail(
    ctx: WriteContext,
    before: objects.Vacation,
    message: str,
    kind: StepKind,
    *,
    ended_at: datetime | None = None,
) -> StepResult:
    failed = replace(before, state=VacationState.FAILED, error=message, end=ended_at or before.end)
    await mutations.update(ctx, VACATIONS, failed)
    await raise_failed(ctx, before, failed)
    return StepResult(kind, before.id, before.account_id, error=message)


async def _pending(
    ctx: WriteContext, vacation_id: int, state: VacationState
) -> objects.Vacation | None:
    vacation = await mutations.fetch(ctx, VACATIONS, vacation_id)
    return vacation if vacation is not None and vacation.state is state else None


async def start(ctx: WriteContext, vacation_id: int) -> StepResult | None:
    """At `start`: save the status and primary service, move to the vacation's."""
    vacation = await _pending(ctx, vacation_id, VacationState.SCHEDULED)
    if vacation is None or vacation.start > ctx.at:
        return None  # already started, cancelled or deleted; or not due
    account = await _account(ctx, vacation.account_id)
    try:
        moved, active = schedule_rules.start_vacation(vacation, account)
        await move_account(ctx, moved)
    except (schedule_rules.RuleError, ModelError) as exc:
        return await _fail(ctx, vacation, str(exc), StepKind.VACATION_START)
    await mutations.update(ctx, VACATIONS, active)
    return StepResult(StepKind.VACATION_START, vacation.id, vacation.account_id)


async def end(ctx: WriteContext, vacation_id: int, *, early: bool = False) -> StepResult | None:
    """At `end` (or now, `early`): restore only if the account is still on vacation."""
    vacation = await _pending(ctx, vacation_id, VacationState.ACTIVE)
    if vacation is None or (vacation.end > ctx.at and not early):
        return None
    account = await _account(ctx, vacation.account_id)
    # Ended early, the record shows when it really ended.
    ended_at = min(ctx.at, vacation.end) if early else None
    try:
        restored, done = schedule_rules.end_vacation(vacation, account, ended_at=ended_at)
        await move_account(ctx, restored)
    except (schedule_rules.RuleError, ModelError) as exc:
        kind = StepKind.VACATION_END
        return await _fail(ctx, vacation, str(exc), kind, ended_at=ended_at)
    await mutations.update(ctx, VACATIONS, done)
    return StepResult(StepKind.VACATION_END, vacation.id, vacation.account_id)


async def fail(ctx: WriteContext, vacation_id: int, message: str, kind: StepKind) -> StepResult:
    """Record a failure the database raised at COMMIT of `start` or `end`."""
    vacation = await mutations.fetch(ctx, VACATIONS, vacation_id)
    if vacation is None:
        raise NotFoundError(f"vacation {vacation_id} does not exist")
    return await _fail(ctx, vacation, message, kind)


async def stop(
    ctx: WriteContext, account_id: int, vacation_id: int | None = None
) -> objects.Vacation:
    """`DELETE`: end the active vacation now, or cancel the next scheduled one.

    `vacation_id` picks one of the account's open vacations instead.
    """
    await _account(ctx, account_id)
    candidates = await of_account(ctx, account_id)
    if vacation_id is not None:
        candidates = [v for v in candidates if v.id == vacation_id]
    active = [v for v in candidates if v.state is VacationState.ACTIVE]
    if active:
        await end(ctx, active[0].id, early=True)
        return await _stored(ctx, active[0].id)
    if not candidates:
        raise NotFoundError(f"account {account_id} has no scheduled or active vacation")
    cancelled = replace(candidates[0], state=VacationState.CANCELLED)
    return await mutations.update(ctx, VACATIONS, cancelled)


async def _stored(ctx: WriteContext, vacation_id: int) -> objects.Vacation:
    vacation = await mutations.fetch(ctx, VACATIONS, vacation_id)
    if vacation is None:
        raise NotFoundError(f"vacation {vacation_id} does not exist")
    return vacation
