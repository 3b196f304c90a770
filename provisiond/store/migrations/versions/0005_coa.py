"""CoA: what each session last got from CoA, and the durable CoA outbox (DESIGN.md §5).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24

`sessions.last_coa` is `{at, result, error_cause}` of the session's last CoA or
Disconnect; `sessions.external_override` records a relayed CoA that the NAS ACKed
(`{at, attributes}`), so a later recompute knows the NAS holds attributes we did not
choose. `coa_outbox` holds one row per session with CoA work pending: the work is
"bring this session in line with the policy", recomputed when it is sent, so one row
per session is all that is needed and later changes coalesce into it. A held Disconnect
(the breaker) stays in the outbox with `held` set until it is approved.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("last_coa", sa.JSON(none_as_null=True)))
        batch.add_column(sa.Column("external_override", sa.JSON(none_as_null=True)))
    op.create_table(
        "coa_outbox",
        sa.Column("session_id", ID, nullable=False),
        sa.Column("account_id", ID),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("held", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("session_id", name="pk_coa_outbox"),
    )


def downgrade() -> None:
    op.drop_table("coa_outbox")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("external_override")
        batch.drop_column("last_coa")
