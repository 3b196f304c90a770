"""The retry policy of the webhook outbox, and the delivery body (`store.outbox`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from provisiond.model.enums import TriggerEvent
from provisiond.store.outbox import (
    GIVE_UP_AFTER,
    Attempt,
    Delivery,
    DeliveryStatus,
    settle,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PENDING = Delivery(
    id=7,
    trigger_id=3,
    event=TriggerEvent.ACCOUNT_DELINQUENT,
    account_id=100,
    occurred_at=T0,
    data={"before": {"delinquent": False}, "after": {"delinquent": True}},
    status=DeliveryStatus.PENDING,
    attempts=0,
    give_up_at=T0 + GIVE_UP_AFTER,
    next_attempt_at=T0,
)


def test_the_body_is_the_contract_shape() -> None:
    assert json.loads(PENDING.body()) == {
        "id": 7,
        "event": "account.delinquent",
        "occurred_at": "2026-01-01T00:00:00Z",
        "account_id": 100,
        "data": {"before": {"delinquent": False}, "after": {"delinquent": True}},
    }
    assert PENDING.body() == PENDING.body()


def test_any_2xx_delivers() -> None:
    for code in (200, 202, 204, 299):
        done = settle(PENDING, Attempt(status_code=code), now=T0)
        assert done.status is DeliveryStatus.DELIVERED
        assert (done.attempts, done.last_status_code, done.next_attempt_at) == (1, code, None)


def test_a_failure_retries_a_minute_later_for_four_hours() -> None:
    delivery, now = PENDING, T0
    while delivery.status is DeliveryStatus.PENDING:
        delivery = settle(delivery, Attempt(status_code=500, error="HTTP 500"), now=now)
        if delivery.next_attempt_at is not None:
            assert delivery.next_attempt_at == now + timedelta(minutes=1)
            now = delivery.next_attempt_at
    assert delivery.status is DeliveryStatus.FAILED
    assert delivery.attempts == 241  # at 0, 1, ..., 240 minutes
    assert now == T0 + GIVE_UP_AFTER


def test_a_refused_target_fails_at_once() -> None:
    failed = settle(PENDING, Attempt(error="refused", permanent=True), now=T0)
    assert failed.status is DeliveryStatus.FAILED
    assert failed.attempts == 1
