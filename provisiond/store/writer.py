"""The one writer (DESIGN.md §8): a task that owns the write connection.

Every write is a job on a bounded queue. The writer runs jobs one at a time, each in
its own transaction on its one connection: a job that raises is rolled back whole
(its audit rows with it) and its caller gets the error; the next job is unaffected.
Serialising writes in the process means no job ever waits on a database lock held by
another job, and a burst of API writes cannot make an accounting batch wait behind a
lock; the bounded queue makes callers wait instead of piling up memory.

After a commit, and only then, the job's changes are published to the feed, in commit
order, before the caller's await returns.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from provisiond.model.errors import ConflictError
from provisiond.store import bulk
from provisiond.store import engine as engines
from provisiond.store.errors import StoreClosedError, StoreError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

    from provisiond.store.feed import Change, ChangePublisher

R = TypeVar("R")
QUEUE_SIZE: Final = 256


@dataclass(frozen=True, slots=True)
class Outcome(Generic[R]):
    """What a job returns: its caller's value and the changes to publish on commit."""

    value: R
    changes: tuple[Change, ...] = ()


@dataclass(slots=True)
class _Item:
    # Any: the queue carries jobs of every result type; `submit` restores the type.
    job: Callable[[AsyncConnection], Awaitable[Outcome[Any]]]
    future: asyncio.Future[Any]


@dataclass(slots=True)
class _Bulk:
    statements: Sequence[bulk.Statement]
    future: asyncio.Future[None]


async def _transact(
    conn: AsyncConnection, job: Callable[[AsyncConnection], Awaitable[Outcome[R]]]
) -> Outcome[R]:
    transaction = await conn.begin()
    try:
        outcome = await job(conn)
    except BaseException:
        await transaction.rollback()
        raise
    try:
        await transaction.commit()
    except SQLAlchemyError:
        # SQLite keeps the transaction open when COMMIT fails (a deferred foreign key
        # violated), and SQLAlchemy's rollback after a failed commit does not reach the
        # driver. End it at both levels, or every later job's BEGIN would fail.
        await transaction.rollback()
        await conn.run_sync(_rollback_driver)
        raise
    return outcome


def _rollback_driver(conn: Connection) -> None:
    dbapi_connection = conn.connection.dbapi_connection
    if dbapi_connection is not None:
        dbapi_connection.rollback()


def translate(exc: Exception) -> Exception:
    """What the caller sees: data errors as they are, database errors as store errors."""
    translated: Exception
    if isinstance(exc, IntegrityError):
        # The code checks come first and name the field; reaching the database's own
        # constraint means a rule they do not cover (e.g. two names swapped in one import).
        translated = ConflictError(f"the write conflicts with stored data: {exc.orig}")
    elif isinstance(exc, SQLAlchemyError | OSError):
        translated = StoreError(f"the database write failed: {exc}")
    else:
        return exc  # data errors, store errors, and bugs reach the caller as they are
    translated.__cause__ = exc  # as `raise translated from exc` would
    return translated


class Writer:
    def __init__(
        self, engine: AsyncEngine, publisher: ChangePublisher, *, queue_size: int = QUEUE_SIZE
    ) -> None:
        self._engine = engine
        self._publisher = publisher
        self._queue: asyncio.Queue[_Item | _Bulk | None] = asyncio.Queue(maxsize=queue_size)
        self._conn: AsyncConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    async def start(self) -> None:
        try:
            conn = await self._engine.connect()
            self._conn = await conn.execution_options(**{engines.WRITER_OPTION: True})
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open the write connection: {exc}") from exc
        self._task = asyncio.create_task(self._run(self._conn), name="store-writer")

    async def submit(self, job: Callable[[AsyncConnection], Awaitable[Outcome[R]]]) -> R:
        """Run `job` in its own transaction and return its value once committed."""
        if self._closing or self._task is None or self._task.done():
            raise StoreClosedError("the store is closed")
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Item(job, future))
        return await future

    async def submit_bulk(self, statements: Sequence[bulk.Statement]) -> None:
        """Run executemany statements in one transaction, in turn with the jobs, handed to
        the driver's thread whole (`bulk`); `BulkUnavailable` when the driver cannot."""
        if self._closing or self._task is None or self._task.done():
            raise StoreClosedError("the store is closed")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Bulk(statements, future))
        await future

    async def stop(self) -> None:
        """Run the jobs already queued, then stop and release the connection."""
        self._closing = True
        if self._task is not None and not self._task.done():
            await self._queue.put(None)
            await self._task
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def _run(self, conn: AsyncConnection) -> None:
        try:
            while (item := await self._queue.get()) is not None:
                await self._execute(conn, item)
        finally:
            self._fail_queued()

    async def _execute(self, conn: AsyncConnection, item: _Item | _Bulk) -> None:
        if item.future.cancelled():
            return  # the caller gave up before the job started: skip it
        try:
            if isinstance(item, _Bulk):
                await bulk.write(conn, item.statements)  # one transaction, nothing to publish
                outcome: Outcome[Any] = Outcome(None)
            else:
                outcome = await _transact(conn, item.job)
        except Exception as exc:  # noqa: BLE001 - every failure belongs to the job's caller
            if not item.future.done():
                item.future.set_exception(translate(exc))
            return
        try:
            for change in outcome.changes:
                self._publisher.publish(change)
        finally:
            # Committed: the caller learns so even if publishing failed.
            if not item.future.done():
                item.future.set_result(outcome.value)

    def _fail_queued(self) -> None:
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if item is not None and not item.future.done():
                item.future.set_exception(StoreClosedError("the store closed before this write"))
