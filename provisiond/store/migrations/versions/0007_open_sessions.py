"""An index for the open sessions in id order (`GET /api/v1/sessions`, DESIGN.md §7).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24

The API's default listing is the open sessions by id. Without this index SQLite walks
the table by its primary key and skips every closed row: with 500,000 closed sessions,
~115 ms per page. A partial index holds only the open rows (a small, hot set) in id
order, so a page reads just what it returns.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_OPEN = sa.text("state = 'open'")


def upgrade() -> None:
    op.create_index(
        "ix_sessions_open_id", "sessions", ["id"], sqlite_where=_OPEN, postgresql_where=_OPEN
    )


def downgrade() -> None:
    op.drop_index("ix_sessions_open_id", table_name="sessions")
