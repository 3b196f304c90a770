"""`Triggers`: the trigger engine. Account transitions and other components' events
become webhook deliveries in the outbox (DESIGN.md §6).

Account events come from the audit log, not from a copy kept in memory: the log holds
each change's before and after and whether it was an import, written in the change's own
transaction, and reading it behind a durable cursor that advances in the transaction that
queues the deliveries gives each transition exactly once, across restarts. The change
feed only says when to read. `transitions.events_for` decides what fired.

`account.activated` fires once per account ever: it is confirmed against the stored
`activated_at`, which it sets (actor "triggers") in the same transaction. A silent
import (no `?triggers=true`) fires nothing, but an account it brings in active gets its
`activated_at` too, so a later reconnection does not look like a first activation.

Other components raise their events through `fire()`: `device.unreachable` /
`device.recovered` (`{device, error}`), `account.usage_threshold` (`{percent,
used_bytes, cap_bytes}`, with a `once_key` per period so each trigger fires once).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from provisiond.events import transitions
from provisiond.events.loop import PacedLoop
from provisiond.model.enums import TriggerEvent
from provisiond.schema.fields import render_timestamp
from provisiond.store import outbox, trigger_log

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from provisiond.model.clock import Clock
    from provisiond.model.objects import AccountStatus
    from provisiond.observability.metrics import Metrics
    from provisiond.store import Store
    from provisiond.store.context import WriteContext

log = logging.getLogger(__name__)

ACTOR: Final = "triggers"
Raised: TypeAlias = tuple[TriggerEvent, int]  # an event and how many deliveries it queued
PAGE: Final = 200  # audit entries read per transaction
WATCHED: Final = ("accounts",)


class Triggers(PacedLoop):
    """`settled()` returns once every committed account change has been turned into
    deliveries."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        metrics: Metrics,
        on_enqueued: Callable[[], None] | None = None,
    ) -> None:
        """`on_enqueued()`: deliveries were queued (the webhook sender's wake-up)."""
        self._store = store
        self._clock = clock
        self._metrics = metrics
        self._on_enqueued = on_enqueued
        super().__init__("trigger engine", clock, store.feed, WATCHED)

    async def fire(
        self,
        event: TriggerEvent,
        account_id: int | None,
        data: Mapping[str, Any],
        *,
        once_key: str | None = None,
    ) -> int:
        """Queue `event` for its triggers; how many deliveries were queued.

        With `once_key`, a trigger gets the event at most once per key (for a usage
        threshold: the account and period, e.g. `"17:2026-02"`).
        """
        now = self._clock.now()

        async def job(ctx: WriteContext) -> int:
            queued = await outbox.enqueue(
                ctx.conn,
                event=event,
                account_id=account_id,
                data=data,
                occurred_at=now,
                once_key=once_key,
            )
            return len(queued)

        queued = await self._store.transact(job, actor=ACTOR)
        self._raised([(event, queued)])
        return queued

    async def _pass(self) -> None:
        while await self.catch_up():
            pass

    async def catch_up(self) -> bool:
        """Handle the next page of the audit log; False when there was nothing new."""
        page = await self._store.transact(self._page, actor=ACTOR)
        if page is None:
            return False
        self._raised(page)
        return True

    async def _page(self, ctx: WriteContext) -> list[Raised] | None:
        start = await trigger_log.position(ctx.conn)
        found, last = await trigger_log.transitions(ctx.conn, after=start, limit=PAGE)
        if last is None:
            return None
        statuses = await trigger_log.statuses(ctx)
        raised: list[Raised] = []
        for transition in found:
            raised += await self._handle(ctx, transition, statuses)
        await trigger_log.advance(ctx.conn, last)
        return raised

    async def _handle(
        self,
        ctx: WriteContext,
        transition: trigger_log.Transition,
        statuses: Mapping[int, AccountStatus],
    ) -> list[Raised]:
        raised: list[Raised] = []
        for fired in transitions.events_for(transition.before, transition.after, statuses):
            data = fired.data
            if fired.event is TriggerEvent.ACCOUNT_ACTIVATED:
                activated = await trigger_log.mark_activated(
                    ctx, transition.account_id, transition.at
                )
                if activated is None:
                    continue  # activated before: the event fires once per account
                data["after"]["activated_at"] = render_timestamp(transition.at)
            if not transition.fires:
                continue
            queued = await outbox.enqueue(
                ctx.conn,
                event=fired.event,
                account_id=transition.account_id,
                data=data,
                occurred_at=transition.at,
            )
            raised.append((fired.event, len(queued)))
        return raised

    def _raised(self, raised: list[Raised]) -> None:
        """After COMMIT: count the events, wake the sender if anything was queued."""
        for event, _deliveries in raised:
            self._metrics.trigger_events.labels(event.value).inc()
        if any(deliveries for _event, deliveries in raised) and self._on_enqueued is not None:
            self._on_enqueued()
