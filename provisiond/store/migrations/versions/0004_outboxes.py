"""Outboxes of scheduled work and triggers (DESIGN.md §6, §8).

Revision ID: 0004
Revises: 0003
Create Date: 2026-02-03

`trigger_deliveries` is the webhook outbox; `event_cursors` holds how far the trigger
engine has read the audit log, and `trigger_imports` the audit ids of imports that asked
for triggers. The trigger cursor starts at the newest audit entry, so history written
before this migration fires nothing while an import with triggers made right after it
(`provisiond import --triggers` without a daemon) fires once the daemon runs. Spelled
out, like 0001, rather than imported from `provisiond.store.tables`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trigger_deliveries",
        sa.Column("id", ID, nullable=False, autoincrement=True),
        sa.Column("trigger_id", ID, nullable=False),
        sa.Column("event", sa.Text, nullable=False),
        sa.Column("account_id", ID),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_status_code", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("give_up_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("once_key", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_trigger_deliveries"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_trigger_deliveries_status_next_attempt_at",
        "trigger_deliveries",
        ["status", "next_attempt_at"],
    )
    op.create_index(
        "uq_trigger_deliveries_trigger_id_once_key",
        "trigger_deliveries",
        ["trigger_id", "once_key"],
        unique=True,
    )
    op.create_table(
        "event_cursors",
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("position", ID, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_event_cursors"),
    )
    op.create_table(
        "trigger_imports",
        sa.Column("first_audit_id", ID, nullable=False, autoincrement=False),
        sa.Column("last_audit_id", ID, nullable=False),
        sa.PrimaryKeyConstraint("first_audit_id", name="pk_trigger_imports"),
    )
    op.execute(
        "INSERT INTO event_cursors (name, position) "
        "SELECT 'triggers', COALESCE(MAX(id), 0) FROM audit_log"
    )


def downgrade() -> None:
    op.drop_table("trigger_imports")
    op.drop_table("event_cursors")
    op.drop_table("trigger_deliveries")
