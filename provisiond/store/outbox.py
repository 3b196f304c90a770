"""The webhook outbox (DESIGN.md §6, §8): trigger deliveries, durable and idempotent.

An event is turned into one row per trigger listening for it, inside the transaction
that raised the event (a scheduled event's failure, the trigger engine's read of the
audit log), so it is queued exactly once or not at all. The row's id is the delivery id
a receiver sees; the body is rebuilt from the row for each attempt, byte for byte the
same. A row leaves `pending` once: `delivered` after a 2xx, `failed` when its target is
refused or its retries run out, and is never picked up again.

`settle` is the retry policy, pure: once a minute for up to four hours (Sonar's cadence).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

import sqlalchemy as sa

from provisiond.model.enums import TriggerEvent
from provisiond.schema.fields import render_timestamp
from provisiond.store.tables import trigger_deliveries as table
from provisiond.store.tables import triggers

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping
    from datetime import datetime

    from sqlalchemy.engine import RowMapping
    from sqlalchemy.ext.asyncio import AsyncConnection

RETRY_INTERVAL: Final = timedelta(minutes=1)
GIVE_UP_AFTER: Final = timedelta(hours=4)
SUCCESS: Final = range(200, 300)
ERROR_LENGTH: Final = 500  # characters of an error message kept on the row


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    trigger_id: int
    event: TriggerEvent
    account_id: int | None
    occurred_at: datetime
    data: dict[str, Any]  # JSON
    status: DeliveryStatus
    attempts: int
    give_up_at: datetime
    next_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None

    def body(self) -> bytes:
        """The POST body of DESIGN.md §6, the same bytes on every attempt."""
        document = {
            "id": self.id,
            "event": self.event.value,
            "occurred_at": render_timestamp(self.occurred_at),
            "account_id": self.account_id,
            "data": self.data,
        }
        return json.dumps(document, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one POST came to: a status code, or an error (`permanent`: never retried)."""

    status_code: int | None = None
    error: str | None = None
    permanent: bool = False

    @property
    def succeeded(self) -> bool:
        return self.status_code in SUCCESS


def settle(delivery: Delivery, attempt: Attempt, *, now: datetime) -> Delivery:
    """The delivery after `attempt`: delivered, failed, or pending a minute later."""
    done = replace(
        delivery,
        attempts=delivery.attempts + 1,
        last_status_code=attempt.status_code,
        last_error=None if attempt.error is None else attempt.error[:ERROR_LENGTH],
        next_attempt_at=None,
    )
    if attempt.succeeded:
        return replace(done, status=DeliveryStatus.DELIVERED)
    retry_at = now + RETRY_INTERVAL
    if attempt.permanent or retry_at > delivery.give_up_at:
        return replace(done, status=DeliveryStatus.FAILED)
    return replace(done, next_attempt_at=retry_at)


def _delivery(row: RowMapping) -> Delivery:
    return Delivery(
        id=row["id"],
        trigger_id=row["trigger_id"],
        event=TriggerEvent(row["event"]),
        account_id=row["account_id"],
        occurred_at=row["occurred_at"],
        data=json.loads(row["data"]),
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        give_up_at=row["give_up_at"],
        next_attempt_at=row["next_attempt_at"],
        last_status_code=row["last_status_code"],
        last_error=row["last_error"],
    )


async def _listeners(
    conn: AsyncConnection, event: TriggerEvent, data: Mapping[str, Any]
) -> list[int]:
    """The triggers an event goes to; a usage trigger only once its `percent` is reached."""
    query = sa.select(triggers.c.id, triggers.c.percent).where(triggers.c.event == event.value)
    found = (await conn.execute(query.order_by(triggers.c.id))).all()
    if event is not TriggerEvent.ACCOUNT_USAGE_THRESHOLD:
        return [row.id for row in found]
    reached = float(data.get("percent") or 0)
    return [row.id for row in found if row.percent is None or row.percent <= reached]


async def _already_fired(conn: AsyncConnection, trigger_ids: list[int], once_key: str) -> set[int]:
    query = sa.select(table.c.trigger_id).where(
        table.c.once_key == once_key, table.c.trigger_id.in_(trigger_ids)
    )
    return set((await conn.scalars(query)).all())


async def enqueue(
    conn: AsyncConnection,
    *,
    event: TriggerEvent,
    account_id: int | None,
    data: Mapping[str, Any],
    occurred_at: datetime,
    once_key: str | None = None,
) -> list[int]:
    """Queue `event` for every trigger listening; the new delivery ids.

    With `once_key`, a trigger that already has a delivery with that key gets none.
    """
    trigger_ids = await _listeners(conn, event, data)
    if once_key is not None and trigger_ids:
        fired = await _already_fired(conn, trigger_ids, once_key)
        trigger_ids = [trigger_id for trigger_id in trigger_ids if trigger_id not in fired]
    text = json.dumps(data, separators=(",", ":"))
    values = {
        "event": event.value,
        "account_id": account_id,
        "occurred_at": occurred_at,
        "data": text,
        "status": DeliveryStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": occurred_at,
        "give_up_at": occurred_at + GIVE_UP_AFTER,
        "once_key": once_key,
    }
    created: list[int] = []
    for trigger_id in trigger_ids:
        insert = table.insert().values(trigger_id=trigger_id, **values).returning(table.c.id)
        created.append((await conn.execute(insert)).scalar_one())
    return created


async def due(
    conn: AsyncConnection, *, now: datetime, limit: int, exclude: Collection[int] = ()
) -> list[Delivery]:
    """Pending deliveries whose time has come, oldest first, except those in `exclude`."""
    query = (
        sa.select(table)
        .where(table.c.status == DeliveryStatus.PENDING.value, table.c.next_attempt_at <= now)
        .order_by(table.c.next_attempt_at, table.c.id)
        .limit(limit)
    )
    if exclude:
        query = query.where(table.c.id.not_in(sorted(exclude)))
    return [_delivery(row) for row in (await conn.execute(query)).mappings()]


async def next_attempt(conn: AsyncConnection, *, exclude: Collection[int] = ()) -> datetime | None:
    """When the next pending delivery outside `exclude` is due, if any is."""
    query = sa.select(sa.func.min(table.c.next_attempt_at)).where(
        table.c.status == DeliveryStatus.PENDING.value
    )
    if exclude:
        query = query.where(table.c.id.not_in(sorted(exclude)))
    found: datetime | None = (await conn.execute(query)).scalar()
    return found


async def get(conn: AsyncConnection, delivery_id: int) -> Delivery | None:
    row = (await conn.execute(sa.select(table).where(table.c.id == delivery_id))).mappings()
    first = row.first()
    return None if first is None else _delivery(first)


async def record(
    conn: AsyncConnection, delivery_id: int, attempt: Attempt, *, now: datetime
) -> Delivery | None:
    """Write down one attempt; None when the delivery is gone or no longer pending."""
    stored = await get(conn, delivery_id)
    if stored is None or stored.status is not DeliveryStatus.PENDING:
        return None
    settled = settle(stored, attempt, now=now)
    await conn.execute(
        table.update()
        .where(table.c.id == delivery_id)
        .values(
            status=settled.status.value,
            attempts=settled.attempts,
            last_status_code=settled.last_status_code,
            last_error=settled.last_error,
            next_attempt_at=settled.next_attempt_at,
        )
    )
    return settled


async def page(conn: AsyncConnection, *, after: int | None, limit: int) -> list[Delivery]:
    """The delivery log by id, for `GET /api/v1/trigger-deliveries`."""
    query = sa.select(table).order_by(table.c.id).limit(limit)
    if after is not None:
        query = query.where(table.c.id > after)
    return [_delivery(row) for row in (await conn.execute(query)).mappings()]
