"""Usage: totals per account and period, and the SNMP queue counters (DESIGN.md §6).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

`usage_totals` holds, per account and period (the calendar month in `[usage] timezone`
that starts at `period_start`, stored in UTC), the billable and free bytes in each
direction. `usage_queue_counters` holds the last SNMP byte counters of each simple queue
provisiond manages, per device, as decimal text (Counter64 exceeds a signed BIGINT).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_totals",
        sa.Column("account_id", ID, nullable=False, autoincrement=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("billable_in", sa.BigInteger, nullable=False),
        sa.Column("billable_out", sa.BigInteger, nullable=False),
        sa.Column("free_in", sa.BigInteger, nullable=False),
        sa.Column("free_out", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("account_id", "period_start", name="pk_usage_totals"),
    )
    op.create_index("ix_usage_totals_period_start", "usage_totals", ["period_start"])
    op.create_table(
        "usage_queue_counters",
        sa.Column("device", sa.Text, nullable=False),
        sa.Column("queue", sa.Text, nullable=False),
        sa.Column("download_bytes", sa.Text, nullable=False),
        sa.Column("upload_bytes", sa.Text, nullable=False),
        sa.Column("polled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("device", "queue", name="pk_usage_queue_counters"),
    )


def downgrade() -> None:
    op.drop_table("usage_queue_counters")
    op.drop_index("ix_usage_totals_period_start", table_name="usage_totals")
    op.drop_table("usage_totals")
