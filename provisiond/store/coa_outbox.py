"""The CoA outbox (DESIGN.md §5 "Pending CoA work survives a restart", §8): one row per
session with CoA work pending, written before the request is sent.

The work a row stands for is "bring this session in line with the policy" (`coa`,
recomputed when it is sent) or "disconnect it whatever the policy says" (`disconnect`:
a deleted account, changed credentials, an admin's or a scheduled disconnect). So one
row per session is enough and later work coalesces into it (`coalesce`): a disconnect
wins over a coa, the reasons are unioned, the first `queued_at` stays. A Disconnect the
breaker holds stays here with `held` set until it is approved.

Every function runs on the connection it is given; `CoaOutbox` runs them through the
store's single writer, one transaction per call, and `apply` runs a whole `OutboxBatch`
in one transaction (the sender writes each of its passes that way).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Final

import sqlalchemy as sa

from provisiond.store.tables import coa_outbox as table

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Sequence
    from datetime import datetime

    from sqlalchemy.engine import RowMapping
    from sqlalchemy.ext.asyncio import AsyncConnection

    from provisiond.store.store import Store

REASON_SEPARATOR: Final = ","
_CHUNK: Final = 500  # ids per IN (...) list: SQLite allows 32,766 parameters, be modest


class OutboxAction(StrEnum):
    COA = "coa"  # recompute the reply and send what the difference needs
    DISCONNECT = "disconnect"  # a Disconnect-Request whatever the reply is


@dataclass(frozen=True, slots=True)
class OutboxRow:
    session_id: int
    account_id: int | None
    action: OutboxAction
    reasons: frozenset[str]
    queued_at: datetime
    attempts: int = 0  # times the work was taken up for sending
    held: bool = False  # a Disconnect the breaker holds for approval

    def __post_init__(self) -> None:
        for reason in self.reasons:
            if not reason or REASON_SEPARATOR in reason:
                raise ValueError(f"a CoA reason must be a non-empty word: {reason!r}")


def coalesce(stored: OutboxRow, new: OutboxRow) -> OutboxRow:
    """`new` work folded into the session's row: a disconnect wins, reasons add up, the
    first `queued_at`, the attempts and the held flag stay."""
    action = (
        OutboxAction.DISCONNECT
        if OutboxAction.DISCONNECT in (stored.action, new.action)
        else OutboxAction.COA
    )
    return dataclasses.replace(
        stored,
        account_id=stored.account_id if new.account_id is None else new.account_id,
        action=action,
        reasons=stored.reasons | new.reasons,
        queued_at=min(stored.queued_at, new.queued_at),
    )


def _values(row: OutboxRow) -> dict[str, object]:
    return {
        "session_id": row.session_id,
        "account_id": row.account_id,
        "action": row.action.value,
        "reasons": REASON_SEPARATOR.join(sorted(row.reasons)),
        "queued_at": row.queued_at,
        "attempts": row.attempts,
        "held": row.held,
    }


def _row(mapping: RowMapping) -> OutboxRow:
    reasons = mapping["reasons"]
    return OutboxRow(
        session_id=mapping["session_id"],
        account_id=mapping["account_id"],
        action=OutboxAction(mapping["action"]),
        reasons=frozenset(reasons.split(REASON_SEPARATOR)) if reasons else frozenset(),
        queued_at=mapping["queued_at"],
        attempts=mapping["attempts"],
        held=bool(mapping["held"]),
    )


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


async def load_all(conn: AsyncConnection) -> list[OutboxRow]:
    """Every row, oldest work first."""
    query = sa.select(table).order_by(table.c.queued_at, table.c.session_id)
    return [_row(mapping) for mapping in (await conn.execute(query)).mappings()]


async def _stored(conn: AsyncConnection, ids: Collection[int]) -> dict[int, OutboxRow]:
    found: dict[int, OutboxRow] = {}
    for chunk in _chunks(ids):
        query = sa.select(table).where(table.c.session_id.in_(chunk))
        for mapping in (await conn.execute(query)).mappings():
            row = _row(mapping)
            found[row.session_id] = row
    return found


async def put(conn: AsyncConnection, rows: Sequence[OutboxRow]) -> None:
    """Write these rows as they are, replacing any stored row of the same session."""
    if not rows:
        return
    await delete(conn, [row.session_id for row in rows])
    await conn.execute(table.insert(), [_values(row) for row in rows])


async def upsert(conn: AsyncConnection, rows: Sequence[OutboxRow]) -> list[OutboxRow]:
    """Queue work: a new row per session, or `coalesce`d into the stored one. Several
    rows for one session coalesce in order. Returns the rows as now stored."""
    merged: dict[int, OutboxRow] = await _stored(conn, {row.session_id for row in rows})
    for row in rows:
        current = merged.get(row.session_id)
        merged[row.session_id] = row if current is None else coalesce(current, row)
    result = list(merged.values())
    await put(conn, result)
    return result


async def delete(conn: AsyncConnection, session_ids: Iterable[int]) -> None:
    for chunk in _chunks(session_ids):
        await conn.execute(table.delete().where(table.c.session_id.in_(chunk)))


async def set_held(conn: AsyncConnection, session_ids: Iterable[int], *, held: bool) -> None:
    for chunk in _chunks(session_ids):
        await conn.execute(table.update().where(table.c.session_id.in_(chunk)).values(held=held))


async def add_attempt(conn: AsyncConnection, session_ids: Iterable[int]) -> None:
    for chunk in _chunks(session_ids):
        await conn.execute(
            table.update()
            .where(table.c.session_id.in_(chunk))
            .values(attempts=table.c.attempts + 1)
        )


@dataclass(slots=True)
class OutboxBatch:
    """Writes for one transaction, run in this order: `put` (settled rows as they are
    now), `delete` (finished work), `upsert` (new work, coalesced into what is left),
    `release` (held rows approved), `attempted` (work taken up for sending). A session
    may appear in several: the order makes the result the same as doing them one by one.
    """

    put: list[OutboxRow] = field(default_factory=list)
    delete: set[int] = field(default_factory=set)
    upsert: list[OutboxRow] = field(default_factory=list)
    release: set[int] = field(default_factory=set)
    attempted: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.put or self.delete or self.upsert or self.release or self.attempted)


async def apply(conn: AsyncConnection, batch: OutboxBatch) -> None:
    await put(conn, batch.put)
    await delete(conn, batch.delete)
    await upsert(conn, batch.upsert)
    await set_held(conn, batch.release, held=False)
    await add_attempt(conn, batch.attempted)


class CoaOutbox:
    """The outbox through a `Store`'s writer: each call is one transaction."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def load(self) -> list[OutboxRow]:
        return await self._store.write(load_all)

    async def upsert(self, rows: Sequence[OutboxRow]) -> list[OutboxRow]:
        async def job(conn: AsyncConnection) -> list[OutboxRow]:
            return await upsert(conn, rows)

        return await self._store.write(job)

    async def delete(self, session_ids: Collection[int]) -> None:
        async def job(conn: AsyncConnection) -> None:
            await delete(conn, session_ids)

        await self._store.write(job)

    async def set_held(self, session_ids: Collection[int], *, held: bool) -> None:
        async def job(conn: AsyncConnection) -> None:
            await set_held(conn, session_ids, held=held)

        await self._store.write(job)

    async def add_attempt(self, session_ids: Collection[int]) -> None:
        async def job(conn: AsyncConnection) -> None:
            await add_attempt(conn, session_ids)

        await self._store.write(job)

    async def apply(self, batch: OutboxBatch) -> None:
        """Every write of `batch` in one transaction (nothing when it is empty)."""
        if not batch:
            return

        async def job(conn: AsyncConnection) -> None:
            await apply(conn, batch)

        await self._store.write(job)
