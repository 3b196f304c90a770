"""Alembic, driven from code: the schema is brought to head every time the store opens.

The migration scripts ship as package data (`migrations/`); the Alembic `Config` is
built here rather than read from an alembic.ini, so nothing depends on the working
directory. Migrations run on their own short-lived engine with SQLite foreign keys off
(batch-mode table rebuilds would otherwise cascade deletes), and the foreign keys are
verified with `PRAGMA foreign_key_check` before the migration commits.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.exc import SQLAlchemyError

from provisiond.store import engine as engines
from provisiond.store.errors import StoreError

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlalchemy.engine import Connection

MIGRATIONS: Final = Path(__file__).with_name("migrations")


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str | None:
    return ScriptDirectory.from_config(config()).get_current_head()


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection) -> None:
    command.upgrade(config(connection), "head")
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise StoreError(f"a migration left {len(broken)} rows with dangling references")


async def upgrade(url: sa.URL) -> None:
    """Apply every migration the database lacks (none when it is at head)."""
    engine = engines.create(url, foreign_keys=False, pooled=False)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade)
    except CommandError as exc:
        # Typically a revision this version does not know: a newer provisiond ran here.
        raise StoreError(
            f"cannot migrate the database schema ({exc}); was it written by a newer provisiond?"
        ) from exc
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot migrate the database schema: {exc}") from exc
    finally:
        await engine.dispose()
