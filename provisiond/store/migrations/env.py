"""Alembic environment: runs on the connection `provisiond.store.migrate` hands in.

There is no offline (SQL script) mode and no alembic.ini: the store opens the database
and migrates it to head itself.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through provisiond.store.migrate, not the alembic CLI")

# Batch mode lets later migrations alter SQLite tables (by rebuilding them).
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
