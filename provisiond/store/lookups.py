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


async def for_objects(
    conn: AsyncConnection,
    kind: str,
    objs: Sequence[Model],
    *,
    stored: Model | None = None,
) -> constraints.Index:
    """The index the checks of `objs` need; `stored` is the version an update replaces.

    What the stored version already held needs no query: the ids it names exist (a
    delete of anything still referred to is refused), and its name and usernames are
    its own (unique), so only what the update adds is looked up.
    """
    index = constraints.Index()
    known: dict[str, set[int]] = defaultdict(set)
    if stored is not None:
        for ref in constraints.references(stored):
            known[ref.kind].add(ref.id)
    wanted: dict[str, set[int]] = defaultdict(set)
    for obj in objs:
        for ref in constraints.references(obj):
            if ref.id in known.get(ref.kind, ()):
                index.ids.setdefault(ref.kind, set()).add(ref.id)
            else:
                wanted[ref.kind].add(ref.id)
    for ref_kind, found in (await _existing(conn, wanted)).items():
        index.ids.setdefault(ref_kind, set()).update(found)
    if kind in constraints.NAMED_KINDS:
        stored_name = getattr(stored, "name", None)
        names = sorted({getattr(obj, "name", "") for obj in objs} - {stored_name})
        index.names[kind] = await _name_holders(conn, kinds.BY_NAME[kind].table, names)
    own = (
        {e.username for e in stored.radius_accounts}
        if isinstance(stored, objects.Account)
        else set()
    )
    usernames = sorted(
        {
            e.username
            for obj in objs
            if isinstance(obj, objects.Account)
            for e in obj.radius_accounts
        }
        - own
    )
    if usernames:
        radius = tables.radius_accounts
        query = sa.select(radius.c.username, radius.c.account_id).where(
            radius.c.username.in_(usernames)
        )
        index.usernames = {str(u): int(a) for u, a in await conn.execute(query)}
    return index


async def _existing(conn: AsyncConnection, wanted: dict[str, set[int]]) -> dict[str, set[int]]:
    """Which of the wanted ids exist, per kind: one query for all kinds when it is small."""
    found: dict[str, set[int]] = {ref_kind: set() for ref_kind in wanted}
    if not wanted:
        return found
    if sum(len(ids) for ids in wanted.values()) > rows.CHUNK:
        for ref_kind, ids in wanted.items():
            found[ref_kind] = await rows.existing_ids(conn, kinds.BY_NAME[ref_kind].table, ids)
        return found
    selects = [
        sa.select(sa.literal(ref_kind).label("kind"), table.c.id.label("id")).where(
            table.c.id.in_(sorted(ids))
        )
        for ref_kind, ids in wanted.items()
        for table in (kinds.BY_NAME[ref_kind].table,)
    ]
    query = selects[0] if len(selects) == 1 else sa.union_all(*selects)
    for ref_kind, ref_id in await conn.execute(query):
        found[str(ref_kind)].add(int(ref_id))
    return found


async def _name_holders(conn: AsyncConnection, table: sa.Table, names: list[str]) -> dict[str, int]:
    if not names:
        return {}
    query = sa.select(table.c.name, table.c.id).where(table.c.name.in_(names))
    return {str(n): int(i) for n, i in await conn.execute(query)}


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
