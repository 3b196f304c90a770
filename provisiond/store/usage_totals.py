"""Usage rows: totals per account and period, and the SNMP queue counters (DESIGN.md §6).

Usage accounting (`provisiond.usage`) decides what to add; this module only reads and
writes. Adding is an upsert that sums (`INSERT … ON CONFLICT DO UPDATE SET x = x +
excluded.x`), one `executemany` per batch, so it can run inside the accounting commit
(`sessions.SessionStore.commit(usage=…)`) at the cost of one statement.

On SQLite (aiosqlite) the upsert goes to the driver itself (`DriverUpsert`): SQLAlchemy's
per-row parameter processing cost four times what SQLite spends on the rows, and each
`exec_driver_sql` three trips to the driver's thread (bench/usage.py). Its SQL is still
compiled from the table by SQLAlchemy, once per dialect, and the values are put in the
columns' stored form by the columns' own bind processors, so the statement and the
schema cannot drift apart; any other dialect takes SQLAlchemy's path.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from provisiond.model.enums import TriggerEvent
from provisiond.store.tables import sessions, triggers, usage_queue_counters, usage_totals

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping, Sequence
    from datetime import datetime

    from sqlalchemy.engine import Dialect, RowMapping
    from sqlalchemy.ext.asyncio import AsyncConnection

    from provisiond.store.store import Store

_SUMMED: Final = ("billable_in", "billable_out", "free_in", "free_out")


class UsageRow(NamedTuple):
    """Bytes to add to (or read from) one account's period; `period_start` in UTC.

    A named tuple: one is built per account of every accounting batch. Its fields are
    the columns of `usage_totals`, in their order (the driver's upsert relies on it)."""

    account_id: int
    period_start: datetime
    billable_in: int = 0
    billable_out: int = 0
    free_in: int = 0
    free_out: int = 0


row_of: Final = functools.partial(tuple.__new__, UsageRow)
"""A `UsageRow` of a tuple of its six fields, made in C: `UsageRow(...)` runs the named
tuple's generated `__new__` in Python, which was a third of the meter's cost per row."""


@dataclass(frozen=True, slots=True)
class QueueState:
    """A simple queue's byte counters at its last poll (absolute, Counter64)."""

    download_bytes: int
    upload_bytes: int
    polled_at: datetime


def _upsert(dialect: Dialect, rows: int | None = None) -> Any:  # noqa: ANN401 - an Insert
    """The summing upsert in the dialect (both spell it the same way); with `rows`, of
    that many rows of parameters in one statement."""
    module = postgresql if dialect.name == "postgresql" else sqlite
    insert = module.insert(usage_totals)
    if rows is not None:
        insert = insert.values([dict.fromkeys(UsageRow._fields)] * rows)
    return insert.on_conflict_do_update(
        index_elements=[usage_totals.c.account_id, usage_totals.c.period_start],
        set_={name: usage_totals.c[name] + insert.excluded[name] for name in _SUMMED},
    )


ROWS_PER_STATEMENT: Final = 32
"""Rows per statement on the driver: SQLite sets up a statement once for all its rows,
so a 256-row batch costs a third less in eight statements of 32 than in 256 of one
(bench/usage.py); the last statement of a batch is padded (`DriverUpsert`)."""

# (dialect, driver) pairs whose upsert runs on the driver: its connection API is used.
_DRIVERS: Final = frozenset({("sqlite", "aiosqlite")})


@dataclass(frozen=True, slots=True)
class DriverUpsert:
    """The summing upsert as the driver takes it: `sql` adds `rows` rows, each of one
    positional parameter per field of `UsageRow` in order, and `stored_period` puts a
    `period_start` in the column's stored form (None: stored as given).

    A batch runs as one `executemany` of `sql`. Its last statement is padded with rows
    that add zero bytes to the key of the batch's last row: that row comes earlier in
    the same statement, so the key exists by then and the padding updates it by nothing.
    SQLite takes a key twice in one statement (PostgreSQL would not: it is not run so).
    """

    sql: str
    rows: int
    stored_period: Callable[[datetime], object] | None

    def parameters(self, rows: Sequence[UsageRow]) -> list[tuple[object, ...]]:
        """One tuple of parameters per statement; `rows` must not be empty."""
        fields = len(UsageRow._fields)
        flat: list[Any] = list(itertools.chain.from_iterable(rows))
        if self.stored_period is not None:
            # A batch has one or two periods: each is converted once, not once per row.
            starts = flat[1::fields]
            forms = {start: self.stored_period(start) for start in set(starts)}
            flat[1::fields] = [forms[start] for start in starts]
        flat += (flat[-fields], flat[1 - fields], 0, 0, 0, 0) * (-len(rows) % self.rows)
        width = self.rows * fields
        return [tuple(flat[first : first + width]) for first in range(0, len(flat), width)]


@functools.lru_cache(maxsize=8)
def driver_upsert(dialect: Dialect) -> DriverUpsert | None:
    """The upsert compiled for `dialect`, or None where it is not run on the driver
    (another dialect or driver; or the compiled statement, or the columns' processing,
    is not the shape this module expects: a changed table takes SQLAlchemy's path,
    never a wrong statement)."""
    if (dialect.name, dialect.driver) not in _DRIVERS:
        return None
    compiled = _upsert(dialect, ROWS_PER_STATEMENT).compile(dialect=dialect)
    expected = [f"{name}_m{row}" for row in range(ROWS_PER_STATEMENT) for name in UsageRow._fields]
    if not compiled.positional or list(compiled.positiontup or ()) != expected:
        return None
    processors = {
        name: usage_totals.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        for name in UsageRow._fields
    }
    stored_period = processors.pop("period_start")
    if any(processor is not None for processor in processors.values()):
        return None  # the counts are stored as given: bound as plain integers
    return DriverUpsert(compiled.string, ROWS_PER_STATEMENT, stored_period)


async def add(conn: AsyncConnection, rows: Sequence[UsageRow]) -> None:
    """Add every row's bytes to its account's period, creating it when new."""
    if not rows:
        return
    driver = driver_upsert(conn.dialect)
    if driver is None:
        await conn.execute(_upsert(conn.dialect), [row._asdict() for row in rows])
    else:
        await _executemany_on_driver(conn, driver.sql, driver.parameters(rows))


async def _executemany_on_driver(
    conn: AsyncConnection, sql: str, parameters: list[tuple[object, ...]]
) -> None:
    """`sql` for each parameter tuple, on the driver's connection under `conn`, in the
    transaction SQLAlchemy began on it. One trip to aiosqlite's thread, where
    `exec_driver_sql` takes three (open a cursor, execute, close it): each trip costs
    about what SQLite spends on a hundred rows (bench/usage.py). The driver's errors
    become SQLAlchemy's, as they would through `exec_driver_sql`."""
    driver = (await conn.get_raw_connection()).driver_connection
    if driver is None:
        raise sa.exc.ResourceClosedError("the database connection is closed")
    driver_error = conn.dialect.loaded_dbapi.Error
    try:
        # The cursor it returns is done (a write returns no rows) and left to collect.
        await driver.executemany(sql, parameters)
    except driver_error as exc:
        raise sa.exc.DBAPIError.instance(
            sql, None, exc, driver_error, hide_parameters=True, dialect=conn.dialect
        ) from exc


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
