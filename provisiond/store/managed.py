"""The address-list names provisiond has managed on each device, through the store's writer.

The reconciler reads a device's rows once, when its worker first syncs, and writes a row
before it first pushes an entry to a list name (and refreshes `last_seen` on each full
resync), so a crash between the two never leaves an entry on a list the memory lacks.
Reads go through the writer too, like `sessions.SessionStore`: they are rare and small.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from provisiond.store.tables import managed_lists as table

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncConnection

    from provisiond.store.store import Store


@dataclass(frozen=True, slots=True)
class ManagedList:
    """One list name managed on one device; `list_id`: the address list that last had it."""

    device: str
    family: int
    name: str
    list_id: int | None
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class Sighting:
    """A list name in use on a device now: `(family, name)` and the id of its list."""

    family: int
    name: str
    list_id: int | None


class ManagedLists:
    """The `managed_lists` table of one `Store`."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def load(self, device: str) -> list[ManagedList]:
        async def job(conn: AsyncConnection) -> list[ManagedList]:
            query = sa.select(table).where(table.c.device == device)
            rows = (await conn.execute(query.order_by(table.c.family, table.c.name))).mappings()
            return [ManagedList(**row) for row in rows]

        return await self._store.write(job)

    async def remember(self, device: str, seen: Iterable[Sighting], *, at: datetime) -> None:
        """Insert names not known yet; set `last_seen` and `list_id` of the others.

        One transaction: the writer is the only writer, so reading the device's keys and
        then inserting cannot race another insert of the same key.
        """
        sightings = {(s.family, s.name): s for s in seen}
        if not sightings:
            return

        async def job(conn: AsyncConnection) -> None:
            query = sa.select(table.c.family, table.c.name).where(table.c.device == device)
            known = {(row.family, row.name) for row in await conn.execute(query)}
            fresh = [_row(device, s, at) for key, s in sightings.items() if key not in known]
            seen_again = [_update(device, s, at) for key, s in sightings.items() if key in known]
            if fresh:
                await conn.execute(table.insert(), fresh)
            if seen_again:
                await conn.execute(_UPDATE, seen_again)

        await self._store.write(job)


_UPDATE = (
    table.update()
    .where(
        table.c.device == sa.bindparam("b_device"),
        table.c.family == sa.bindparam("b_family"),
        table.c.name == sa.bindparam("b_name"),
    )
    .values(
        list_id=sa.bindparam("b_list_id", type_=table.c.list_id.type),
        last_seen=sa.bindparam("b_last_seen", type_=table.c.last_seen.type),
    )
)


def _row(device: str, seen: Sighting, at: datetime) -> dict[str, object]:
    return {
        "device": device,
        "family": seen.family,
        "name": seen.name,
        "list_id": seen.list_id,
        "first_seen": at,
        "last_seen": at,
    }


def _update(device: str, seen: Sighting, at: datetime) -> dict[str, object]:
    return {
        "b_device": device,
        "b_family": seen.family,
        "b_name": seen.name,
        "b_list_id": seen.list_id,
        "b_last_seen": at,
    }
