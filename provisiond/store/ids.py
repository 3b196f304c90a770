"""Id assignment: one sequence per kind, shared by client-supplied and generated ids.

The store assigns ids itself instead of leaving it to the database: PostgreSQL's
sequences do not notice rows inserted with an explicit id (a billing system's ids),
and SQLite reuses the highest id after a delete unless told otherwise. An id must never
come back: devices carry `provisiond:<account_id>` comments and the audit log names ids.
Only the writer calls this, so read-then-update needs no locking.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from provisiond.model.errors import ConflictError
from provisiond.schema.fields import MAX_INT64
from provisiond.store import tables

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection


async def _counter(conn: AsyncConnection, kind: str) -> int | None:
    query = sa.select(tables.id_counters.c.last_id).where(tables.id_counters.c.kind == kind)
    value = (await conn.execute(query)).scalar_one_or_none()
    return None if value is None else int(value)


async def next_id(conn: AsyncConnection, kind: str, table: sa.Table) -> int:
    """The next unused id of `kind`, recorded so it is never handed out again."""
    highest = (await conn.execute(sa.select(sa.func.max(table.c.id)))).scalar_one_or_none()
    candidate = max(await _counter(conn, kind) or 0, int(highest or 0)) + 1
    if candidate > MAX_INT64:
        # A client-supplied id took the last one: ids are 64-bit in SQLite and PostgreSQL.
        raise ConflictError(f"no {kind} id is left: {MAX_INT64} is taken")
    await record(conn, kind, candidate)
    return candidate


async def record(conn: AsyncConnection, kind: str, used: int) -> None:
    """Note that `used` is taken (a client-supplied id), so it is never generated later."""
    current = await _counter(conn, kind)
    if current is None:
        await conn.execute(tables.id_counters.insert().values(kind=kind, last_id=used))
    elif used > current:
        counters = tables.id_counters
        await conn.execute(counters.update().where(counters.c.kind == kind).values(last_id=used))
