"""Usage rows: totals per account and period, and the SNMP queue counters (DESIGN.md §6).

Usage accounting (`provisiond.usage`) decides what to add; this module only reads and
writes. Adding is an upsert that sums (`INSERT … ON CONFLICT DO UPDATE SET x = x +
excluded.x`), one `executemany` per batch, so it can run inside the accounting commit
(`sessions.SessionStore.commit(usage=…)`) at the cost of one statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from provisiond.model.enums import TriggerEvent
from provisiond.store.tables import sessions, triggers, usage_queue_counters, usage_totals

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence
    from datetime import datetime

    from sqlalchemy.engine import RowMapping
    from sqlalchemy.ext.asyncio import AsyncConnection

    from provisiond.store.store import Store

_SUMMED: Final = ("billable_in", "billable_out", "free_in", "free_out")


@dataclass(frozen=True, slots=True)
class UsageRow:
    """Bytes to add to (or read from) one account's period; `period_start` in UTC."""

    account_id: int
    period_start: datetime
    billable_in: int = 0
    billable_out: int = 0
    free_in: int = 0
    free_out: int = 0


@dataclass(frozen=True, slots=True)
class QueueState:
    """A simple queue's byte counters at its last poll (absolute, Counter64)."""

    download_bytes: int
    upload_bytes: int
    polled_at: datetime


def _upsert(conn: AsyncConnection) -> Any:  # noqa: ANN401 - a dialect's Insert
    """The summing upsert in the connection's dialect (both spell it the same way)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(usage_totals)
    return insert.on_conflict_do_update(
        index_elements=[usage_totals.c.account_id, usage_totals.c.period_start],
        set_={name: usage_totals.c[name] + insert.excluded[name] for name in _SUMMED},
    )


async def add(conn: AsyncConnection, rows: Sequence[UsageRow]) -> None:
    """Add every row's bytes to its account's period, creating it when new."""
    if not rows:
        return
    params = [
        {
            "account_id": row.account_id,
            "period_start": row.period_start,
            "billable_in": row.billable_in,
            "billable_out": row.billable_out,
            "free_in": row.free_in,
            "free_out": row.free_out,
        }
        for row in rows
    ]
    await conn.execute(_upsert(conn), params)


def _usage_row(mapping: RowMapping) -> UsageRow:
    return UsageRow(**dict(mapping))


async def of_period(conn: AsyncConnection, period_start: datetime) -> list[UsageRow]:
    query = sa.select(usage_totals).where(usage_totals.c.period_start == period_start)
    return [_usage_row(m) for m in (await conn.execute(query)).mappings()]


async def of_account(
    conn: AsyncConnection, account_id: int, period_start: datetime
) -> UsageRow | None:
    query = sa.select(usage_totals).where(
        usage_totals.c.account_id == account_id, usage_totals.c.period_start == period_start
    )
    found = (await conn.execute(query)).mappings().first()
    return None if found is None else _usage_row(found)


async def queue_states(conn: AsyncConnection, device: str) -> dict[str, QueueState]:
    table = usage_queue_counters
    query = sa.select(table).where(table.c.device == device)
    return {
        m["queue"]: QueueState(int(m["download_bytes"]), int(m["upload_bytes"]), m["polled_at"])
        for m in (await conn.execute(query)).mappings()
    }


async def save_queue_states(
    conn: AsyncConnection,
    device: str,
    states: Mapping[str, QueueState],
    removed: Collection[str] = (),
) -> None:
    """Replace the device's rows of `states`, and forget the queues in `removed`."""
    table = usage_queue_counters
    if removed:
        await conn.execute(
            table.delete().where(table.c.device == device, table.c.queue.in_(sorted(removed)))
        )
    if not states:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(table)
    upsert = insert.on_conflict_do_update(
        index_elements=[table.c.device, table.c.queue],
        set_={
            name: insert.excluded[name] for name in ("download_bytes", "upload_bytes", "polled_at")
        },
    )
    params = [
        {
            "device": device,
            "queue": name,
            "download_bytes": str(state.download_bytes),
            "upload_bytes": str(state.upload_bytes),
            "polled_at": state.polled_at,
        }
        for name, state in sorted(states.items())
    ]
    await conn.execute(upsert, params)


async def oldest_poll(conn: AsyncConnection) -> datetime | None:
    found: datetime | None = (
        await conn.execute(sa.select(sa.func.min(usage_queue_counters.c.polled_at)))
    ).scalar()
    return found


async def session_activity(conn: AsyncConnection, since: datetime) -> dict[int, datetime]:
    """The last accounting time of each account's sessions updated since `since`."""
    latest = sa.func.max(sessions.c.updated_at)
    query = (
        sa.select(sessions.c.account_id, latest.label("latest"))
        .where(sessions.c.updated_at >= since, sessions.c.account_id.is_not(None))
        .group_by(sessions.c.account_id)
    )
    return {int(row.account_id): row.latest for row in (await conn.execute(query)).all()}


async def threshold_percents(conn: AsyncConnection) -> list[float]:
    """The `percent` of every `account.usage_threshold` trigger."""
    query = sa.select(triggers.c.percent).where(
        triggers.c.event == TriggerEvent.ACCOUNT_USAGE_THRESHOLD.value,
        triggers.c.percent.is_not(None),
    )
    return sorted(float(value) for value in (await conn.scalars(query)).all())


class UsageStore:
    """The usage tables through a `Store`'s writer (one transaction per call)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def of_period(self, period_start: datetime) -> list[UsageRow]:
        async def job(conn: AsyncConnection) -> list[UsageRow]:
            return await of_period(conn, period_start)

        return await self._store.write(job)

    async def of_account(self, account_id: int, period_start: datetime) -> UsageRow | None:
        async def job(conn: AsyncConnection) -> UsageRow | None:
            return await of_account(conn, account_id, period_start)

        return await self._store.write(job)

    async def threshold_percents(self) -> list[float]:
        return await self._store.write(threshold_percents)

    async def queue_states(self, device: str) -> dict[str, QueueState]:
        async def job(conn: AsyncConnection) -> dict[str, QueueState]:
            return await queue_states(conn, device)

        return await self._store.write(job)

    async def recent_sessions(self) -> dict[int, datetime]:
        """Each account's last accounting since the oldest stored queue poll: the
        sessions an SNMP interval still to come may overlap."""

        async def job(conn: AsyncConnection) -> dict[int, datetime]:
            since = await oldest_poll(conn)
            return {} if since is None else await session_activity(conn, since)

        return await self._store.write(job)

    async def polled(
        self,
        device: str,
        states: Mapping[str, QueueState],
        removed: Collection[str],
        rows: Sequence[UsageRow],
    ) -> None:
        """One SNMP poll in one transaction: the new counters and the usage they gave."""

        async def job(conn: AsyncConnection) -> None:
            await save_queue_states(conn, device, states, removed)
            await add(conn, rows)

        await self._store.write(job)
