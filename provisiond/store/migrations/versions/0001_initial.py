"""The initial schema: the model of DESIGN.md §1, id counters, store metadata, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-01-01

Spelled out rather than generated from `provisiond.store.tables`, which describes the
newest schema: this file must create the schema of its day forever. Constraint names
follow `tables.NAMING`. Later tables (RADIUS sessions, outboxes) come in their own
migrations.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# 64-bit ids: BIGINT on PostgreSQL, INTEGER (64-bit, the rowid) on SQLite.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, *, cascade: bool = False) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=f"fk_{table}_{column}_{target}",
        ondelete="CASCADE" if cascade else None,
        deferrable=True,
        initially="DEFERRED",
    )


def _id_table(name: str, *items: sa.Column[object] | sa.Constraint, named: bool = True) -> None:
    named_items: list[sa.Column[object] | sa.Constraint] = []
    if named:
        named_items = [
            sa.Column("name", sa.Text, nullable=False),
            sa.UniqueConstraint("name", name=f"uq_{name}_name"),
        ]
    op.create_table(
        name,
        sa.Column("id", ID, nullable=False, autoincrement=False),
        *named_items,
        *items,
        sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
    )


def _index(table: str, *columns: str) -> None:
    op.create_index(f"ix_{table}_{'_'.join(columns)}", table, list(columns))


def _definitions() -> None:
    op.create_table(
        "store_meta",
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_store_meta"),
    )
    op.create_table(
        "id_counters",
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("last_id", ID, nullable=False),
        sa.PrimaryKeyConstraint("kind", name="pk_id_counters"),
    )
    _id_table("account_statuses", sa.Column("activates_account", sa.Boolean, nullable=False))
    _id_table("account_types")
    _id_table("account_groups")
    _id_table("usage_policies", sa.Column("cap_gb", sa.Float, nullable=False))
    op.create_table(
        "usage_policy_free_periods",
        sa.Column("usage_policy_id", ID, nullable=False),
        sa.Column("position", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("day", sa.Text, nullable=False),
        sa.Column("start_minute", sa.Integer, nullable=False),
        sa.Column("end_minute", sa.Integer, nullable=False),
        _fk("usage_policy_free_periods", "usage_policy_id", "usage_policies", cascade=True),
        sa.PrimaryKeyConstraint("usage_policy_id", "position", name="pk_usage_policy_free_periods"),
    )
    _id_table(
        "services",
        sa.Column("download_kbps", sa.BigInteger, nullable=False),
        sa.Column("upload_kbps", sa.BigInteger, nullable=False),
        sa.Column("burst_download_kbps", sa.BigInteger),
        sa.Column("burst_upload_kbps", sa.BigInteger),
        sa.Column("burst_threshold_download_kbps", sa.BigInteger),
        sa.Column("burst_threshold_upload_kbps", sa.BigInteger),
        sa.Column("burst_seconds", sa.BigInteger),
        sa.Column("usage_policy_id", ID),
        _fk("services", "usage_policy_id", "usage_policies"),
    )
    _index("services", "usage_policy_id")


def _filtered(name: str, filters: str, *extra: sa.Column[object]) -> None:
    _id_table(
        name,
        sa.Column("account_status", sa.Text, nullable=False),
        sa.Column("delinquency", sa.Text, nullable=False),
        sa.Column("usage", sa.Text, nullable=False),
        sa.Column("devices", sa.Text, nullable=False),
        *extra,
    )
    op.create_table(
        filters,
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("field", sa.Text, nullable=False),
        sa.Column("ref_id", ID, nullable=False, autoincrement=False),
        _fk(filters, "owner_id", name, cascade=True),
        sa.PrimaryKeyConstraint("owner_id", "field", "ref_id", name=f"pk_{filters}"),
    )
    _index(filters, "field", "ref_id")


def _accounts() -> None:
    _id_table(
        "accounts",
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("status_id", ID, nullable=False),
        sa.Column("type_id", ID),
        sa.Column("delinquent", sa.Boolean, nullable=False),
        sa.Column("parent_id", ID),
        sa.Column("activated_at", sa.DateTime(timezone=True)),
        _fk("accounts", "status_id", "account_statuses"),
        _fk("accounts", "type_id", "account_types"),
        _fk("accounts", "parent_id", "accounts"),
        named=False,
    )
    for column in ("status_id", "type_id", "parent_id"):
        _index("accounts", column)
    op.create_table(
        "account_group_members",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("group_id", ID, nullable=False),
        _fk("account_group_members", "account_id", "accounts", cascade=True),
        _fk("account_group_members", "group_id", "account_groups"),
        sa.PrimaryKeyConstraint("account_id", "group_id", name="pk_account_group_members"),
    )
    _index("account_group_members", "group_id")
    op.create_table(
        "account_services",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("position", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("service_id", ID, nullable=False),
        _fk("account_services", "account_id", "accounts", cascade=True),
        _fk("account_services", "service_id", "services"),
        sa.PrimaryKeyConstraint("account_id", "position", name="pk_account_services"),
    )
    _index("account_services", "service_id")
    op.create_table(
        "ip_assignments",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("position", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("prefix", sa.Text, nullable=False),
        _fk("ip_assignments", "account_id", "accounts", cascade=True),
        sa.PrimaryKeyConstraint("account_id", "position", name="pk_ip_assignments"),
    )
    op.create_table(
        "radius_accounts",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("position", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("password", sa.Text),
        sa.Column("framed_ip", sa.Text),
        sa.Column("framed_ipv6_prefix", sa.Text),
        sa.Column("delegated_ipv6_prefix", sa.Text),
        _fk("radius_accounts", "account_id", "accounts", cascade=True),
        sa.PrimaryKeyConstraint("account_id", "position", name="pk_radius_accounts"),
        sa.UniqueConstraint("username", name="uq_radius_accounts_username"),
    )


def _account_schedules() -> None:
    _id_table(
        "scheduled_events",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("object_id", ID),
        sa.Column("replacement_id", ID),
        sa.Column("complete", sa.Boolean, nullable=False),
        sa.Column("error", sa.Text),
        _fk("scheduled_events", "account_id", "accounts"),
        named=False,
    )
    _index("scheduled_events", "account_id")
    _id_table(
        "vacations",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_id", ID, nullable=False),
        sa.Column("service_id", ID, nullable=False),
        sa.Column("saved_status_id", ID),
        sa.Column("saved_service_id", ID),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("error", sa.Text),
        _fk("vacations", "account_id", "accounts"),
        _fk("vacations", "status_id", "account_statuses"),
        _fk("vacations", "service_id", "services"),
        _fk("vacations", "saved_status_id", "account_statuses"),
        _fk("vacations", "saved_service_id", "services"),
        named=False,
    )
    for column in ("account_id", "status_id", "service_id", "saved_status_id", "saved_service_id"):
        _index("vacations", column)


def upgrade() -> None:
    _definitions()
    _filtered("address_lists", "address_list_filters")
    _filtered(
        "radius_groups",
        "radius_group_filters",
        sa.Column("priority", sa.BigInteger, nullable=False),
        sa.Column("fall_through", sa.Boolean, nullable=False),
    )
    op.create_table(
        "radius_group_replies",
        sa.Column("radius_group_id", ID, nullable=False),
        sa.Column("position", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("attribute", sa.Text, nullable=False),
        sa.Column("op", sa.Text, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        _fk("radius_group_replies", "radius_group_id", "radius_groups", cascade=True),
        sa.PrimaryKeyConstraint("radius_group_id", "position", name="pk_radius_group_replies"),
    )
    _id_table(
        "triggers",
        sa.Column("event", sa.Text, nullable=False),
        sa.Column("percent", sa.Float),
        sa.Column("webhook_url", sa.Text, nullable=False),
        sa.Column("secret", sa.Text),
        sa.Column("allow_http", sa.Boolean, nullable=False),
    )
    _accounts()
    _account_schedules()
    op.create_table(
        "audit_log",
        sa.Column("id", ID, nullable=False, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("object_id", ID),
        sa.Column("before", sa.Text),
        sa.Column("after", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sqlite_autoincrement=True,
    )


_TABLES = (
    "audit_log",
    "vacations",
    "scheduled_events",
    "radius_accounts",
    "ip_assignments",
    "account_services",
    "account_group_members",
    "accounts",
    "triggers",
    "radius_group_replies",
    "radius_group_filters",
    "radius_groups",
    "address_list_filters",
    "address_lists",
    "services",
    "usage_policy_free_periods",
    "usage_policies",
    "account_groups",
    "account_types",
    "account_statuses",
    "id_counters",
    "store_meta",
)


def downgrade() -> None:
    for table in _TABLES:
        op.drop_table(table)
