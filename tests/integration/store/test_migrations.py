"""Opening a store: the file, its mode, the pragmas, and migrations to head."""

from __future__ import annotations

import logging
import stat
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from provisiond.model.errors import ConflictError
from provisiond.model.objects import AccountStatus
from provisiond.store import Store, StoreError, migrate, tables

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncConnection

    from provisiond.runtime.clock import FakeClock


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_new_database_is_created_0600_in_a_new_folder(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "new" / "dir" / "provisiond.db"
    store = await Store.open(f"sqlite:///{path}", clock=clock)
    try:
        await store.create(AccountStatus(0, "Active", activates_account=True), actor="admin")
        assert _mode(path) == 0o600
        for sidecar in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            assert sidecar.exists()
            assert _mode(sidecar) == 0o600
    finally:
        await store.close()


async def test_migrates_an_empty_database_to_head_and_reopening_applies_nothing(
    db_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="alembic")
    store = await Store.open(db_url, clock=clock)
    await store.close()
    assert any("Running upgrade" in r.getMessage() for r in caplog.records)
    caplog.clear()
    store = await Store.open(db_url, clock=clock)
    try:
        assert not any("Running upgrade" in r.getMessage() for r in caplog.records)

        def revision(conn: Connection) -> str | None:
            return MigrationContext.configure(conn).get_current_revision()

        async def job(conn: AsyncConnection) -> str | None:
            return await conn.run_sync(revision)

        # Head is the newest file in versions/ (each migration adds one, numbered).
        newest = max(path.name for path in (migrate.MIGRATIONS / "versions").glob("0*.py"))
        assert await store.write(job) == migrate.head() == newest.partition("_")[0]
    finally:
        await store.close()


async def test_the_migrated_schema_matches_the_table_definitions(store: Store) -> None:
    def diff(conn: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(conn), tables.metadata))

    async def job(conn: AsyncConnection) -> list[object]:
        return await conn.run_sync(diff)

    assert await store.write(job) == []


async def test_every_connection_has_the_pragmas(store: Store) -> None:
    async def job(conn: AsyncConnection) -> list[object]:
        pragmas = ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        return [(await conn.exec_driver_sql(f"PRAGMA {p}")).scalar() for p in pragmas]

    assert await store.write(job) == ["wal", 2, 1, 5000]


async def test_foreign_keys_are_enforced_at_commit(store: Store) -> None:
    async def job(conn: AsyncConnection) -> None:
        await conn.execute(
            tables.accounts.insert().values(id=1, name="x", status_id=42, delinquent=False)
        )

    with pytest.raises(ConflictError, match="FOREIGN KEY"):
        await store.write(job)

    async def count(conn: AsyncConnection) -> int:
        query = sa.select(sa.func.count()).select_from(tables.accounts)
        return int((await conn.execute(query)).scalar_one())

    # The failed COMMIT rolled back, and the writer's next transaction works.
    assert await store.write(count) == 0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://db.example/provisiond", "asyncpg"),
        ("mysql://db.example/provisiond", "unsupported"),
        ("sqlite://", "file path"),
        ("not a url", "not a database URL"),
    ],
)
async def test_unusable_urls_are_store_errors(url: str, message: str, clock: FakeClock) -> None:
    with pytest.raises(StoreError, match=message):
        await Store.open(url, clock=clock)


async def test_an_unwritable_location_is_a_store_error(tmp_path: Path, clock: FakeClock) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="cannot create"):
        await Store.open(f"sqlite:///{blocker}/sub/provisiond.db", clock=clock)


async def test_a_database_from_a_newer_version_is_a_store_error(
    store: Store, db_url: str, clock: FakeClock
) -> None:
    async def from_the_future(conn: AsyncConnection) -> None:
        await conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")

    await store.write(from_the_future)
    await store.close()
    with pytest.raises(StoreError, match="newer provisiond"):
        await Store.open(db_url, clock=clock)
