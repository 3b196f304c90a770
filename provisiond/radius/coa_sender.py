"""`CoaSender`: account changes become CoA-Requests and Disconnect-Requests to the live
sessions, through a durable outbox (DESIGN.md §5 "CoA on change", "CoA outcomes",
"Disconnect breaker"; docs/radius.md "CoA and Disconnect").

    requester = CoaRequester(clock=clock, metrics=metrics)   # shared with the CoA relay
    sender = CoaSender(settings=settings.coa, targets=coa_targets(settings.devices),
                       coa_on={d.name: d.nas.coa_on for d in settings.devices if d.nas},
                       book=server.book, control=server.control, authorizer=engine,
                       dictionary=load_dictionary(), requester=requester, store=store,
                       clock=clock, metrics=metrics)
    await sender.start()          # after the engine and the open sessions are loaded
    sender.account_changed(account_id, frozenset({"service"}))   # from the change handler
    sender.disconnect_account(account_id, "scheduled")           # a `disconnect` event
    await sender.stop(grace=5.0)  # before the RADIUS server stops; then requester.close()

This module is the domain side: which sessions hear of a change, and how. The durable
queue and its task are `coa_worker`; one session's request and its outcome are
`coa_dispatch`; the decision itself is the pure `coa_policy`.

Crash window: a change committed to the store whose outbox row was not yet written is
lost with the process. So after its first pass the sender re-checks every open session
that has recorded attributes on a NAS with a non-empty `coa_on`: where the policy's reply
now differs, a "recheck" row is queued. The re-check cannot tell which kind of change
made the difference, so a NAS whose `coa_on` leaves some kinds out may get a CoA for one
of them at a restart; a session known only from accounting is not re-checked.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Final

from provisiond.policy import coa_reasons
from provisiond.radius.coa_breaker import DisconnectBreaker
from provisiond.radius.coa_dispatch import ADMIN_REASON, Dispatcher, overridden
from provisiond.radius.coa_policy import NoChange, plan_request
from provisiond.radius.coa_worker import CoaWorker
from provisiond.schema.fields import render_timestamp
from provisiond.store.coa_outbox import OutboxAction, OutboxRow

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from pyrad.dictionary import Dictionary

    from provisiond.config.settings import CoaSettings
    from provisiond.model.clock import Clock
    from provisiond.observability.metrics import Metrics
    from provisiond.radius.coa_requester import CoaTarget, Requester
    from provisiond.radius.decisions import Authorizer
    from provisiond.radius.session_book import Control, SessionBook
    from provisiond.store import Store
    from provisiond.store.sessions import SessionRow

log = logging.getLogger(__name__)

# The reasons an account change may give (`policy.coa_reasons`, the one vocabulary):
# the `coa_on` kinds, and the forced ones that always disconnect, whatever `coa_on` says.
ACCOUNT_REASONS: Final = coa_reasons.ALL_CONFIGURABLE | coa_reasons.FORCED
RECHECK_REASON: Final = "recheck"
MAX_IN_FLIGHT: Final = 64  # requests at once, across every NAS
RECHECK_CHUNK: Final = 500  # sessions re-checked between yields to the event loop


class CoaSender:
    def __init__(
        self,
        *,
        settings: CoaSettings,
        targets: Mapping[str, CoaTarget],
        coa_on: Mapping[str, frozenset[str]],
        book: SessionBook,
        control: Callable[[Control], Awaitable[int]],
        authorizer: Authorizer,
        dictionary: Dictionary,
        requester: Requester,
        store: Store,
        clock: Clock,
        metrics: Metrics,
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        self._targets = dict(targets)
        self._coa_on = dict(coa_on)
        self._book = book
        self._authorizer = authorizer
        self._clock = clock
        self._breaker = DisconnectBreaker(
            max_fraction=settings.max_disconnect_fraction, max_min=settings.max_disconnect_min
        )
        self._dispatcher = Dispatcher(
            settings=settings,
            targets=self._targets,
            book=book,
            control=control,
            authorizer=authorizer,
            dictionary=dictionary,
            requester=requester,
            breaker=self._breaker,
            clock=clock,
            metrics=metrics,
        )
        self._worker = CoaWorker(
            store=store,
            clock=clock,
            metrics=metrics,
            serve=self._dispatcher.serve,
            max_in_flight=max_in_flight,
        )

    # -- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Load the outbox (rows of sessions no longer open are dropped), then run: the
        first pass sends the pending work, then the open sessions are re-checked."""
        kept = await self._worker.load(lambda session_id: self._book.by_id(session_id) is not None)
        if kept:
            log.info("CoA outbox: %d sessions with pending work", kept)
        self._worker.start(self._recheck)

    async def stop(self, grace: float) -> None:
        """Take no more work, give the requests in flight `grace` seconds, then cancel
        them; everything unfinished stays in the outbox for the next start. The
        requester is not closed (the CoA relay may share it)."""
        await self._worker.stop(grace)

    def update(
        self,
        settings: CoaSettings,
        targets: Mapping[str, CoaTarget],
        coa_on: Mapping[str, frozenset[str]],
    ) -> None:
        """A reload: new timeouts, fallback, breaker limits, targets and triggers."""
        self._targets = dict(targets)
        self._coa_on = dict(coa_on)
        self._dispatcher.settings = settings
        self._dispatcher.targets = self._targets
        self._breaker.configure(
            max_fraction=settings.max_disconnect_fraction, max_min=settings.max_disconnect_min
        )

    @property
    def depth(self) -> int:
        """Sessions with work in the outbox (held ones included)."""
        return self._worker.depth

    @property
    def in_flight(self) -> int:
        return self._worker.in_flight

    async def drained(self) -> None:
        """Return once nothing is queued, in flight or due (held and waiting work aside)."""
        await self._worker.drained()

    # -- work in ---------------------------------------------------------------------------

    def account_changed(self, account_id: int, reasons: frozenset[str]) -> None:
        """Something about the account changed (`reasons`: `coa_on` values, or the forced
        "credentials" and "deleted"); queue its open sessions that should hear of it."""
        unknown = sorted(reasons - ACCOUNT_REASONS)
        if unknown:
            raise ValueError(f"unknown CoA reasons {unknown}; known: {sorted(ACCOUNT_REASONS)}")
        forced = reasons & coa_reasons.FORCED
        for row in self._book.of_account(account_id):
            if row.nas not in self._targets:
                continue
            if forced:
                self._queue(row, OutboxAction.DISCONNECT, reasons)
                continue
            relevant = reasons & self._coa_on.get(row.nas, frozenset())
            if relevant:
                self._queue(row, OutboxAction.COA, relevant)

    def disconnect_account(self, account_id: int, reason: str) -> None:
        """Disconnect every open session of the account (a scheduled `disconnect`)."""
        for row in self._book.of_account(account_id):
            if row.nas in self._targets:
                self._queue(row, OutboxAction.DISCONNECT, frozenset({reason}))

    async def disconnect_session(self, session_id: int, /) -> bool:
        """An admin's Disconnect-Request (never held by the breaker); False when no open
        session has that id. Returns once the work is in the outbox."""
        row = self._book.by_id(session_id)
        if row is None:
            return False
        self._queue(row, OutboxAction.DISCONNECT, frozenset({ADMIN_REASON}))
        await self._worker.flush()
        return True

    def held(self) -> list[dict[str, Any]]:
        """The held Disconnects of open sessions, oldest first (`GET /api/v1/coa/held`)."""
        items = []
        held = sorted(self._worker.queue.held(), key=lambda row: (row.queued_at, row.session_id))
        for row in held:
            session = self._book.by_id(row.session_id)
            if session is None:
                continue  # ended meanwhile; its row goes at the approval or the next start
            items.append(
                {
                    "session_id": row.session_id,
                    "account_id": row.account_id,
                    "username": session.username,
                    "nas": session.nas,
                    "queued_at": render_timestamp(row.queued_at),
                    "reasons": sorted(row.reasons),
                }
            )
        return items

    async def approve(self) -> int:
        """Release every held Disconnect: each is sent past the breaker (a `coa` row is
        recomputed first, so an account fixed meanwhile is left alone). How many."""
        released = await self._worker.release_held()
        if released:
            self._breaker.tripped = False  # the next burst is logged again
            log.info("%d held Disconnects approved", released)
        return released

    def _queue(self, row: SessionRow, action: OutboxAction, reasons: frozenset[str]) -> None:
        now = self._clock.now()
        self._worker.put(OutboxRow(row.id, row.account_id, action, reasons, queued_at=now))

    async def _recheck(self) -> None:
        """Queue the open sessions whose recorded attributes the policy no longer gives
        (the crash window; see the module docstring)."""
        pending = self._worker.queue.entries
        candidates = [
            row
            for row in self._book.rows()
            if row.last_applied is not None
            and row.nas in self._targets
            and self._coa_on.get(row.nas)
            and row.id not in pending
        ]
        queued = 0
        for index, row in enumerate(candidates):
            if not self._worker.running:
                return
            if index and index % RECHECK_CHUNK == 0:
                await asyncio.sleep(0)  # a large book must not stall the event loop
            if self._book.by_id(row.id) is None:
                continue
            answer = self._authorizer.authorize(row.username, row.nas)
            plan = plan_request(row.last_applied, answer, overridden=overridden(row))
            if not isinstance(plan, NoChange):
                self._queue(row, OutboxAction.COA, frozenset({RECHECK_REASON}))
                queued += 1
        if queued:
            log.info(
                "CoA re-check at start: %d of %d sessions differ from the policy; queued",
                queued,
                len(candidates),
            )
