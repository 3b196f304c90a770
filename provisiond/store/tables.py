"""The relational schema (SQLAlchemy Core), as of the newest migration.

Portable by construction: only types and constraints that SQLite and PostgreSQL both
have. Every constraint is named (`NAMING`) so later migrations can address it, which
SQLite's batch mode needs. Foreign keys are `DEFERRABLE INITIALLY DEFERRED`: an import
may name a parent account that comes later in the same transaction, and the check at
COMMIT is the backstop behind the store's own reference checks (which name the field).

A migration never imports this module: `migrations/versions/*` spell out the DDL of
their day, and a test compares the migrated database with this metadata.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

import sqlalchemy as sa

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect

NAMING: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING)

ID: Final = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""Ids are 64-bit (billing systems' ids): BIGINT on PostgreSQL; on SQLite, INTEGER is
already 64-bit and, as a primary key, is the table's rowid (no separate index)."""


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend.

    SQLite keeps no zone, so values are stored as naive UTC and the zone is put back
    on the way out; PostgreSQL's `timestamptz` round-trips them as they are.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        del dialect
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a UTC time")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        del dialect
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _fk(target: str, *, cascade: bool = False) -> sa.ForeignKey:
    return sa.ForeignKey(
        target,
        ondelete="CASCADE" if cascade else None,
        deferrable=True,
        initially="DEFERRED",
    )


def _id() -> sa.Column[int]:
    # Ids are assigned by the store (see ids.py), never by the database, so a
    # client-supplied id and a generated one share one sequence on every backend.
    return sa.Column("id", ID, primary_key=True, autoincrement=False)


def _name() -> sa.Column[str]:
    return sa.Column("name", sa.Text, nullable=False, unique=True)


def _position() -> sa.Column[int]:
    return sa.Column("position", sa.Integer, primary_key=True, autoincrement=False)


store_meta = sa.Table(
    "store_meta",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

id_counters = sa.Table(
    "id_counters",
    metadata,
    sa.Column("kind", sa.Text, primary_key=True),
    sa.Column("last_id", ID, nullable=False),
)

account_statuses = sa.Table(
    "account_statuses",
    metadata,
    _id(),
    _name(),
    sa.Column("activates_account", sa.Boolean, nullable=False),
)

account_types = sa.Table("account_types", metadata, _id(), _name())

account_groups = sa.Table("account_groups", metadata, _id(), _name())

usage_policies = sa.Table(
    "usage_policies",
    metadata,
    _id(),
    _name(),
    sa.Column("cap_gb", sa.Float, nullable=False),
)

usage_policy_free_periods = sa.Table(
    "usage_policy_free_periods",
    metadata,
    sa.Column(
        "usage_policy_id",
        ID,
        _fk("usage_policies.id", cascade=True),
        primary_key=True,
    ),
    _position(),
    sa.Column("day", sa.Text, nullable=False),
    sa.Column("start_minute", sa.Integer, nullable=False),
    sa.Column("end_minute", sa.Integer, nullable=False),
)

services = sa.Table(
    "services",
    metadata,
    _id(),
    _name(),
    sa.Column("download_kbps", sa.BigInteger, nullable=False),
    sa.Column("upload_kbps", sa.BigInteger, nullable=False),
    # A burst is all five columns or none (NULL = no burst).
    sa.Column("burst_download_kbps", sa.BigInteger),
    sa.Column("burst_upload_kbps", sa.BigInteger),
    sa.Column("burst_threshold_download_kbps", sa.BigInteger),
    sa.Column("burst_threshold_upload_kbps", sa.BigInteger),
    sa.Column("burst_seconds", sa.BigInteger),
    sa.Column("usage_policy_id", ID, _fk("usage_policies.id"), index=True),
)

accounts = sa.Table(
    "accounts",
    metadata,
    _id(),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("status_id", ID, _fk("account_statuses.id"), nullable=False, index=True),
    sa.Column("type_id", ID, _fk("account_types.id"), index=True),
    sa.Column("delinquent", sa.Boolean, nullable=False),
    sa.Column("parent_id", ID, _fk("accounts.id"), index=True),
    sa.Column("activated_at", UtcDateTime),
)

account_group_members = sa.Table(
    "account_group_members",
    metadata,
    sa.Column("account_id", ID, _fk("accounts.id", cascade=True), primary_key=True),
    sa.Column("group_id", ID, _fk("account_groups.id"), primary_key=True, index=True),
)

account_services = sa.Table(
    "account_services",
    metadata,
    sa.Column("account_id", ID, _fk("accounts.id", cascade=True), primary_key=True),
    _position(),
    sa.Column("service_id", ID, _fk("services.id"), nullable=False, index=True),
)

ip_assignments = sa.Table(
    "ip_assignments",
    metadata,
    sa.Column("account_id", ID, _fk("accounts.id", cascade=True), primary_key=True),
    _position(),
    sa.Column("prefix", sa.Text, nullable=False),
)

radius_accounts = sa.Table(
    "radius_accounts",
    metadata,
    sa.Column("account_id", ID, _fk("accounts.id", cascade=True), primary_key=True),
    _position(),
    sa.Column("username", sa.Text, nullable=False, unique=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("password", sa.Text),  # plaintext, or crypto.PREFIX + sealed with a key
    sa.Column("framed_ip", sa.Text),
    sa.Column("framed_ipv6_prefix", sa.Text),
    sa.Column("delegated_ipv6_prefix", sa.Text),
)


def _filtered(name: str, *extra: sa.Column[object]) -> sa.Table:
    """An address list or RADIUS group: the membership filter's scalar parts."""
    return sa.Table(
        name,
        metadata,
        _id(),
        _name(),
        sa.Column("account_status", sa.Text, nullable=False),
        sa.Column("delinquency", sa.Text, nullable=False),
        sa.Column("usage", sa.Text, nullable=False),
        sa.Column("devices", sa.Text, nullable=False),  # JSON list of device names
        *extra,
    )


def _filter_ids(name: str, owner: str) -> sa.Table:
    """The id-list filters: `field` is "status_ids", "service_ids", ...; `ref_id` the id.

    One link table per owner rather than ten (one per filter): the referenced table
    depends on `field`, so the store checks these references itself.
    """
    return sa.Table(
        name,
        metadata,
        sa.Column("owner_id", ID, _fk(f"{owner}.id", cascade=True), primary_key=True),
        sa.Column("field", sa.Text, primary_key=True),
        sa.Column("ref_id", ID, primary_key=True, autoincrement=False),
        sa.Index(f"ix_{name}_field_ref_id", "field", "ref_id"),
    )


address_lists = _filtered("address_lists")
address_list_filters = _filter_ids("address_list_filters", "address_lists")

radius_groups = _filtered(
    "radius_groups",
    sa.Column("priority", sa.BigInteger, nullable=False),
    sa.Column("fall_through", sa.Boolean, nullable=False),
)
radius_group_filters = _filter_ids("radius_group_filters", "radius_groups")

radius_group_replies = sa.Table(
    "radius_group_replies",
    metadata,
    sa.Column("radius_group_id", ID, _fk("radius_groups.id", cascade=True), primary_key=True),
    _position(),
    sa.Column("attribute", sa.Text, nullable=False),
    sa.Column("op", sa.Text, nullable=False),
    sa.Column("value", sa.Text, nullable=False),
)

scheduled_events = sa.Table(
    "scheduled_events",
    metadata,
    _id(),
    sa.Column("account_id", ID, _fk("accounts.id"), nullable=False, index=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    # A status or a service depending on `action`: checked by the store, not by a key.
    sa.Column("object_id", ID),
    sa.Column("replacement_id", ID),
    sa.Column("complete", sa.Boolean, nullable=False),
    sa.Column("error", sa.Text),
)

vacations = sa.Table(
    "vacations",
    metadata,
    _id(),
    sa.Column("account_id", ID, _fk("accounts.id"), nullable=False, index=True),
    sa.Column("start_at", UtcDateTime, nullable=False),
    sa.Column("end_at", UtcDateTime, nullable=False),
    sa.Column("status_id", ID, _fk("account_statuses.id"), nullable=False, index=True),
    sa.Column("service_id", ID, _fk("services.id"), nullable=False, index=True),
    sa.Column("saved_status_id", ID, _fk("account_statuses.id"), index=True),
    sa.Column("saved_service_id", ID, _fk("services.id"), index=True),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("error", sa.Text),
)

triggers = sa.Table(
    "triggers",
    metadata,
    _id(),
    _name(),
    sa.Column("event", sa.Text, nullable=False),
    sa.Column("percent", sa.Float),
    sa.Column("webhook_url", sa.Text, nullable=False),
    sa.Column("secret", sa.Text),  # plaintext, or crypto.PREFIX + sealed with a key
    sa.Column("allow_http", sa.Boolean, nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", ID, primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("object_id", ID),
    sa.Column("before", sa.Text),  # JSON
    sa.Column("after", sa.Text),  # JSON
    # Never reuse an id, even the last one after a retention purge: clients page with
    # `after=`; on SQLite that needs AUTOINCREMENT.
    sqlite_autoincrement=True,
)
