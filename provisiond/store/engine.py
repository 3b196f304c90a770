"""From the configured URL to an async engine: drivers, the SQLite file, pragmas.

The configuration holds a plain SQLAlchemy URL (`sqlite:////var/lib/provisiond/x.db`);
which async driver serves it is decided here, so moving to PostgreSQL is a change of
URL. Everything SQLite-specific (the file's mode, pragmas, how BEGIN is issued) is in
this module and nowhere else.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING, Final

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from provisiond.store.errors import StoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.pool import ConnectionPoolEntry

BUSY_TIMEOUT_MS: Final = 5000
"""How long a connection waits for another process's lock (e.g. `provisiond import`
run beside the daemon) before failing, in milliseconds."""

WRITER_OPTION: Final = "provisiond_writer"
"""Execution option the writer sets on its connection: its transactions take the write
lock at BEGIN (IMMEDIATE), so a read-then-write job never fails to upgrade its lock."""

_DRIVERS: Final = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
_DRIVER_MODULES: Final = {"sqlite+aiosqlite": "aiosqlite", "postgresql+asyncpg": "asyncpg"}


def resolve_url(text: str) -> sa.URL:
    """The configured URL with the async driver this store uses for its backend."""
    try:
        url = sa.make_url(text)
    except ArgumentError as exc:
        raise StoreError(f"[store] url {text!r} is not a database URL") from exc
    backend = url.get_backend_name()
    driver = _DRIVERS.get(backend)
    if driver is None:
        raise StoreError(f"[store] url: unsupported database {backend!r} (sqlite or postgresql)")
    module = _DRIVER_MODULES[driver]
    if importlib.util.find_spec(module) is None:
        raise StoreError(
            f"[store] url: {backend} needs the {module!r} driver, which is not installed "
            f"(pip install {module})"
        )
    url = url.set(drivername=driver)
    if backend == "sqlite" and url.database in (None, "", ":memory:"):
        raise StoreError("[store] url: give SQLite a file path; an in-memory store loses data")
    return url


def is_sqlite(url: sa.URL) -> bool:
    return url.get_backend_name() == "sqlite"


def prepare_sqlite_file(url: sa.URL) -> Path:
    """Create the database's folder and, if new, the file with mode 0600.

    SQLite gives its -wal and -shm files the mode of the database file, so creating
    it ourselves before SQLite does keeps subscriber passwords out of reach of other
    local users even without encryption at rest.
    """
    path = Path(url.database or "")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    except OSError as exc:
        raise StoreError(f"cannot create the database file {path}: {exc.strerror}") from exc
    return path


def create(url: sa.URL, *, foreign_keys: bool = True, pooled: bool = True) -> AsyncEngine:
    """An engine for `url` (already resolved); SQLite connections get their pragmas.

    `foreign_keys=False` is for migrations: SQLite's batch mode rebuilds a table by
    copying and dropping it, which would cascade deletes with foreign keys on.
    """
    # hide_parameters: a failed statement's error text must not carry a password.
    engine = create_async_engine(url, poolclass=None if pooled else NullPool, hide_parameters=True)
    if is_sqlite(url):
        _configure_sqlite(engine, foreign_keys=foreign_keys)
    return engine


async def scrub(engine: AsyncEngine) -> None:
    """Rewrite an SQLite file so no deleted or overwritten value survives in it.

    Used after secrets were first encrypted in place: the plaintext would otherwise
    linger in free pages and WAL frames until SQLite happened to reuse them.
    """
    if engine.dialect.name != "sqlite":
        return
    async with engine.connect() as conn:
        await conn.run_sync(_vacuum)


def _vacuum(conn: Connection) -> None:
    # VACUUM cannot run inside a transaction, so it bypasses SQLAlchemy's BEGIN.
    dbapi_connection = conn.connection.dbapi_connection
    if dbapi_connection is None:
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("VACUUM")
    cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    cursor.close()


def _configure_sqlite(engine: AsyncEngine, *, foreign_keys: bool) -> None:
    pragmas = (
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=FULL",  # an Accounting-Response promises the record is on disk
        f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}",
        f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    )

    def on_connect(dbapi_connection: object, record: ConnectionPoolEntry) -> None:
        del record
        # The driver's own transaction handling skips BEGIN before SELECTs, so a read of
        # several tables would not be one snapshot; `on_begin` issues BEGIN instead.
        dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        for pragma in pragmas:
            cursor.execute(pragma)
        cursor.close()

    def on_begin(conn: Connection) -> None:
        writer = conn.get_execution_options().get(WRITER_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    event.listen(engine.sync_engine, "connect", on_connect)
    event.listen(engine.sync_engine, "begin", on_begin)
