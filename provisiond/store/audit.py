"""The audit log behind `GET /api/v1/events` (DESIGN.md §7): who changed what, when.

Rows are written by the same transaction as the change they describe, so a rolled-back
write leaves no audit row and a committed one always has its row. `before` and `after`
are the API JSON of the object (`schema.codec.dump`, write-only fields left out), with
`"<changed>"` where a write-only field changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import sqlalchemy as sa

from provisiond.schema import codec
from provisiond.store import tables, writeonly

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import RowMapping
    from sqlalchemy.ext.asyncio import AsyncConnection

    from provisiond.store.kinds import Model

ACTIONS: Final = frozenset({"create", "update", "delete", "import"})


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str  # the token name ("admin", "alice", ...) or "cli"
    action: str  # "create" / "update" / "delete" / "import"
    kind: str  # plural kind name
    object_id: int | None
    # API JSON (hence Any), write-only fields never included.
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Record:
    """One change to log; `before`/`after` are model values (None: did not exist)."""

    action: str
    kind: str
    object_id: int
    before: Model | None
    after: Model | None


def render(record: Record) -> tuple[str | None, str | None]:
    """The `before` and `after` JSON text of a record, secrets reduced to markers."""
    before = None if record.before is None else codec.dump(record.before)
    after = None
    if record.after is not None:
        after = codec.dump(record.after)
        writeonly.mark_changes(after, before=record.before, after=record.after)
    return _text(before), _text(after)


def _text(value: dict[str, object] | None) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"))


async def write(conn: AsyncConnection, records: list[Record], *, at: datetime, actor: str) -> None:
    if not records:
        return
    rows: list[dict[str, object]] = []
    for record in records:
        if record.action not in ACTIONS:
            raise ValueError(f"unknown audit action {record.action!r}")
        before, after = render(record)
        rows.append(
            {
                "at": at,
                "actor": actor,
                "action": record.action,
                "kind": record.kind,
                "object_id": record.object_id,
                "before": before,
                "after": after,
            }
        )
    await conn.execute(tables.audit_log.insert(), rows)


async def read(conn: AsyncConnection, *, after: int | None, limit: int) -> list[AuditEntry]:
    log = tables.audit_log
    query = sa.select(log).order_by(log.c.id).limit(limit)
    if after is not None:
        query = query.where(log.c.id > after)
    return [_entry(row) for row in (await conn.execute(query)).mappings()]


def _entry(row: RowMapping) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        at=row["at"],
        actor=row["actor"],
        action=row["action"],
        kind=row["kind"],
        object_id=row["object_id"],
        before=_json(row["before"]),
        after=_json(row["after"]),
    )


def _json(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    value = json.loads(text)
    if not isinstance(value, dict):
        raise TypeError("an audit row holds a JSON object")
    return value
