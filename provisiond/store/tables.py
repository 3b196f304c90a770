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

# RADIUS sessions from accounting (DESIGN.md §5; migration 0002). `account_id` is not a
# foreign key: accounting for unknown users is stored too, and a session is a record
# that outlives its account. Ids are assigned by the accounting writer, the only writer.
sessions = sa.Table(
    "sessions",
    metadata,
    _id(),
    sa.Column("nas", sa.Text, nullable=False),  # the [[device]] name
    sa.Column("acct_session_id", sa.Text, nullable=False),
    sa.Column("username", sa.Text, nullable=False),
    sa.Column("account_id", ID, index=True),
    sa.Column("framed_ip", sa.Text),
    sa.Column("framed_ipv6_prefix", sa.Text),
    sa.Column("delegated_ipv6_prefix", sa.Text),
    sa.Column("nas_ip_address", sa.Text),
    sa.Column("nas_identifier", sa.Text),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("input_octets", sa.BigInteger, nullable=False),  # from the subscriber
    sa.Column("output_octets", sa.BigInteger, nullable=False),  # to the subscriber
    sa.Column("session_time", sa.BigInteger, nullable=False),  # seconds
    sa.Column("state", sa.Text, nullable=False),  # "open" or "closed"
    sa.Column("terminate_cause", sa.Text),
    sa.Column("last_applied", sa.JSON(none_as_null=True)),  # [[attribute, value], ...]
    sa.Column("last_coa", sa.JSON(none_as_null=True)),  # {at, result, error_cause} (0005)
    sa.Column("external_override", sa.JSON(none_as_null=True)),  # {at, attributes} (0005)
    # The key of every record, open or closed (a late Stop looks up the closed one) ...
    sa.Index("ix_sessions_nas_acct_session_id_username", "nas", "acct_session_id", "username"),
    # ... and at most one open session per key.
    sa.Index(
        "uq_sessions_open_key",
        "nas",
        "acct_session_id",
        "username",
        unique=True,
        sqlite_where=sa.text("state = 'open'"),
        postgresql_where=sa.text("state = 'open'"),
    ),
    # The open sessions in id order, for the API's listing (migration 0007).
    sa.Index(
        "ix_sessions_open_id",
        "id",
        sqlite_where=sa.text("state = 'open'"),
        postgresql_where=sa.text("state = 'open'"),
    ),
)

# The CoA outbox (DESIGN.md §5, §8; migration 0005): one row per session with CoA work
# pending. The work is "bring this session in line with the policy", recomputed when it
# is sent, so later changes coalesce into the row. `action` is "coa" (recompute, and
# send whatever the difference needs) or "disconnect" (a Disconnect-Request whatever
# the reply is: a deleted account, a changed password or address, an admin's request);
# `reasons` the comma-separated `coa_on` reasons that queued it; `held` a Disconnect the
# breaker holds for approval. Not a foreign key: the session row may be purged first.
coa_outbox = sa.Table(
    "coa_outbox",
    metadata,
    sa.Column("session_id", ID, primary_key=True, autoincrement=False),
    sa.Column("account_id", ID),
    sa.Column("action", sa.Text, nullable=False),  # "coa" or "disconnect"
    sa.Column("reasons", sa.Text, nullable=False),
    sa.Column("queued_at", UtcDateTime, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("held", sa.Boolean, nullable=False),
)

# Every address-list name provisiond has managed on a device (migration 0003), so a full
# resync also prints lists that are no longer defined and removes our entries there
# (DESIGN.md §4). `list_id` is the address list that last had this name on the device:
# a list whose id now goes by another name was renamed (`set list=`). It is not a foreign
# key: the memory must outlive the list's deletion.
managed_lists = sa.Table(
    "managed_lists",
    metadata,
    sa.Column("device", sa.Text, primary_key=True),  # the [[device]] name
    sa.Column("family", sa.Integer, primary_key=True),  # 4 or 6
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("list_id", ID),
    sa.Column("first_seen", UtcDateTime, nullable=False),
    sa.Column("last_seen", UtcDateTime, nullable=False),
)

# The webhook outbox (DESIGN.md §6, §8; migration 0004): one row per trigger and event,
# written in the transaction that raised the event, so an event is never lost and never
# queued twice. The id is the delivery id a receiver sees; AUTOINCREMENT never reuses one.
# `trigger_id` is not a foreign key: the delivery log outlives a deleted trigger.
# `once_key` makes an event fire once per trigger and key (a usage period); NULLs never
# collide in a unique index, so deliveries without one are unconstrained.
trigger_deliveries = sa.Table(
    "trigger_deliveries",
    metadata,
    sa.Column("id", ID, primary_key=True, autoincrement=True),
    sa.Column("trigger_id", ID, nullable=False),
    sa.Column("event", sa.Text, nullable=False),
    sa.Column("account_id", ID),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("data", sa.Text, nullable=False),  # JSON
    sa.Column("status", sa.Text, nullable=False),  # "pending", "delivered", "failed"
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_status_code", sa.Integer),
    sa.Column("last_error", sa.Text),
    sa.Column("next_attempt_at", UtcDateTime),  # NULL once delivered or failed
    sa.Column("give_up_at", UtcDateTime, nullable=False),
    sa.Column("once_key", sa.Text),
    sa.Index("ix_trigger_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    sa.Index("uq_trigger_deliveries_trigger_id_once_key", "trigger_id", "once_key", unique=True),
    sqlite_autoincrement=True,
)

# How far a follower of the audit log has read (migration 0004): the trigger engine's
# position, advanced in the transaction that queues the deliveries it derived.
event_cursors = sa.Table(
    "event_cursors",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("position", ID, nullable=False),
)

# Audit ids of imports that asked for triggers (`?triggers=true`, `import --triggers`;
# migration 0004): every other "import" entry fires nothing.
trigger_imports = sa.Table(
    "trigger_imports",
    metadata,
    sa.Column("first_audit_id", ID, primary_key=True, autoincrement=False),
    sa.Column("last_audit_id", ID, nullable=False),
)

# Usage per account and period (DESIGN.md §6; migration 0006): billable and free bytes in
# each direction (`in` = toward the subscriber) of the calendar month in `[usage]
# timezone` that starts at `period_start` (stored in UTC). Accounting adds to it in the
# transaction that stores the records it comes from, so a retransmit or a crash never
# counts twice and never loses anything. `account_id` is not a foreign key: usage is a
# record of what happened, as sessions are.
usage_totals = sa.Table(
    "usage_totals",
    metadata,
    sa.Column("account_id", ID, primary_key=True, autoincrement=False),
    sa.Column("period_start", UtcDateTime, primary_key=True),
    sa.Column("billable_in", sa.BigInteger, nullable=False),
    sa.Column("billable_out", sa.BigInteger, nullable=False),
    sa.Column("free_in", sa.BigInteger, nullable=False),
    sa.Column("free_out", sa.BigInteger, nullable=False),
    sa.Index("ix_usage_totals_period_start", "period_start"),
)

# The last SNMP byte counters of each of provisiond's simple queues per device (migration
# 0006), so the next poll's difference is the usage in between, across restarts. The
# counters are Counter64, beyond a signed 64-bit column: they are kept as decimal text.
usage_queue_counters = sa.Table(
    "usage_queue_counters",
    metadata,
    sa.Column("device", sa.Text, primary_key=True),  # the [[device]] name
    sa.Column("queue", sa.Text, primary_key=True),  # "<comment_prefix>-<account_id>"
    sa.Column("download_bytes", sa.Text, nullable=False),
    sa.Column("upload_bytes", sa.Text, nullable=False),
    sa.Column("polled_at", UtcDateTime, nullable=False),
)
