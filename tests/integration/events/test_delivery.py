"""Webhook delivery: signed POSTs to a real receiver, the SSRF refusals at delivery time,
the once-a-minute retries for four hours, and no second delivery after a 2xx."""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

from provisiond.config.settings import WebhooksSettings
from provisiond.events.delivery import Deliverer
from provisiond.events.sender import HttpSender
from provisiond.events.triggers import Triggers
from provisiond.model.enums import TriggerEvent
from provisiond.model.objects import Trigger
from provisiond.model.secret import Secret
from provisiond.store import outbox
from tests.integration.events.receiver import SECRET, Receiver

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Mapping

    from provisiond.observability.metrics import Metrics
    from provisiond.runtime.clock import FakeClock
    from provisiond.store import Store
    from tests.integration.events.conftest import Running

DEVICE_DOWN = {"device": "core-1", "error": "connection refused"}
ALLOW_LOOPBACK = WebhooksSettings(allow_hosts=("127.0.0.1", "localhost"), timeout=2.0)


@pytest_asyncio.fixture
async def receiver(clock: FakeClock) -> AsyncIterator[Receiver]:
    started = Receiver(clock)
    await started.start()
    yield started
    await started.stop()


async def add_trigger(store: Store, url: str, *, secret: str | None = SECRET) -> Trigger:
    trigger = Trigger(
        0,
        url,
        TriggerEvent.DEVICE_UNREACHABLE,
        url,
        secret=None if secret is None else Secret(secret),
        allow_http=True,
    )
    return await store.create(trigger, actor="admin")


async def fire(store: Store, clock: FakeClock, metrics: Metrics) -> None:
    await Triggers(store, clock, metrics=metrics).fire(
        TriggerEvent.DEVICE_UNREACHABLE, None, DEVICE_DOWN
    )


async def deliveries(store: Store) -> list[outbox.Delivery]:
    return await store.write(functools.partial(outbox.page, after=None, limit=1000))


def http_deliverer(
    store: Store, clock: FakeClock, metrics: Metrics, settings: WebhooksSettings
) -> Deliverer:
    sender = HttpSender(lambda: settings, concurrency=4)
    return Deliverer(store, clock, sender=sender, metrics=metrics, concurrency=4)


async def test_a_signed_delivery_reaches_the_receiver_once(
    store: Store, clock: FakeClock, metrics: Metrics, running: Running, receiver: Receiver
) -> None:
    await add_trigger(store, receiver.url())
    await fire(store, clock, metrics)
    first = http_deliverer(store, clock, metrics, ALLOW_LOOPBACK)
    await running.start(first)
    await first.settled()
    [delivery] = await deliveries(store)
    assert receiver.refused == 0
    assert receiver.received == [
        {
            "id": delivery.id,
            "event": "device.unreachable",
            "occurred_at": "2026-01-01T00:00:00Z",
            "account_id": None,
            "data": DEVICE_DOWN,
        }
    ]
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        outbox.DeliveryStatus.DELIVERED,
        1,
        204,
    )
    await running.stop(first)
    second = http_deliverer(store, clock, metrics, ALLOW_LOOPBACK)
    await running.start(second)
    await clock.advance(3600)
    await second.settled()
    assert len(receiver.received) == 1


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_an_internal_target_fails_at_once_without_the_allow_list(
    store: Store,
    clock: FakeClock,
    metrics: Metrics,
    running: Running,
    receiver: Receiver,
    *,
    host: str,
) -> None:
    await add_trigger(store, receiver.url(host=host))  # the API would refuse it: see test_api
    await fire(store, clock, metrics)
    deliverer = http_deliverer(store, clock, metrics, WebhooksSettings())
    await running.start(deliverer)
    await deliverer.settled()
    [delivery] = await deliveries(store)
    assert (delivery.status, delivery.attempts) == (outbox.DeliveryStatus.FAILED, 1)
    assert delivery.last_error is not None
    assert "allow_hosts" in delivery.last_error
    assert receiver.hits == {}


async def test_a_redirect_is_not_followed(
    store: Store, clock: FakeClock, metrics: Metrics, running: Running, receiver: Receiver
) -> None:
    receiver.statuses = [302]
    await add_trigger(store, receiver.url())
    await fire(store, clock, metrics)
    deliverer = http_deliverer(store, clock, metrics, ALLOW_LOOPBACK)
    await running.start(deliverer)
    await deliverer.settled()
    [delivery] = await deliveries(store)
    assert (delivery.status, delivery.last_status_code) == (outbox.DeliveryStatus.PENDING, 302)
    assert receiver.hits == {"/hook": 1}


async def test_a_receiver_that_hangs_times_out(
    store: Store, clock: FakeClock, metrics: Metrics, running: Running, receiver: Receiver
) -> None:
    receiver.hang = asyncio.Event()
    await add_trigger(store, receiver.url())
    await fire(store, clock, metrics)
    quick = WebhooksSettings(allow_hosts=("127.0.0.1",), timeout=0.2)
    deliverer = http_deliverer(store, clock, metrics, quick)
    await running.start(deliverer)
    await deliverer.settled()
    [delivery] = await deliveries(store)
    assert delivery.status is outbox.DeliveryStatus.PENDING
    assert delivery.last_error is not None
    assert delivery.last_error.startswith("no answer")


@dataclass
class ScriptedSender:
    """Answers from a script (then 500s), noting when each POST came."""

    clock: FakeClock
    answers: list[int] = field(default_factory=list)
    posts: list[float] = field(default_factory=list)
    gate: asyncio.Event | None = None
    in_flight: int = 0
    most_in_flight: int = 0
    busy: asyncio.Event = field(default_factory=asyncio.Event)  # most_in_flight reached 3

    async def open(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def post(
        self, url: str, body: bytes, headers: Mapping[str, str], *, allow_http: bool
    ) -> int:
        del url, body, headers, allow_http
        self.posts.append(self.clock.monotonic())
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        if self.most_in_flight >= 3:
            self.busy.set()
        try:
            if self.gate is not None:
                await self.gate.wait()
        finally:
            self.in_flight -= 1
        return self.answers.pop(0) if self.answers else 500


@pytest.fixture
def scripted(
    store: Store, clock: FakeClock, metrics: Metrics
) -> Callable[..., tuple[ScriptedSender, Deliverer]]:
    def make(*answers: int, concurrency: int = 8) -> tuple[ScriptedSender, Deliverer]:
        sender = ScriptedSender(clock, list(answers))
        deliverer = Deliverer(store, clock, sender=sender, metrics=metrics, concurrency=concurrency)
        return sender, deliverer

    return make


async def test_retries_once_a_minute_then_fails_after_four_hours(
    store: Store,
    clock: FakeClock,
    metrics: Metrics,
    running: Running,
    scripted: Callable[..., tuple[ScriptedSender, Deliverer]],
) -> None:
    await add_trigger(store, "https://hooks.example.net/x")
    await fire(store, clock, metrics)
    sender, deliverer = scripted()
    await running.start(deliverer)
    await deliverer.settled()
    for _minute in range(245):
        await clock.advance(60)
        await deliverer.settled()
    assert sender.posts == [60.0 * minute for minute in range(241)]
    [delivery] = await deliveries(store)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        outbox.DeliveryStatus.FAILED,
        241,
        500,
    )


async def test_after_a_2xx_nothing_is_sent_again(
    store: Store,
    clock: FakeClock,
    metrics: Metrics,
    running: Running,
    scripted: Callable[..., tuple[ScriptedSender, Deliverer]],
) -> None:
    await add_trigger(store, "https://hooks.example.net/x")
    await fire(store, clock, metrics)
    sender, deliverer = scripted(503, 500, 200)
    await running.start(deliverer)
    for _minute in range(5):
        await deliverer.settled()
        await clock.advance(60)
    await deliverer.settled()
    assert sender.posts == [0.0, 60.0, 120.0]
    [delivery] = await deliveries(store)
    assert (delivery.status, delivery.attempts) == (outbox.DeliveryStatus.DELIVERED, 3)


async def test_requests_in_flight_are_bounded(
    store: Store,
    clock: FakeClock,
    metrics: Metrics,
    running: Running,
    scripted: Callable[..., tuple[ScriptedSender, Deliverer]],
) -> None:
    await add_trigger(store, "https://hooks.example.net/x")
    for _ in range(7):
        await fire(store, clock, metrics)
    sender, deliverer = scripted(*[200] * 7, concurrency=3)
    sender.gate = asyncio.Event()
    await running.start(deliverer)
    await sender.busy.wait()
    sender.gate.set()
    await deliverer.settled()
    assert sender.most_in_flight == 3
    assert {d.status for d in await deliveries(store)} == {outbox.DeliveryStatus.DELIVERED}


async def test_a_trigger_without_a_secret_or_deleted_fails(
    store: Store,
    clock: FakeClock,
    metrics: Metrics,
    running: Running,
    scripted: Callable[..., tuple[ScriptedSender, Deliverer]],
) -> None:
    await add_trigger(store, "https://hooks.example.net/unsigned", secret=None)
    gone = await add_trigger(store, "https://hooks.example.net/gone")
    await fire(store, clock, metrics)
    await store.delete(Trigger, gone.id, actor="admin")
    sender, deliverer = scripted()
    await running.start(deliverer)
    await deliverer.settled()
    errors = {d.last_error for d in await deliveries(store)}
    assert errors == {"the trigger has no secret", "the trigger was deleted"}
    assert sender.posts == []
