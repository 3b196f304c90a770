"""The trigger engine's source: account transitions read back from the audit log.

The audit log already holds, for every committed change, the account before and after,
who made it and whether it was an import, written in the change's own transaction. Read
in id order behind a durable cursor (`event_cursors`) that advances in the transaction
that queues the deliveries, it gives every transition exactly once, across restarts and
even for changes committed while no daemon ran (`provisiond import --triggers`).

Imports fire nothing unless asked (DESIGN.md §3): an import that asks records the range
of its audit ids in `trigger_imports`, in its own transaction; every other "import"
entry is a silent one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final

import sqlalchemy as sa

from provisiond.model import objects
from provisiond.model.errors import InvalidError
from provisiond.schema import codec
from provisiond.store import audit, importer, kinds, mutations, rows, tables

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncConnection

    from provisiond.store.context import WriteContext
    from provisiond.store.store import Store

log = logging.getLogger(__name__)

CURSOR: Final = "triggers"
IMPORT: Final = "import"
_ACCOUNTS: Final = kinds.spec_of(objects.Account)
_STATUSES: Final = kinds.spec_of(objects.AccountStatus)


@dataclass(frozen=True, slots=True)
class Transition:
    """One audited change of an account; `fires` is false for a silent import."""

    audit_id: int
    at: datetime
    actor: str
    account_id: int
    before: objects.Account | None
    after: objects.Account | None
    fires: bool


async def position(conn: AsyncConnection) -> int:
    """The last audit id read; started at the newest entry (migration 0004 sets it)."""
    cursors = tables.event_cursors
    found = (
        await conn.execute(sa.select(cursors.c.position).where(cursors.c.name == CURSOR))
    ).scalar()
    if found is not None:
        return int(found)
    newest = int((await conn.execute(sa.select(sa.func.max(tables.audit_log.c.id)))).scalar() or 0)
    await conn.execute(cursors.insert().values(name=CURSOR, position=newest))
    return newest


async def advance(conn: AsyncConnection, to: int) -> None:
    cursors = tables.event_cursors
    await conn.execute(cursors.update().where(cursors.c.name == CURSOR).values(position=to))


async def _firing_ranges(conn: AsyncConnection, first: int, last: int) -> list[tuple[int, int]]:
    marks = tables.trigger_imports
    query = sa.select(marks.c.first_audit_id, marks.c.last_audit_id).where(
        marks.c.first_audit_id <= last, marks.c.last_audit_id >= first
    )
    return [(row[0], row[1]) for row in await conn.execute(query)]


def _account(document: dict[str, Any] | None, audit_id: int) -> objects.Account | None:
    """The audited JSON back as a value; write-only markers dropped (never compared)."""
    if document is None:
        return None
    entries = [
        {key: value for key, value in entry.items() if key != "password"}
        for entry in document.get("radius_accounts", [])
    ]
    try:
        parsed = codec.parse_create(
            "accounts", {**document, "radius_accounts": entries}, importing=True
        )
    except InvalidError as exc:
        log.warning("audit entry %d holds an account this version cannot read: %s", audit_id, exc)
        return None
    return parsed if isinstance(parsed, objects.Account) else None


async def transitions(
    conn: AsyncConnection, *, after: int, limit: int
) -> tuple[list[Transition], int | None]:
    """Account transitions among the next `limit` entries, and the last id read (if any)."""
    entries = await audit.read(conn, after=after, limit=limit)
    if not entries:
        return [], None
    ranges = await _firing_ranges(conn, entries[0].id, entries[-1].id)
    found = [
        Transition(
            audit_id=entry.id,
            at=entry.at,
            actor=entry.actor,
            account_id=entry.object_id,
            before=_account(entry.before, entry.id),
            after=_account(entry.after, entry.id),
            fires=entry.action != IMPORT or any(a <= entry.id <= b for a, b in ranges),
        )
        for entry in entries
        if entry.kind == _ACCOUNTS.name and entry.object_id is not None
    ]
    return found, entries[-1].id


async def statuses(ctx: WriteContext) -> dict[int, objects.AccountStatus]:
    found = await rows.select(ctx.conn, _STATUSES, secrets=ctx.secrets)
    return {status.id: status for status in found}


async def mark_activated(
    ctx: WriteContext, account_id: int, at: datetime
) -> objects.Account | None:
    """Set `activated_at` unless it is set already (or the account is gone): the account
    as updated, or None when it was not the first activation."""
    account = await mutations.fetch(ctx, _ACCOUNTS, account_id)
    if account is None or account.activated_at is not None:
        return None
    return await mutations.update(ctx, _ACCOUNTS, replace(account, activated_at=at))


async def _newest_audit_id(conn: AsyncConnection) -> int:
    return int((await conn.execute(sa.select(sa.func.max(tables.audit_log.c.id)))).scalar() or 0)


async def _import_firing(ctx: WriteContext, dataset: objects.Dataset) -> dict[str, int]:
    counts = await importer.import_dataset(ctx, dataset)
    # Write the audit rows here rather than at `finish`, to learn their ids: every id
    # above the newest before them is this transaction's (one writer, one transaction).
    first = await _newest_audit_id(ctx.conn) + 1
    await audit.write(ctx.conn, ctx.records, at=ctx.at, actor=ctx.actor)
    ctx.records.clear()
    last = await _newest_audit_id(ctx.conn)
    if last >= first:
        await ctx.conn.execute(
            tables.trigger_imports.insert().values(first_audit_id=first, last_audit_id=last)
        )
    return counts


async def import_dataset(
    store: Store, dataset: objects.Dataset, *, actor: str, triggers: bool
) -> dict[str, int]:
    """`POST /api/v1/import` and `provisiond import`: with `triggers`, its account
    transitions fire like API writes; without, they fire nothing."""
    if not triggers:
        return await store.import_dataset(dataset, actor=actor)

    async def job(ctx: WriteContext) -> dict[str, int]:
        return await _import_firing(ctx, dataset)

    return await store.transact(job, actor=actor)
