"""The address-list names provisiond has managed per device (DESIGN.md §4).

Revision ID: 0003
Revises: 0002
Create Date: 2026-02-02

One row per (device, family, list name) ever managed there, with the id of the address
list that last had the name, so entries of a deleted list are still found and a renamed
list is moved with `set list=`. Spelled out, like 0001, rather than imported from
`provisiond.store.tables`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "managed_lists",
        sa.Column("device", sa.Text, nullable=False),
        sa.Column("family", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("list_id", ID),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("device", "family", "name", name="pk_managed_lists"),
    )


def downgrade() -> None:
    op.drop_table("managed_lists")
