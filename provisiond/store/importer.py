"""`provisiond import` / `POST /api/v1/import` (DESIGN.md §3): an idempotent upsert by id.

All or nothing in one transaction. The rules are checked against the union the import
leaves behind: every stored object, with the imported ones replacing those of the same
id. So an import may rename two objects at once or name a parent account listed after
its child. An object equal to the stored one is not written, audited or counted, so
importing the same file twice reports zeros the second time.

Errors name the field as a path into the import document (`accounts.3.status_id`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from provisiond.model.errors import InvalidError
from provisiond.store import constraints, ids, kinds, lookups, rows, writeonly

if TYPE_CHECKING:
    from provisiond.model.objects import Dataset
    from provisiond.store.context import WriteContext
    from provisiond.store.kinds import KindSpec, Model


@dataclass(slots=True)
class _KindPlan:
    spec: KindSpec[Model]
    imported: list[Model] = field(default_factory=list)  # write-only fields filled in
    stored: dict[int, Model] = field(default_factory=dict)
    created: list[Model] = field(default_factory=list)
    changed: list[Model] = field(default_factory=list)


async def import_dataset(ctx: WriteContext, dataset: Dataset) -> dict[str, int]:
    plans = [await _plan(ctx, spec, getattr(dataset, spec.name)) for spec in kinds.SPECS]
    await _check(ctx, plans)
    for plan in plans:
        await _write(ctx, plan)
    return {plan.spec.name: len(plan.created) + len(plan.changed) for plan in plans}


async def _plan(ctx: WriteContext, spec: KindSpec[Model], objs: tuple[Model, ...]) -> _KindPlan:
    plan = _KindPlan(spec)
    seen: set[int] = set()
    for position, obj in enumerate(objs):
        if obj.id <= 0:
            raise InvalidError(
                "an imported object needs its id", field=f"{spec.name}.{position}.id"
            )
        if obj.id in seen:
            raise InvalidError(f"id {obj.id} is listed twice", field=f"{spec.name}.{position}.id")
        seen.add(obj.id)
    for part in rows.chunks(sorted(seen)):
        where = spec.table.c.id.in_(part)
        found = await rows.select(ctx.conn, spec, secrets=ctx.secrets, where=where)
        plan.stored.update((obj.id, obj) for obj in found)
    for obj in objs:
        stored = plan.stored.get(obj.id)
        merged = writeonly.keep_stored(obj, stored)
        plan.imported.append(merged)
        if stored is None:
            plan.created.append(merged)
        elif merged != stored:
            plan.changed.append(merged)
    return plan


async def _check(ctx: WriteContext, plans: list[_KindPlan]) -> None:
    index = await lookups.everything(ctx.conn)
    # Stored versions step aside first, so a name or username may move between
    # imported objects; then every imported object claims its own.
    for plan in plans:
        for stored in plan.stored.values():
            index.forget(plan.spec.name, stored)
    for plan in plans:
        for position, obj in enumerate(plan.imported):
            index.claim(plan.spec.name, obj, prefix=f"{plan.spec.name}.{position}.")
    for plan in plans:
        for position, obj in enumerate(plan.imported):
            constraints.check(
                obj,
                index,
                allow_multiple_data_services=ctx.allow_multiple_data_services,
                prefix=f"{plan.spec.name}.{position}.",
            )


async def _write(ctx: WriteContext, plan: _KindPlan) -> None:
    spec = plan.spec
    await rows.replace(ctx.conn, spec, plan.changed, secrets=ctx.secrets)
    await rows.insert(ctx.conn, spec, plan.created, secrets=ctx.secrets)
    if plan.created:
        await ids.record(ctx.conn, spec.name, max(obj.id for obj in plan.created))
    for obj in plan.changed:
        ctx.note("import", spec.name, before=plan.stored[obj.id], after=obj)
    for obj in plan.created:
        ctx.note("import", spec.name, before=None, after=obj)
