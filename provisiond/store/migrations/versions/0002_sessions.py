"""RADIUS sessions, kept by accounting (DESIGN.md §5).

Revision ID: 0002
Revises: 0001
Create Date: 2026-02-01

One row per session, open or closed, keyed by (NAS device, Acct-Session-Id, User-Name)
with at most one open row per key (a partial unique index). Spelled out, like 0001,
rather than imported from `provisiond.store.tables`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_OPEN = sa.text("state = 'open'")

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", ID, nullable=False, autoincrement=False),
        sa.Column("nas", sa.Text, nullable=False),
        sa.Column("acct_session_id", sa.Text, nullable=False),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("account_id", ID),
        sa.Column("framed_ip", sa.Text),
        sa.Column("framed_ipv6_prefix", sa.Text),
        sa.Column("delegated_ipv6_prefix", sa.Text),
        sa.Column("nas_ip_address", sa.Text),
        sa.Column("nas_identifier", sa.Text),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("input_octets", sa.BigInteger, nullable=False),
        sa.Column("output_octets", sa.BigInteger, nullable=False),
        sa.Column("session_time", sa.BigInteger, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("terminate_cause", sa.Text),
        sa.Column("last_applied", sa.JSON(none_as_null=True)),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
    )
    op.create_index("ix_sessions_account_id", "sessions", ["account_id"])
    op.create_index(
        "ix_sessions_nas_acct_session_id_username",
        "sessions",
        ["nas", "acct_session_id", "username"],
    )
    op.create_index(
        "uq_sessions_open_key",
        "sessions",
        ["nas", "acct_session_id", "username"],
        unique=True,
        sqlite_where=_OPEN,
        postgresql_where=_OPEN,
    )


def downgrade() -> None:
    op.drop_table("sessions")
