"""Generic reading and writing of any kind's rows, in bulk.

Reads fetch the main rows, then every child table once for all of them (not one query
per object), so loading 100,000 accounts is a handful of statements. Writes use
executemany. Replacing an object rewrites its child rows: they are values, not
entities, so there is nothing to match up. `update` (one object, its stored version
known) rewrites only the parts that differ: the main row and each child table are
compared as rows and left alone when equal.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Final

import sqlalchemy as sa

from provisiond.store.crypto import SecretColumns

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from sqlalchemy.engine import RowMapping
    from sqlalchemy.ext.asyncio import AsyncConnection

    from provisiond.store.kinds import KindSpec, M
    from provisiond.store.shapes import RowDict

# Well under every backend's limit on bound parameters per statement.
CHUNK: Final = 500
_PLAIN: Final = SecretColumns(None)  # rows for comparing two versions: secrets as they are


def chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


async def select(
    conn: AsyncConnection,
    spec: KindSpec[M],
    *,
    secrets: SecretColumns,
    where: sa.ColumnElement[bool] | None = None,
    limit: int | None = None,
) -> list[M]:
    """Objects of one kind matching `where`, ordered by id, at most `limit` of them."""
    ids = sa.select(spec.table.c.id).order_by(spec.table.c.id)
    if where is not None:
        ids = ids.where(where)
    if limit is not None:
        ids = ids.limit(limit)
    scoped = where is not None or limit is not None
    query = sa.select(spec.table).order_by(spec.table.c.id)
    if scoped:
        query = query.where(spec.table.c.id.in_(ids.scalar_subquery()))
    mains = (await conn.execute(query)).mappings().all()
    if not mains:
        return []
    children: dict[str, dict[int, list[RowMapping]]] = {}
    for child in spec.children:
        owner = child.table.c[child.owner]
        child_query = sa.select(child.table).order_by(*child.table.primary_key.columns)
        if scoped:
            child_query = child_query.where(owner.in_(ids.scalar_subquery()))
        grouped: dict[int, list[RowMapping]] = defaultdict(list)
        for row in (await conn.execute(child_query)).mappings():
            grouped[row[child.owner]].append(row)
        children[child.table.name] = grouped
    return [
        spec.from_rows(
            main,
            {name: grouped.get(main["id"], []) for name, grouped in children.items()},
            secrets,
        )
        for main in mains
    ]


async def existing_ids(conn: AsyncConnection, table: sa.Table, ids: Iterable[int]) -> set[int]:
    wanted = sorted(set(ids))
    found: set[int] = set()
    for part in chunks(wanted):
        rows = await conn.execute(sa.select(table.c.id).where(table.c.id.in_(part)))
        found.update(int(row_id) for row_id in rows.scalars())
    return found


async def insert(
    conn: AsyncConnection, spec: KindSpec[M], objs: Sequence[M], *, secrets: SecretColumns
) -> None:
    if not objs:
        return
    mains: list[RowDict] = []
    children: dict[str, list[RowDict]] = defaultdict(list)
    for obj in objs:
        main, child_rows = spec.to_rows(obj, secrets)
        mains.append(main)
        for child in spec.children:
            children[child.table.name].extend(
                {child.owner: obj.id, **row} for row in child_rows[child.table.name]
            )
    await conn.execute(spec.table.insert(), mains)
    await _insert_children(conn, spec, children)


async def replace(
    conn: AsyncConnection, spec: KindSpec[M], objs: Sequence[M], *, secrets: SecretColumns
) -> None:
    """Full replacement of objects that exist: main row updated, child rows rewritten."""
    if not objs:
        return
    await _delete_children(conn, spec, [obj.id for obj in objs])
    mains: list[RowDict] = []
    children: dict[str, list[RowDict]] = defaultdict(list)
    for obj in objs:
        main, child_rows = spec.to_rows(obj, secrets)
        mains.append({("key_id" if name == "id" else name): value for name, value in main.items()})
        for child in spec.children:
            children[child.table.name].extend(
                {child.owner: obj.id, **row} for row in child_rows[child.table.name]
            )
    # The key's parameter is renamed: `id` itself would be read as a column to SET.
    update = spec.table.update().where(spec.table.c.id == sa.bindparam("key_id"))
    await conn.execute(update, mains)
    await _insert_children(conn, spec, children)


async def update(
    conn: AsyncConnection, spec: KindSpec[M], obj: M, stored: M, *, secrets: SecretColumns
) -> None:
    """Replace one stored object, writing only the main row and child tables that changed.

    Rows are compared with secrets in plaintext (a sealed value differs on every write,
    its nonce being random) and written with `secrets`.
    """
    new_main, new_children = spec.to_rows(obj, _PLAIN)
    old_main, old_children = spec.to_rows(stored, _PLAIN)
    if secrets.encrypted:
        new_main, new_children = spec.to_rows(obj, secrets)
    changed = [
        child
        for child in spec.children
        if new_children[child.table.name] != old_children[child.table.name]
    ]
    if new_main != old_main:
        values = {name: value for name, value in new_main.items() if name != "id"}
        await conn.execute(spec.table.update().where(spec.table.c.id == obj.id).values(values))
    for child in changed:
        owner = child.table.c[child.owner]
        await conn.execute(child.table.delete().where(owner == obj.id))
        rows = [{child.owner: obj.id, **row} for row in new_children[child.table.name]]
        if rows:
            await conn.execute(child.table.insert(), rows)


async def delete(conn: AsyncConnection, spec: KindSpec[M], ids: Sequence[int]) -> None:
    # Child rows are deleted explicitly rather than by ON DELETE CASCADE, which SQLite
    # honours only with foreign keys on: the store must not depend on a pragma.
    await _delete_children(conn, spec, ids)
    for part in chunks(ids):
        await conn.execute(spec.table.delete().where(spec.table.c.id.in_(part)))


async def _insert_children(
    conn: AsyncConnection, spec: KindSpec[M], children: dict[str, list[RowDict]]
) -> None:
    for child in spec.children:
        rows = children.get(child.table.name)
        if rows:
            await conn.execute(child.table.insert(), rows)


async def _delete_children(conn: AsyncConnection, spec: KindSpec[M], ids: Sequence[int]) -> None:
    for child in spec.children:
        owner = child.table.c[child.owner]
        for part in chunks(ids):
            await conn.execute(child.table.delete().where(owner.in_(part)))
