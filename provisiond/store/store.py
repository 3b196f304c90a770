"""`Store`: the daemon's persistence, as one object the composition root opens and closes.

Reads run on pooled connections, each in one read transaction (a consistent snapshot);
writes all go through the single writer (`writer.py`). Library errors become
`StoreError` here or in the writer; data errors are `model.errors` naming the field.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, TypeAlias, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from provisiond.model import objects
from provisiond.model.errors import NotFoundError
from provisiond.store import (
    audit,
    bulk,
    constraints,
    engine,
    importer,
    keys,
    kinds,
    migrate,
    mutations,
    schedule,
)
from provisiond.store import rows as row_io
from provisiond.store.context import WriteContext
from provisiond.store.errors import StoreError
from provisiond.store.feed import ChangeFeed, ChangeSubscription, LocalFeed
from provisiond.store.writer import Outcome, Writer

if TYPE_CHECKING:
    import builtins
    from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

    from sqlalchemy.engine import Dialect
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

    from provisiond.model.clock import Clock
    from provisiond.model.secret import Secret
    from provisiond.store.crypto import SecretColumns

T = TypeVar("T", bound=kinds.Model)
R = TypeVar("R")

_ACCOUNT_FILTERED = (objects.ScheduledEvent, objects.Vacation)


class Store:
    Subscription: TypeAlias = ChangeSubscription  # what `store.feed.subscribe()` returns

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        writer: Writer,
        feed: LocalFeed,
        secrets: SecretColumns,
        clock: Clock,
        allow_multiple_data_services: bool,
    ) -> None:
        self._engine = engine
        self._writer = writer
        self._feed = feed
        self._secrets = secrets
        self._clock = clock
        self._allow_multiple = allow_multiple_data_services

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        clock: Clock,
        allow_multiple_data_services: bool = False,
        secret_key: Secret | None = None,
    ) -> Store:
        """Connect, migrate to the newest schema, check the secret key, start the writer."""
        resolved = engine.resolve_url(url)
        if engine.is_sqlite(resolved):
            engine.prepare_sqlite_file(resolved)
        await migrate.upgrade(resolved)
        db = engine.create(resolved)
        feed = LocalFeed()
        writer = Writer(db, feed)
        try:
            secrets = await keys.prepare(db, secret_key)
            await writer.start()
        except SQLAlchemyError as exc:
            await db.dispose()
            raise StoreError(f"cannot open the store: {exc}") from exc
        except BaseException:
            await db.dispose()
            raise
        return cls(
            engine=db,
            writer=writer,
            feed=feed,
            secrets=secrets,
            clock=clock,
            allow_multiple_data_services=allow_multiple_data_services,
        )

    @property
    def feed(self) -> ChangeFeed:
        return self._feed

    async def close(self) -> None:
        """Finish the queued writes, end every feed subscription, release the database."""
        try:
            await self._writer.stop()
        finally:
            self._feed.close()
            await self._engine.dispose()

    # -- reads --------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _reading(self) -> AsyncIterator[AsyncConnection]:
        try:
            async with self._engine.connect() as conn, conn.begin():
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"the database read failed: {exc}") from exc

    async def upcoming(self, *, limit: int) -> list[schedule.Due]:
        """The next pending steps (scheduled events, vacation starts and ends), in the
        order they will run: the dashboard's "upcoming" panel."""
        async with self._reading() as conn:
            return await schedule.upcoming(conn, limit=limit)

    async def load(self) -> objects.Dataset:
        """Every object, secrets decrypted, each kind ordered by id, from one snapshot."""
        async with self._reading() as conn:
            loaded = {
                spec.name: tuple(await row_io.select(conn, spec, secrets=self._secrets))
                for spec in kinds.SPECS
            }
        return objects.Dataset(**loaded)

    async def get(self, kind: type[T], id: int) -> T:
        spec = kinds.spec_of(kind)
        async with self._reading() as conn:
            where = spec.table.c.id == id
            found = await row_io.select(conn, spec, secrets=self._secrets, where=where)
        if not found:
            raise NotFoundError(f"{constraints.LABELS[spec.name]} {id} does not exist")
        return found[0]

    async def list(
        self, kind: type[T], *, after: int | None = None, limit: int = 100, **filters: int
    ) -> builtins.list[T]:
        """One page, ordered by id: pass the last id seen as `after` for the next.

        `account_id=` narrows scheduled events and vacations to one account.
        """
        spec = kinds.spec_of(kind)
        if limit < 1:
            raise ValueError("limit must be at least 1")
        conditions: builtins.list[sa.ColumnElement[bool]] = []
        if after is not None:
            conditions.append(spec.table.c.id > after)
        for name, value in filters.items():
            if name != "account_id" or kind not in _ACCOUNT_FILTERED:
                raise TypeError(f"{kind.__name__} cannot be listed by {name}")
            conditions.append(spec.table.c.account_id == value)
        where = sa.and_(*conditions) if conditions else None
        async with self._reading() as conn:
            return await row_io.select(conn, spec, secrets=self._secrets, where=where, limit=limit)

    async def events(
        self, *, after: int | None = None, limit: int = 100
    ) -> builtins.list[audit.AuditEntry]:
        """The audit log, oldest first, for `GET /api/v1/events`."""
        async with self._reading() as conn:
            return await audit.read(conn, after=after, limit=limit)

    async def read(self, job: Callable[[AsyncConnection], Awaitable[R]]) -> R:
        """Run a read-only `job` on a pooled connection, in one read transaction, beside
        the writer (for later tables): an admin's list never waits for, nor delays, the
        accounting batches on the writer's connection. Writing in `job` is a bug."""
        async with self._reading() as conn:
            return await job(conn)

    # -- writes -------------------------------------------------------------------------

    def _context(self, conn: AsyncConnection, actor: str) -> WriteContext:
        return WriteContext(
            conn=conn,
            secrets=self._secrets,
            actor=actor,
            at=self._clock.now(),
            allow_multiple_data_services=self._allow_multiple,
        )

    async def create(self, obj: T, *, actor: str) -> T:
        """Store a new object; `id` 0 lets the store pick the id (ConflictError if taken)."""
        spec = kinds.spec_of(type(obj))

        async def job(conn: AsyncConnection) -> Outcome[T]:
            ctx = self._context(conn, actor)
            return await ctx.finish(await mutations.create(ctx, spec, obj))

        return await self._writer.submit(job)

    async def update(self, obj: T, *, actor: str) -> T:
        """Replace a stored object (NotFoundError if absent); returns what is stored."""
        spec = kinds.spec_of(type(obj))

        async def job(conn: AsyncConnection) -> Outcome[T]:
            ctx = self._context(conn, actor)
            return await ctx.finish(await mutations.update(ctx, spec, obj))

        return await self._writer.submit(job)

    async def delete(self, kind: type[T], id: int, *, actor: str) -> None:
        """Delete an object nothing refers to; an account takes its events and vacations."""
        spec = kinds.spec_of(kind)

        async def job(conn: AsyncConnection) -> Outcome[None]:
            ctx = self._context(conn, actor)
            await mutations.delete(ctx, spec, id)
            return await ctx.finish(None)

        await self._writer.submit(job)

    async def import_dataset(self, dataset: objects.Dataset, *, actor: str) -> dict[str, int]:
        """Upsert everything by id, all or nothing; counts of created or changed per kind."""

        async def job(conn: AsyncConnection) -> Outcome[dict[str, int]]:
            ctx = self._context(conn, actor)
            return await ctx.finish(await importer.import_dataset(ctx, dataset))

        return await self._writer.submit(job)

    async def write(self, job: Callable[[AsyncConnection], Awaitable[R]]) -> R:
        """Run `job` on the writer's connection in its own transaction (for later tables)."""

        async def wrapped(conn: AsyncConnection) -> Outcome[R]:
            return Outcome(await job(conn))

        return await self._writer.submit(wrapped)

    @property
    def dialect(self) -> Dialect:
        """The database's SQLAlchemy dialect (what `fast_sql` compiles statements for)."""
        return self._engine.dialect

    async def write_bulk(self, statements: Sequence[bulk.Statement]) -> None:
        """Run executemany statements (SQL in the driver's paramstyle, parameter tuples) in
        one transaction on the writer, handed to the driver whole: the accounting commit
        (`bulk`). Raises `BulkUnavailable` when the driver cannot; nothing is written then."""
        await self._writer.submit_bulk(statements)

    async def transact(self, job: Callable[[WriteContext], Awaitable[R]], *, actor: str) -> R:
        """Run `job` in one transaction with a write context: the objects it changes
        through `mutations` are audited as `actor` and announced on the feed after COMMIT,
        together with whatever else it writes (the outboxes of `provisiond.events`)."""

        async def wrapped(conn: AsyncConnection) -> Outcome[R]:
            ctx = self._context(conn, actor)
            return await ctx.finish(await job(ctx))

        return await self._writer.submit(wrapped)
