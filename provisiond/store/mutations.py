"""Create, update and delete of one object, run by the writer inside its transaction.

Each function checks the model's rules first (so the error names the field), then
writes, then notes the change for the audit log and the feed. Anything raised rolls
the whole job back.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from provisiond.model import objects
from provisiond.model.errors import ConflictError, InvalidError, NotFoundError
from provisiond.store import constraints, ids, kinds, lookups, referrers, rows, writeonly

if TYPE_CHECKING:
    from provisiond.store.context import WriteContext
    from provisiond.store.kinds import KindSpec, M


async def fetch(ctx: WriteContext, spec: KindSpec[M], obj_id: int) -> M | None:
    found = await rows.select(ctx.conn, spec, secrets=ctx.secrets, where=spec.table.c.id == obj_id)
    return found[0] if found else None


async def _check(ctx: WriteContext, spec: KindSpec[M], obj: M, stored: M | None = None) -> None:
    index = await lookups.for_objects(ctx.conn, spec.name, [obj], stored=stored)
    index.claim(spec.name, obj)
    constraints.check(obj, index, allow_multiple_data_services=ctx.allow_multiple_data_services)


async def create(ctx: WriteContext, spec: KindSpec[M], obj: M) -> M:
    """Insert `obj`; id 0 means the store picks one, any other id must be free."""
    if obj.id == 0:
        obj = dataclasses.replace(obj, id=await ids.next_id(ctx.conn, spec.name, spec.table))
    elif obj.id < 0:
        raise InvalidError("an id is a positive integer", field="id")
    elif await rows.existing_ids(ctx.conn, spec.table, [obj.id]):
        raise ConflictError(f"{constraints.LABELS[spec.name]} {obj.id} exists", field="id")
    else:
        await ids.record(ctx.conn, spec.name, obj.id)
    await _check(ctx, spec, obj)
    await rows.insert(ctx.conn, spec, [obj], secrets=ctx.secrets)
    ctx.note("create", spec.name, before=None, after=obj)
    return obj


async def update(ctx: WriteContext, spec: KindSpec[M], obj: M) -> M:
    """Replace the stored object; omitted write-only fields keep their stored value."""
    stored = await fetch(ctx, spec, obj.id)
    if stored is None:
        raise NotFoundError(f"{constraints.LABELS[spec.name]} {obj.id} does not exist")
    obj = writeonly.keep_stored(obj, stored)
    if obj == stored:
        return stored  # nothing to write, audit or announce
    await _check(ctx, spec, obj, stored)
    await rows.update(ctx.conn, spec, obj, stored, secrets=ctx.secrets)
    ctx.note("update", spec.name, before=stored, after=obj)
    return obj


async def delete(ctx: WriteContext, spec: KindSpec[M], obj_id: int) -> None:
    stored = await fetch(ctx, spec, obj_id)
    if stored is None:
        raise NotFoundError(f"{constraints.LABELS[spec.name]} {obj_id} does not exist")
    await referrers.refuse_if_referenced(ctx.conn, spec.name, obj_id)
    if isinstance(stored, objects.Account):
        await _delete_schedules(ctx, stored.id)
    await rows.delete(ctx.conn, spec, [obj_id])
    ctx.note("delete", spec.name, before=stored, after=None)


async def _delete_schedules(ctx: WriteContext, account_id: int) -> None:
    """An account's scheduled events and vacations go with it, each audited."""
    for model in (objects.ScheduledEvent, objects.Vacation):
        spec = kinds.spec_of(model)
        where = spec.table.c.account_id == account_id
        doomed = await rows.select(ctx.conn, spec, secrets=ctx.secrets, where=where)
        await rows.delete(ctx.conn, spec, [obj.id for obj in doomed])
        for obj in doomed:
            ctx.note("delete", spec.name, before=obj, after=None)
