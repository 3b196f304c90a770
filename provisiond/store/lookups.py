"""Building a `constraints.Index` from the database, inside the write transaction.

`for_objects` asks only about what the given objects touch (the ids they name, the
holders of their names and usernames), so a single API write costs a few indexed
queries however large the store is. `everything` reads every id, name and username,
which is what an import of thousands of objects needs anyway.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import sqlalchemy as sa

from provisiond.model import objects
from provisiond.store import constraints, kinds, rows, tables

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncConnection

    from provisiond.store.kinds import Model


async def for_objects(conn: AsyncConnection, kind: str, objs: Sequence[Model]) -> constraints.Index:
    index = constraints.Index()
    wanted: dict[str, set[int]] = defaultdict(set)
    for obj in objs:
        for ref in constraints.references(obj):
            wanted[ref.kind].add(ref.id)
    for ref_kind, ids in wanted.items():
        index.ids[ref_kind] = await rows.existing_ids(conn, kinds.BY_NAME[ref_kind].table, ids)
    if kind in constraints.NAMED_KINDS:
        table = kinds.BY_NAME[kind].table
        names = sorted({getattr(obj, "name", "") for obj in objs})
        query = sa.select(table.c.name, table.c.id).where(table.c.name.in_(names))
        index.names[kind] = {str(n): int(i) for n, i in await conn.execute(query)}
    usernames = sorted(
        {
            e.username
            for obj in objs
            if isinstance(obj, objects.Account)
            for e in obj.radius_accounts
        }
    )
    if usernames:
        radius = tables.radius_accounts
        query = sa.select(radius.c.username, radius.c.account_id).where(
            radius.c.username.in_(usernames)
        )
        index.usernames = {str(u): int(a) for u, a in await conn.execute(query)}
    return index


async def everything(conn: AsyncConnection) -> constraints.Index:
    index = constraints.Index()
    for spec in kinds.SPECS:
        table = spec.table
        if spec.name in constraints.NAMED_KINDS:
            query = sa.select(table.c.name, table.c.id)
            pairs = {str(n): int(i) for n, i in await conn.execute(query)}
            index.names[spec.name] = pairs
            index.ids[spec.name] = set(pairs.values())
        else:
            ids = (await conn.execute(sa.select(table.c.id))).scalars()
            index.ids[spec.name] = {int(i) for i in ids}
    radius = tables.radius_accounts
    query = sa.select(radius.c.username, radius.c.account_id)
    index.usernames = {str(u): int(a) for u, a in await conn.execute(query)}
    return index
