"""A bulk write in one hand-off to the SQLite driver's thread: the accounting commit.

aiosqlite runs the sqlite3 connection on a thread of its own, and every driver call is a
round trip to it: a queue put, a thread wake-up, a reply through the event loop's
self-pipe. An accounting batch through SQLAlchemy took ~15 of them (BEGIN, a cursor, an
executemany and a result per statement, COMMIT): ~580 us of CPU per batch whatever its
size, more than all the rows of a 32-record batch cost (measured with the real store).
Here the whole transaction (BEGIN IMMEDIATE, each executemany, COMMIT) is one function
run on that thread: one round trip per batch.

It reaches below aiosqlite's public API (`Connection._execute`, `Connection._conn`), so
it checks for them and says when they are missing (`BulkUnavailable`); the caller then
writes through SQLAlchemy as before, slower but the same. tests/integration/store
asserts that the SQLite store takes this path, so an aiosqlite that changes them fails
the build rather than quietly halving accounting throughput.
"""

from __future__ import annotations

import contextlib
import sqlite3
from typing import TYPE_CHECKING, Any, TypeAlias

from provisiond.model.errors import ConflictError
from provisiond.store.errors import StoreError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncConnection

Statement: TypeAlias = "tuple[str, Sequence[tuple[Any, ...]]]"
"""SQL in the driver's paramstyle and the parameter tuples of an executemany."""


class BulkUnavailable(StoreError):  # noqa: N818 - a condition, not a failure to report
    """This connection's driver has no thread to hand a whole transaction to."""


def _transaction(db: sqlite3.Connection, statements: Sequence[Statement]) -> None:
    """On the driver's thread: BEGIN IMMEDIATE, every statement, COMMIT; or nothing."""
    db.execute("BEGIN IMMEDIATE")
    try:
        for sql, parameters in statements:
            if parameters:
                db.executemany(sql, parameters)
        db.execute("COMMIT")
    except BaseException:
        # A failed COMMIT can leave SQLite's transaction open; end it, or the writer's
        # next BEGIN fails. Its own failure says no more than the first one.
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
        raise


async def write(conn: AsyncConnection, statements: Sequence[Statement]) -> None:
    """Run `statements` in one transaction on `conn`'s driver thread.

    `conn` must not be in a transaction (the writer runs jobs one at a time, each in its
    own). Raises `BulkUnavailable` when the driver is not aiosqlite as this module knows
    it, `ConflictError` when a constraint refuses a row and `StoreError` when SQLite
    fails otherwise (nothing is written then).
    """
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    execute = getattr(driver, "_execute", None)
    if driver is None or execute is None or not hasattr(driver, "_conn"):
        raise BulkUnavailable(f"{type(driver).__name__} has no driver thread to hand off to")

    def run() -> None:
        db = driver._conn  # aiosqlite's sqlite3 connection, used on its own thread
        if not isinstance(db, sqlite3.Connection):
            raise BulkUnavailable("the aiosqlite connection holds no sqlite3 connection")
        _transaction(db, statements)

    try:
        await execute(run)
    except sqlite3.IntegrityError as exc:
        # As the writer translates SQLAlchemy's IntegrityError (`writer.translate`).
        raise ConflictError(f"the write conflicts with stored data: {exc}") from exc
    except sqlite3.Error as exc:
        raise StoreError(f"the database write failed: {exc}") from exc
