"""The RADIUS session table: rows in, rows out, on the store's single writer.

Accounting (`provisiond.radius`) decides what each record does to the sessions; this
module only reads and writes the rows. Everything goes through `Store.write`, so a batch
of accounting records is one transaction on the writer's connection and its
Accounting-Responses can wait for exactly that COMMIT (DESIGN.md §5 "Durable").

Ids are handed out by the caller (the accounting writer is the only writer of this
table), starting after `load_open`'s highest id, so a batch inserts with one
`executemany` instead of a round trip per row for a database-generated id.
"""

from __future__ import annotations

from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING, Any, Final, NamedTuple, Protocol, TypeAlias, TypeVar

import sqlalchemy as sa

from provisiond.store import session_writes, usage_totals
from provisiond.store.bulk import BulkUnavailable
from provisiond.store.session_writes import SessionWriter
from provisiond.store.tables import sessions as table

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping, Sequence
    from datetime import datetime

    from sqlalchemy.engine import RowMapping
    from sqlalchemy.ext.asyncio import AsyncConnection

    from provisiond.store.bulk import Statement
    from provisiond.store.store import Store
    from provisiond.store.usage_totals import UsageRow

SessionKey: TypeAlias = tuple[str, str, str]
"""(NAS device name, Acct-Session-Id, User-Name): what a session is known by."""

Pairs: TypeAlias = tuple[tuple[str, str], ...]
"""Reply attributes as (name, value) pairs, the policy engine's `Attributes`."""

JsonObject: TypeAlias = "dict[str, Any]"
"""A JSON object column's value (`last_coa`, `external_override`)."""

MAX_COUNTER: Final = 2**63 - 1  # a signed 64-bit column; 9.2 EB, never reached in practice


class SessionState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class SessionRow(NamedTuple):
    """One session as stored. Octets are 64-bit (Gigawords included); times are UTC.

    A NamedTuple, not a frozen dataclass: accounting builds one per record, and a frozen
    dataclass of twenty fields cost 2.1 us to build and 4.6 us to `replace`, a tuple
    0.4 us and 1.1 us (bench/radius.py measures the accounting path per record).
    """

    id: int
    nas: str
    acct_session_id: str
    username: str
    account_id: int | None
    started_at: datetime
    updated_at: datetime
    state: SessionState = SessionState.OPEN
    framed_ip: str | None = None
    framed_ipv6_prefix: str | None = None
    delegated_ipv6_prefix: str | None = None
    nas_ip_address: str | None = None
    nas_identifier: str | None = None
    input_octets: int = 0
    output_octets: int = 0
    session_time: int = 0
    terminate_cause: str | None = None
    last_applied: Pairs | None = None
    last_coa: JsonObject | None = None  # {at, result, error_cause}: the last CoA's outcome
    external_override: JsonObject | None = None  # {at, attributes}: a relayed CoA the NAS ACKed

    @property
    def key(self) -> SessionKey:
        return (self.nas, self.acct_session_id, self.username)

    @property
    def is_open(self) -> bool:
        return self.state is SessionState.OPEN


class RowChanges(Protocol):
    """What a decision wants written: new rows, and new states of stored rows (each with
    the row as it is stored, or None when not known: then every column is written)."""

    @property
    def inserted(self) -> Sequence[SessionRow]: ...

    @property
    def updated(self) -> Sequence[tuple[SessionRow | None, SessionRow]]: ...


C = TypeVar("C", bound=RowChanges)


_FIELDS: Final = SessionRow._fields


def _values(row: SessionRow) -> dict[str, object]:
    # Not `dataclasses.asdict`: it deep-copies every value, a fifth of the accounting
    # path's CPU (bench/radius.py); the statement only reads them, so no copy is needed.
    values = {name: getattr(row, name) for name in _FIELDS}
    values["state"] = row.state.value
    values["last_applied"] = (
        None if row.last_applied is None else [list(p) for p in row.last_applied]
    )
    return values


def _row(mapping: RowMapping) -> SessionRow:
    values = dict(mapping)
    values["state"] = SessionState(values["state"])
    applied = values["last_applied"]
    values["last_applied"] = (
        None if applied is None else tuple((str(n), str(v)) for n, v in applied)
    )
    return SessionRow(**values)


async def save(conn: AsyncConnection, changes: RowChanges) -> None:
    """Insert the new rows and write the changed columns of the others, through
    SQLAlchemy (any dialect; `SessionStore.commit` prefers the driver's bulk path)."""
    await session_writes.write(conn, changes.inserted, changes.updated, _values)


async def open_rows(conn: AsyncConnection) -> list[SessionRow]:
    query = sa.select(table).where(table.c.state == SessionState.OPEN.value).order_by(table.c.id)
    return [_row(mapping) for mapping in (await conn.execute(query)).mappings()]


async def highest_id(conn: AsyncConnection) -> int:
    return int((await conn.execute(sa.select(sa.func.max(table.c.id)))).scalar() or 0)


def _of_key(key: SessionKey) -> sa.Select[Any]:
    """The rows of one (NAS, Acct-Session-Id, User-Name) key: the key index's query."""
    nas, acct_session_id, username = key
    return sa.select(table).where(
        table.c.nas == nas,
        table.c.acct_session_id == acct_session_id,
        table.c.username == username,
    )


async def latest_closed(
    conn: AsyncConnection, *, keys: Collection[SessionKey]
) -> dict[SessionKey, SessionRow]:
    """The newest closed row of each key that has one (late Stops and Interims ask)."""
    found: dict[SessionKey, SessionRow] = {}
    for key in keys:
        query = (
            _of_key(key)
            .where(table.c.state == SessionState.CLOSED.value)
            .order_by(table.c.id.desc())
            .limit(1)
        )
        mapping = (await conn.execute(query)).mappings().first()
        if mapping is not None:
            found[key] = _row(mapping)
    return found


class SessionStore:
    """The session table through a `Store`'s writer (reads too: they are rare and small)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._writer = SessionWriter()
        self._bulk = True  # until the driver says it cannot (`store.bulk`)

    async def load_open(self) -> tuple[list[SessionRow], int]:
        """The open sessions, and the highest id ever stored (the next id is one more)."""

        async def job(conn: AsyncConnection) -> tuple[list[SessionRow], int]:
            return await open_rows(conn), await highest_id(conn)

        return await self._store.write(job)

    async def commit(
        self,
        lookup: Collection[SessionKey],
        decide: Callable[[Mapping[SessionKey, SessionRow]], C],
        *,
        usage: Callable[[C], Sequence[UsageRow]] | None = None,
    ) -> C:
        """Read the newest closed rows of `lookup`, let `decide` work out the changes from
        them (it must not await), and write the changes in one transaction.

        `usage` gives the usage the changes carry (DESIGN.md §6), added in the same
        transaction: the traffic of a record is counted exactly when the record is stored.

        The read is a job of its own before the write: only this writer (the accounting
        writer's one batch at a time) changes session rows, so nothing can change them in
        between. The write goes to the driver in one hand-off (`store.bulk`) where it can.
        """
        closed = await self._store.write(partial(latest_closed, keys=lookup)) if lookup else {}
        changes = decide(closed)
        rows = usage(changes) if usage is not None else ()
        planned = self._planned(changes, rows) if self._bulk else None
        if planned is not None:
            try:
                await self._store.write_bulk(planned)
            except BulkUnavailable:
                self._bulk = False  # this store's driver cannot: SQLAlchemy from now on
            else:
                return changes

        async def job(conn: AsyncConnection) -> None:
            await save(conn, changes)
            if rows:
                await usage_totals.add(conn, rows)

        await self._store.write(job)
        return changes

    def _planned(self, changes: RowChanges, rows: Sequence[UsageRow]) -> list[Statement] | None:
        """The batch as driver statements, or None where the dialect needs SQLAlchemy."""
        dialect = self._store.dialect
        planned = session_writes.statements(
            dialect, self._writer, changes.inserted, changes.updated
        )
        if planned is None or not rows:
            return planned
        upsert = usage_totals.driver_upsert(dialect)
        if upsert is None:
            return None
        planned.append((upsert.sql, upsert.parameters(rows)))
        return planned

    async def get(self, session_id: int) -> SessionRow | None:
        async def job(conn: AsyncConnection) -> SessionRow | None:
            query = sa.select(table).where(table.c.id == session_id)
            mapping = (await conn.execute(query)).mappings().first()
            return None if mapping is None else _row(mapping)

        return await self._store.write(job)

    async def page(
        self, *, account_id: int | None, state: str, after: int | None, limit: int
    ) -> tuple[list[SessionRow], int | None]:
        """One page of `GET /api/v1/sessions`: the rows in `state` ("open" or "closed"),
        of one account when `account_id` is given, with id > `after`, ascending by id.

        `next_after` is the last id when the page is full (there may be more), else None,
        like every list of the API. Unlike the accounting reads it runs beside the writer
        (`Store.read`): a dashboard polling it never delays an Accounting-Response. With
        `account_id` it walks the account_id index (ordered by id within an account);
        without, open rows come from their partial index in id order (migration 0007)
        and closed ones from the primary key.
        """
        wanted = SessionState(state)  # ValueError for anything else: the API checks first
        if limit < 1:
            raise ValueError("limit must be at least 1")
        query = sa.select(table).where(table.c.state == wanted.value)
        if account_id is not None:
            query = query.where(table.c.account_id == account_id)
        if after is not None:
            query = query.where(table.c.id > after)
        query = query.order_by(table.c.id).limit(limit)

        async def job(conn: AsyncConnection) -> list[SessionRow]:
            return [_row(mapping) for mapping in (await conn.execute(query)).mappings()]

        rows = await self._store.read(job)
        return rows, rows[-1].id if len(rows) >= limit else None

    async def find(self, key: SessionKey) -> list[SessionRow]:
        """Every row of one key, oldest first."""

        async def job(conn: AsyncConnection) -> list[SessionRow]:
            query = _of_key(key).order_by(table.c.id)
            return [_row(mapping) for mapping in (await conn.execute(query)).mappings()]

        return await self._store.write(job)
