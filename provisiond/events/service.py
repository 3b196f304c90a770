"""`EventsService`: the scheduler, the trigger engine and the webhook sender, wired.

What the daemon builds once the store is open, starts once the policy engine follows the
change feed, and stops before closing the store:

    events = EventsService(
        store=store, clock=clock, metrics=metrics,
        webhooks=lambda: settings.webhooks,   # asked per attempt: a SIGHUP applies
        on_disconnect=coa.disconnect_account,  # optional: a scheduled `disconnect` ran
    )
    await events.start()
    ...
    await events.fire(TriggerEvent.DEVICE_UNREACHABLE, None, {"device": name, "error": text})
    ...
    await events.stop()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provisiond.events.delivery import CONCURRENCY, Deliverer, Sender
from provisiond.events.scheduler import Scheduler
from provisiond.events.sender import HttpSender
from provisiond.events.triggers import Triggers

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from provisiond.config.settings import WebhooksSettings
    from provisiond.model.clock import Clock
    from provisiond.model.enums import TriggerEvent
    from provisiond.observability.metrics import Metrics
    from provisiond.store import Store


class EventsService:
    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        metrics: Metrics,
        webhooks: Callable[[], WebhooksSettings],
        on_disconnect: Callable[[int], None] | None = None,
        sender: Sender | None = None,
        concurrency: int = CONCURRENCY,
    ) -> None:
        """`sender` replaces the HTTP sender (tests); `concurrency` bounds the requests
        in flight."""
        sender = sender or HttpSender(webhooks, concurrency=concurrency)
        self.deliverer = Deliverer(
            store, clock, sender=sender, metrics=metrics, concurrency=concurrency
        )
        self.triggers = Triggers(store, clock, metrics=metrics, on_enqueued=self.deliverer.wake)
        self.scheduler = Scheduler(
            store,
            clock,
            metrics=metrics,
            on_disconnect=on_disconnect,
            on_failed=self.deliverer.wake,
        )

    async def start(self) -> None:
        """Start sending, then following the audit log, then the schedule (late steps run
        now, in time order)."""
        await self.deliverer.start()
        try:
            await self.triggers.start()
            await self.scheduler.start()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop in reverse; nothing is lost: every pending step and delivery is durable."""
        try:
            await self.scheduler.stop()
            await self.triggers.stop()
        finally:
            await self.deliverer.stop()

    async def settled(self) -> None:
        """Everything due ran, every change became deliveries, and nothing is in flight."""
        await self.scheduler.settled()
        await self.triggers.settled()
        await self.deliverer.settled()

    async def fire(
        self,
        event: TriggerEvent,
        account_id: int | None,
        data: Mapping[str, Any],
        *,
        once_key: str | None = None,
    ) -> int:
        """`Triggers.fire`: queue an event of another component (devices, usage)."""
        return await self.triggers.fire(event, account_id, data, once_key=once_key)
