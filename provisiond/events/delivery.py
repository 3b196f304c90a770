"""`Deliverer`: sends the outbox's webhook deliveries (DESIGN.md §6).

A loop picks pending deliveries whose time has come and starts one task per delivery,
at most `concurrency` at a time, so a slow receiver never holds up the daemon or the
other receivers; every request has a timeout. Each attempt is written down as soon as it
is answered (`outbox.record`): after a 2xx the delivery is `delivered` and never picked
again. A daemon stopped between a 2xx and that write sends it once more at the next
start, with the same `id`, which is what receivers deduplicate on (docs/triggers.md).

Between passes the loop sleeps on the injected clock until the next delivery is due, a
poke (`wake()`: something was queued), or a change to scheduled events or vacations (the
API may have queued a `scheduled_event.failed`); `poll_interval` bounds the sleep.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import TYPE_CHECKING, Final, Protocol

from provisiond.events import signing
from provisiond.events.errors import DeliveryError
from provisiond.events.loop import PacedLoop
from provisiond.model.errors import NotFoundError
from provisiond.model.objects import Trigger
from provisiond.store import outbox

if TYPE_CHECKING:
    from collections.abc import Mapping

    from provisiond.model.clock import Clock
    from provisiond.observability.metrics import Metrics
    from provisiond.store import Store

log = logging.getLogger(__name__)

CONCURRENCY: Final = 8  # requests in flight at once
POLL_INTERVAL: Final = 60.0  # seconds; the longest sleep without a wake-up
WATCHED: Final = ("scheduled_events", "vacations")


class Sender(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def post(
        self, url: str, body: bytes, headers: Mapping[str, str], *, allow_http: bool
    ) -> int:
        """POST `body`; the status code, or `DeliveryError` (`permanent`: do not retry)."""


class Deliverer(PacedLoop):
    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        sender: Sender,
        metrics: Metrics,
        concurrency: int = CONCURRENCY,
        poll_interval: float = POLL_INTERVAL,
    ) -> None:
        self._store = store
        self._clock = clock
        self._sender = sender
        self._metrics = metrics
        self._concurrency = concurrency
        self._poll_interval = poll_interval
        super().__init__("webhook sender", clock, store.feed, WATCHED)
        self._attempts: dict[int, asyncio.Task[None]] = {}

    async def _opening(self) -> None:
        await self._sender.open()

    async def stop(self) -> None:
        """Stop picking, cancel the requests in flight (they stay pending), close."""
        await super().stop()
        attempts = list(self._attempts.values())
        for attempt in attempts:
            attempt.cancel()
        await asyncio.gather(*attempts, return_exceptions=True)
        await self._sender.close()

    async def settled(self) -> None:
        """Return once no request is in flight and nothing due waits."""
        while True:
            await super().settled()
            if not self._attempts:
                return
            await asyncio.wait(list(self._attempts.values()))

    async def _pass(self) -> float | None:
        free = self._concurrency - len(self._attempts)
        if free <= 0:
            return None  # a finishing attempt wakes the loop
        busy = frozenset(self._attempts)
        now = self._clock.now()
        read = functools.partial(outbox.due, now=now, limit=free, exclude=busy)
        for delivery in await self._store.write(read):
            self._spawn(delivery)
        if len(self._attempts) >= self._concurrency:
            return None
        upcoming = await self._store.write(
            functools.partial(outbox.next_attempt, exclude=frozenset(self._attempts))
        )
        if upcoming is None:
            return self._poll_interval
        return min((upcoming - self._clock.now()).total_seconds(), self._poll_interval)

    def _spawn(self, delivery: outbox.Delivery) -> None:
        task = asyncio.create_task(self._deliver(delivery), name=f"webhook-{delivery.id}")
        self._attempts[delivery.id] = task
        self._metrics.webhooks_in_flight.set(len(self._attempts))
        task.add_done_callback(functools.partial(self._finished, delivery.id))

    def _finished(self, delivery_id: int, task: asyncio.Task[None]) -> None:
        self._attempts.pop(delivery_id, None)
        self._metrics.webhooks_in_flight.set(len(self._attempts))
        if not task.cancelled() and task.exception() is not None:
            log.error("webhook delivery %d: %s", delivery_id, task.exception())
        self.wake()

    async def _deliver(self, delivery: outbox.Delivery) -> None:
        attempt = await self.attempt(delivery)
        record = functools.partial(
            outbox.record, delivery_id=delivery.id, attempt=attempt, now=self._clock.now()
        )
        settled = await self._store.write(record)
        if settled is not None:
            self._report(settled, attempt)

    async def attempt(self, delivery: outbox.Delivery) -> outbox.Attempt:
        """One POST of `delivery` to its trigger, signed now."""
        try:
            trigger = await self._store.get(Trigger, delivery.trigger_id)
        except NotFoundError:
            return outbox.Attempt(error="the trigger was deleted", permanent=True)
        if trigger.secret is None:
            # Unsigned, a receiver could not tell it from a forgery: set a secret.
            return outbox.Attempt(error="the trigger has no secret", permanent=True)
        body = delivery.body()
        headers = signing.headers(trigger.secret, int(self._clock.now().timestamp()), body)
        try:
            code = await self._sender.post(
                trigger.webhook_url, body, headers, allow_http=trigger.allow_http
            )
        except DeliveryError as exc:
            return outbox.Attempt(error=str(exc), permanent=exc.permanent)
        error = None if code in outbox.SUCCESS else f"HTTP {code}"
        return outbox.Attempt(status_code=code, error=error)

    def _report(self, delivery: outbox.Delivery, attempt: outbox.Attempt) -> None:
        status = delivery.status
        outcome = "retry" if status is outbox.DeliveryStatus.PENDING else status.value
        self._metrics.webhook_attempts.labels(outcome).inc()
        if status is outbox.DeliveryStatus.DELIVERED and delivery.attempts > 1:
            log.info("webhook delivery %d delivered at attempt %d", delivery.id, delivery.attempts)
        elif status is outbox.DeliveryStatus.FAILED:
            log.warning(
                "webhook delivery %d to trigger %d failed after %d attempts: %s",
                delivery.id,
                delivery.trigger_id,
                delivery.attempts,
                attempt.error,
                extra={"account_id": delivery.account_id},
            )
        elif delivery.attempts == 1:
            # Logged once, not on each of up to 240 retries.
            log.warning(
                "webhook delivery %d to trigger %d: %s; retrying once a minute",
                delivery.id,
                delivery.trigger_id,
                attempt.error,
                extra={"account_id": delivery.account_id},
            )
