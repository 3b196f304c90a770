"""One session's CoA work, carried out: decide the request, pass the breaker, send it,
record the outcome on the session (DESIGN.md §5 "CoA outcomes").

The work is recomputed when it is sent, not when it was queued: a session that got
three changes while waiting gets one request with the policy as it is now, and a change
that was undone meanwhile sends nothing. Every outcome lands in the session's
`last_coa` and in `provisiond_coa_requests_total`; the session's record is written
through the RADIUS server's accounting writer (`control`), in turn with accounting, so
the session table and the open-session book change together.
"""

from __future__ import annotations

import collections
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from provisiond.policy.auth import Accept
from provisiond.radius import coa_outcomes
from provisiond.radius.accounting import STALE
from provisiond.radius.attributes import encode_attributes
from provisiond.radius.coa_outcomes import RequestKind, Result, Verdict
from provisiond.radius.coa_policy import Coa, Disconnect, plan_request
from provisiond.radius.coa_queue import DONE, Held
from provisiond.radius.coa_requester import CoaError, CoaTimeout
from provisiond.radius.errors import EncodingError
from provisiond.radius.session_book import CloseSession, SessionPatch
from provisiond.store.coa_outbox import OutboxAction

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from pyrad.dictionary import Dictionary

    from provisiond.config.settings import CoaSettings
    from provisiond.model.clock import Clock
    from provisiond.observability.metrics import Metrics
    from provisiond.radius.coa_breaker import DisconnectBreaker
    from provisiond.radius.coa_queue import Entry, Settlement
    from provisiond.radius.coa_requester import CoaTarget, Requester
    from provisiond.radius.decisions import Authorizer
    from provisiond.radius.session_book import Control, SessionBook
    from provisiond.store.coa_outbox import OutboxRow
    from provisiond.store.sessions import Pairs, SessionRow

log = logging.getLogger(__name__)

ADMIN_REASON: Final = "admin"  # an admin's Disconnect (API): deliberate, never held
REMEMBER_DISCONNECTS: Final = 3600.0  # seconds a Disconnect-ACKed session is left alone
# RFC 5176 §3 "NAS identification": a request carrying any of these names its NAS.
NAS_IDENTIFICATION: Final = ("NAS-IP-Address", "NAS-IPv6-Address", "NAS-Identifier")


@dataclass(frozen=True, slots=True)
class Request:
    kind: RequestKind
    pairs: Pairs = ()  # the live-changeable set a CoA-Request carries
    applied: Pairs | None = None  # the whole new reply: the session's on a CoA-ACK
    why: str = ""  # for the logs: attribute names and reasons, never values
    forced: bool = False  # a Disconnect whatever the policy says (approval sends it as is)


def identification(row: SessionRow, fallback_identifier: str = "") -> list[tuple[str, str | int]]:
    """The session's identity as the NAS reported it in accounting (RFC 5176 §3).

    A request MUST name its NAS (NAS-IP-Address, NAS-IPv6-Address or NAS-Identifier), and
    a strict NAS NAKs one that does not with 403. When the accounting carried neither
    NAS-IP-Address nor NAS-Identifier, `fallback_identifier` (the NAS's configured
    `nas_identifier`, "" for none) names it instead; what accounting reported is never
    overridden or added to, since that is what the NAS knows itself by.
    """
    pairs: list[tuple[str, str | int]] = [
        ("User-Name", row.username),
        ("Acct-Session-Id", row.acct_session_id),
    ]
    if row.framed_ip:
        pairs.append(("Framed-IP-Address", row.framed_ip))
    if row.nas_ip_address:
        pairs.append(("NAS-IP-Address", row.nas_ip_address))
    if row.nas_identifier:
        pairs.append(("NAS-Identifier", row.nas_identifier))
    elif fallback_identifier and not row.nas_ip_address:
        pairs.append(("NAS-Identifier", fallback_identifier))
    return pairs


def overridden(row: SessionRow) -> bool:
    """Whether a relayed CoA set attributes after our last ACKed one, so the live values
    on the NAS are not the recorded ones."""
    override = row.external_override
    if not override:
        return False
    coa = row.last_coa
    if not coa or coa.get("result") != Result.ACK:
        return True
    try:
        return _instant(coa.get("at")) < _instant(override.get("at"))
    except (TypeError, ValueError):
        return True  # unreadable times: assume the worst, send the whole set


def _instant(value: Any) -> datetime:  # noqa: ANN401 - a JSON value
    return datetime.fromisoformat(str(value))


class RecentDisconnects:
    """Sessions whose Disconnect the NAS ACKed: they end with their accounting Stop, and
    are not sent anything more meanwhile. Forgotten after `REMEMBER_DISCONNECTS`."""

    def __init__(self) -> None:
        self._at: collections.OrderedDict[int, float] = collections.OrderedDict()

    def add(self, session_id: int, now: float) -> None:
        self._at[session_id] = now
        self._at.move_to_end(session_id)
        while self._at and next(iter(self._at.values())) <= now - REMEMBER_DISCONNECTS:
            self._at.popitem(last=False)

    def recent(self, session_id: int, now: float) -> bool:
        at = self._at.get(session_id)
        return at is not None and at > now - REMEMBER_DISCONNECTS


class Dispatcher:
    """Carries out one session's work; the sender runs one per session at a time."""

    def __init__(
        self,
        *,
        settings: CoaSettings,
        targets: Mapping[str, CoaTarget],
        book: SessionBook,
        control: Callable[[Control], Awaitable[int]],
        authorizer: Authorizer,
        dictionary: Dictionary,
        requester: Requester,
        breaker: DisconnectBreaker,
        clock: Clock,
        metrics: Metrics,
    ) -> None:
        self.settings = settings
        self.targets = targets
        self._book = book
        self._control = control
        self._authorizer = authorizer
        self._dictionary = dictionary
        self._requester = requester
        self._breaker = breaker
        self._clock = clock
        self._metrics = metrics
        self._disconnected = RecentDisconnects()

    async def serve(self, session_id: int, entry: Entry) -> Settlement:
        row = self._book.by_id(session_id)
        if row is None or self._disconnected.recent(session_id, self._clock.monotonic()):
            return DONE  # closed meanwhile, or already told to go: nothing to send
        work = entry.row
        target = self.targets.get(row.nas)
        if target is None:
            _warn(row, "no CoA target (coa_port = 0 or no [device.nas]); nothing sent")
            disconnect = work.action is OutboxAction.DISCONNECT
            kind = RequestKind.DISCONNECT if disconnect else RequestKind.COA
            await self._record(row, kind, Verdict(Result.ERROR))
            return DONE
        request = self.decide(row, work)
        if request is None:
            return DONE
        bypass = entry.bypass or ADMIN_REASON in work.reasons
        return await self._carry_out(row, target, request, bypass=bypass)

    def decide(self, row: SessionRow, work: OutboxRow) -> Request | None:
        """The request the session needs now; None when it already has the policy's."""
        if work.action is OutboxAction.DISCONNECT:
            return Request(RequestKind.DISCONNECT, why=",".join(sorted(work.reasons)), forced=True)
        answer = self._authorizer.authorize(row.username, row.nas)
        plan = plan_request(row.last_applied, answer, overridden=overridden(row))
        if isinstance(plan, Disconnect):
            return Request(RequestKind.DISCONNECT, why=plan.reason)
        if isinstance(plan, Coa) and isinstance(answer, Accept):
            return Request(RequestKind.COA, plan.pairs, applied=answer.attributes, why="policy")
        return None

    async def _carry_out(
        self, row: SessionRow, target: CoaTarget, request: Request, *, bypass: bool
    ) -> Settlement:
        if request.kind is RequestKind.DISCONNECT and not self._admit(bypass=bypass):
            await self._hold(row)
            return Held(OutboxAction.DISCONNECT if request.forced else OutboxAction.COA)
        verdict = await self._send(row, target, request)
        if not verdict.fallback:
            return DONE
        fallback = Request(
            RequestKind.DISCONNECT, why=f"coa.fallback after {verdict.result}", forced=True
        )
        if not self._admit(bypass=bypass):
            await self._hold(row)
            return Held(OutboxAction.DISCONNECT)
        await self._send(row, target, fallback)
        return DONE

    def _admit(self, *, bypass: bool) -> bool:
        """Whether a Disconnect may go now; counted in the breaker's window when it does."""
        now = self._clock.monotonic()
        was_tripped = self._breaker.tripped
        if bypass or self._breaker.allows(now, live=len(self._book)):
            self._breaker.record(now)
            return True
        if not was_tripped:
            settings = self.settings
            log.warning(
                "Disconnect breaker tripped: more than %d Disconnect-Requests (and over "
                "%g%% of %d live sessions) within 60 s; further Disconnects are held until "
                "approved (POST /api/v1/coa/approve)",
                settings.max_disconnect_min,
                settings.max_disconnect_fraction * 100,
                len(self._book),
            )
        return False

    async def _hold(self, row: SessionRow) -> None:
        log.debug("session %d on NAS %s: Disconnect held", row.id, row.nas)
        await self._record(row, RequestKind.DISCONNECT, Verdict(Result.HELD))

    async def _send(self, row: SessionRow, target: CoaTarget, request: Request) -> Verdict:
        try:
            attributes = encode_attributes(
                self._dictionary,
                [*identification(row, target.nas_identifier), *request.pairs],
            )
        except EncodingError as exc:
            _warn(row, f"the {request.kind} request cannot be encoded: {exc}")
            verdict = Verdict(Result.ERROR)
        else:
            verdict = await self._exchange(row, target, request, attributes)
        await self._record(row, request.kind, verdict, applied=request.applied)
        return verdict

    async def _exchange(
        self, row: SessionRow, target: CoaTarget, request: Request, attributes: bytes
    ) -> Verdict:
        kind, settings = request.kind, self.settings
        started = self._clock.monotonic()
        try:
            answer = await self._requester.send(
                target, kind.code, attributes, timeout=settings.timeout, retries=settings.retries
            )
        except CoaTimeout as exc:
            verdict = coa_outcomes.judge(kind, None, None, settings.fallback)
            _warn(row, f"{kind} ({request.why}): {exc}{_then(verdict)}")
            return verdict
        except CoaError as exc:
            _warn(row, f"{kind} ({request.why}) not sent: {exc}")
            return Verdict(Result.ERROR)
        latency = self._clock.monotonic() - started
        self._metrics.coa_latency.labels(kind=kind).observe(latency)
        verdict = coa_outcomes.judge(kind, answer.code, answer.error_cause, settings.fallback)
        if verdict.acked:
            log.debug("session %d on NAS %s: %s ACKed (%s)", row.id, row.nas, kind, request.why)
        else:
            cause = "none" if answer.error_cause is None else answer.error_cause
            _warn(row, f"{kind} NAKed, Error-Cause {cause}{_then(verdict)}")
        return verdict

    async def _record(
        self,
        row: SessionRow,
        kind: RequestKind,
        verdict: Verdict,
        *,
        applied: Pairs | None = None,
    ) -> None:
        """The outcome on the session (and in the metrics): `last_coa`, the new
        attributes after a CoA-ACK, a local close after NAK 503."""
        self._metrics.coa_requests.labels(kind=kind, result=verdict.result).inc()
        at = self._clock.now()
        coa_acked = verdict.acked and kind is RequestKind.COA
        patch = SessionPatch(
            row.id,
            last_applied=applied if coa_acked else None,
            last_coa=coa_outcomes.last_coa(at, verdict.result, verdict.error_cause),
        )
        await self._control(patch)
        if verdict.close_session:
            await self._control(CloseSession(row.id, at, STALE))
        if verdict.acked and kind is RequestKind.DISCONNECT:
            self._disconnected.add(row.id, self._clock.monotonic())


def _then(verdict: Verdict) -> str:
    if verdict.close_session:
        return "; the session is closed locally"
    return "; falling back to a Disconnect-Request" if verdict.fallback else ""


def _warn(row: SessionRow, message: str) -> None:
    """One line per failure, with the NAS, session and account (never the username)."""
    log.warning(
        "NAS %s, session %d, account %s: %s",
        row.nas,
        row.id,
        row.account_id,
        message,
        extra={"nas": row.nas, "session_id": row.id, "account_id": row.account_id},
    )
