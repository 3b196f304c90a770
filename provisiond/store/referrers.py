"""Who still refers to an object: what makes a delete a 409 (DESIGN.md §7).

Every reference counts, including those of completed scheduled events and finished
vacations: they are records of what happened and must keep naming real objects. An
account's own events and vacations do not hold it; they are deleted with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import sqlalchemy as sa

from provisiond.model.errors import ConflictError
from provisiond.store import constraints, tables

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.ext.asyncio import AsyncConnection

_SHOWN: Final = 5  # ids named per referring kind; the rest are counted


@dataclass(frozen=True, slots=True)
class Referrer:
    label: str  # plural, for the message
    query: Callable[[int], sa.Select[int]]


def _filter(table: sa.Table, field: str) -> Callable[[int], sa.Select[int]]:
    def query(ref_id: int) -> sa.Select[int]:
        return sa.select(table.c.owner_id).where(table.c.field == field, table.c.ref_id == ref_id)

    return query


def _filters(field: str) -> tuple[Referrer, Referrer]:
    return (
        Referrer("address lists", _filter(tables.address_list_filters, field)),
        Referrer("RADIUS groups", _filter(tables.radius_group_filters, field)),
    )


def _column(table: sa.Table, *names: str) -> Callable[[int], sa.Select[int]]:
    owner = "account_id" if "id" not in table.c else "id"

    def query(ref_id: int) -> sa.Select[int]:
        return sa.select(table.c[owner]).where(sa.or_(*(table.c[n] == ref_id for n in names)))

    return query


def _events(actions: frozenset[str], *, replacement: bool) -> Callable[[int], sa.Select[int]]:
    events = tables.scheduled_events

    def query(ref_id: int) -> sa.Select[int]:
        named = sa.and_(events.c.object_id == ref_id, events.c.action.in_(sorted(actions)))
        if replacement:
            named = sa.or_(named, events.c.replacement_id == ref_id)
        return sa.select(events.c.id).where(named)

    return query


REFERRERS: Final[dict[str, tuple[Referrer, ...]]] = {
    "account_statuses": (
        Referrer("accounts", _column(tables.accounts, "status_id")),
        *_filters("status_ids"),
        Referrer("scheduled events", _events(constraints.STATUS_ACTIONS, replacement=False)),
        Referrer("vacations", _column(tables.vacations, "status_id", "saved_status_id")),
    ),
    "account_types": (
        Referrer("accounts", _column(tables.accounts, "type_id")),
        *_filters("type_ids"),
    ),
    "account_groups": (
        Referrer("accounts", _column(tables.account_group_members, "group_id")),
        *_filters("group_ids"),
    ),
    "usage_policies": (
        Referrer("services", _column(tables.services, "usage_policy_id")),
        *_filters("usage_policy_ids"),
    ),
    "services": (
        Referrer("accounts", _column(tables.account_services, "service_id")),
        *_filters("service_ids"),
        Referrer("scheduled events", _events(constraints.SERVICE_ACTIONS, replacement=True)),
        Referrer("vacations", _column(tables.vacations, "service_id", "saved_service_id")),
    ),
    "accounts": (Referrer("accounts (as parent)", _column(tables.accounts, "parent_id")),),
}


async def refuse_if_referenced(conn: AsyncConnection, kind: str, obj_id: int) -> None:
    """ConflictError naming every kind (and some ids) still referring to the object."""
    parts: list[str] = []
    for referrer in REFERRERS.get(kind, ()):
        query = referrer.query(obj_id).distinct()
        first = query.order_by(query.selected_columns[0]).limit(_SHOWN)
        ids = [int(i) for i in (await conn.execute(first)).scalars()]
        if not ids:
            continue
        total = len(ids)
        if total == _SHOWN:
            counted = sa.select(sa.func.count()).select_from(query.subquery())
            total = int((await conn.execute(counted)).scalar_one())
        more = f" and {total - len(ids)} more" if total > len(ids) else ""
        parts.append(f"{referrer.label} {', '.join(map(str, ids))}{more}")
    if parts:
        raise ConflictError(
            f"{constraints.LABELS[kind]} {obj_id} is in use by {'; '.join(parts)}", field=None
        )
