"""`CoaRelay`: CoA-Request and Disconnect-Request from `[[radius.coa_client]]` peers,
forwarded to the NAS holding the session they name (DESIGN.md §5 "CoA relay"; the
choices below are argued in docs/radius.md "CoA relay").

Per datagram on `radius.coa_port`, in order; a drop is counted by reason and unanswered:

1. the source must be a peer's `address`;
2. a retransmission or replay (same source address, code, identifier and authenticator,
   from any source port) gets the answer already sent; one still in progress is dropped;
3. the packet must parse and be a CoA-Request or Disconnect-Request;
4. a peer's secret must verify the Request Authenticator (RFC 5176 §3.3), and its
   Message-Authenticator when present or required by the peer;
5. an Event-Timestamp, when present, must be within 300 s of the clock (RFC 5176 §4.2:
   otherwise "silently discarded", so dropped, not NAKed);
6. a kind the peer's `allow` leaves out: NAK 501 Administratively Prohibited;
7. the session is found and the request routed or refused (`relay_routing`);
8. forwarded through the `CoaRequester` (`[coa] timeout`, `retries`), with the
   session's identification and an Event-Timestamp added where the peer left them out
   (`relay_routing.Forwarding`), and the NAS's answer returned. A NAS that never
   answers gets the peer no answer either (no Error-Cause means "the NAS is silent";
   silence lets the peer's own retry and fallback work), and the request is
   forgotten, so a later retransmission is forwarded afresh. A request that cannot be
   built or sent gets NAK 505 Other Proxy Processing Error.

Answers are kept for the Event-Timestamp window (300 s), not the server's 5 s: RFC 5176
§4.2 wants the duplicate-detection window equal to the stale-packet one, or a captured
request could be replayed in between and executed again. A CoA-Request the NAS ACKs is
recorded on the session as `external_override` before the ACK goes back; a
Disconnect-ACK changes nothing: the session ends with the NAS's accounting Stop.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from provisiond.config.settings import CoaAction
from provisiond.radius.auth import verify_request_message_authenticator
from provisiond.radius.coa_requester import CoaTimeout
from provisiond.radius.dedup import PENDING, DuplicateCache, request_key
from provisiond.radius.dictionary import load_dictionary
from provisiond.radius.dynamic_authorization import (
    TIMESTAMP_WINDOW,
    request_kind,
    timestamp_current,
)
from provisiond.radius.endpoint import DrainingTransport, bind_all
from provisiond.radius.errors import MalformedPacket, RadiusError
from provisiond.radius.packet import parse
from provisiond.radius.relay_peers import PeerTable, sender
from provisiond.radius.relay_routing import (
    Forwarding,
    Result,
    SessionQuery,
    candidates,
    choose,
    external_override,
    refusal_answer,
    relayed_answer,
)
from provisiond.radius.relay_stats import RelayDrop, RelayStats
from provisiond.radius.session_book import SessionPatch
from provisiond.radius.wire import HEADER_SIZE

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from pyrad.dictionary import Dictionary

    from provisiond.config.settings import CoaSettings, RadiusSettings
    from provisiond.model.clock import Clock
    from provisiond.observability.metrics import Metrics
    from provisiond.radius.coa_requester import CoaTarget, Requester
    from provisiond.radius.packet import Packet
    from provisiond.radius.relay_peers import CoaPeer
    from provisiond.radius.relay_routing import SessionLookup
    from provisiond.store.sessions import SessionRow

log = logging.getLogger(__name__)

DEFAULT_MAX_IN_FLIGHT: Final = 1024  # requests being routed or waiting for their NAS
CACHE_ENTRIES: Final = 100_000  # answers kept for the window; peers send far fewer
_RESTART_ONLY: Final = ("listen", "coa_port")

Address = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class _Request:
    """A verified request from a peer, and where its answer goes."""

    transport: asyncio.DatagramTransport
    address: Address
    key: bytes  # its retransmission-cache key
    packet: Packet
    kind: CoaAction
    peer: CoaPeer

    def answer(self, reply: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.sendto(reply, self.address)


class _RelayPort(asyncio.DatagramProtocol):
    def __init__(self, relay: CoaRelay) -> None:
        self._relay = relay
        self._transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)  # noqa: S101 - by construction
        self._transport = transport

    def error_received(self, exc: Exception) -> None:
        """ICMP errors for earlier answers: the peer retransmits if it cares."""

    def datagram_received(self, data: bytes, addr: Address) -> None:
        if self._transport is None:
            return
        try:
            self._relay.receive(self._transport, data, addr)
        except Exception as exc:  # noqa: BLE001 - a bad packet must never take the relay down
            self._relay.internal_error(exc)


class CoaRelay:
    def __init__(
        self,
        *,
        settings: RadiusSettings,
        coa: CoaSettings,
        targets: Mapping[str, CoaTarget],
        book: SessionLookup,
        control: Callable[[SessionPatch], Awaitable[object]],
        requester: Requester,
        clock: Clock,
        metrics: Metrics,
        dictionary: Dictionary | None = None,
        max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
    ) -> None:
        self._settings = settings
        self._coa = coa
        self._targets = dict(targets)
        self._peers = PeerTable(settings.coa_clients)
        self._book = book
        self._control = control
        self._requester = requester
        self._clock = clock
        self._stats = RelayStats(metrics)
        self._forwarding = Forwarding(dictionary or load_dictionary())
        self._max_in_flight = max_in_flight
        self._cache = DuplicateCache(ttl=TIMESTAMP_WINDOW, max_entries=CACHE_ENTRIES)
        self._transports: list[DrainingTransport] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._internal_error_logged = False

    # -- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind `coa_port` on every `radius.listen` address; nothing when it is 0.

        Raises `RadiusBindError` naming the address and port when one is taken; nothing
        stays bound then.
        """
        if self._transports:
            raise RadiusError("the CoA relay was already started")
        if self._settings.coa_port == 0:
            log.info("CoA relay off (radius.coa_port = 0)")
            return
        loop = asyncio.get_running_loop()
        port = self._settings.coa_port
        for sock in bind_all([(host, port) for host in self._settings.listen]):
            self._transports.append(DrainingTransport(loop, sock, _RelayPort(self)))
        log.info("CoA relay listening on %s for %d peers", self.addresses, len(self._peers))

    async def stop(self) -> None:
        """Stop taking requests; requests still waiting for their NAS get no answer."""
        for transport in self._transports:
            transport.pause_reading()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for transport in self._transports:
            transport.close()
        self._transports.clear()

    def update(
        self,
        settings: RadiusSettings,
        targets: Mapping[str, CoaTarget],
        coa: CoaSettings | None = None,
    ) -> None:
        """A reload: new peers, secrets and permissions, NAS targets, CoA timeouts.

        The listen addresses and `coa_port` are bound at start and change at a restart.
        """
        for name in _RESTART_ONLY:
            if getattr(settings, name) != getattr(self._settings, name):
                log.warning("radius.%s changed; the CoA relay takes it at the next restart", name)
        self._settings = settings
        self._peers = PeerTable(settings.coa_clients)
        self._targets = dict(targets)
        if coa is not None:
            self._coa = coa

    @property
    def addresses(self) -> list[tuple[str, int]]:
        """The bound (host, port) pairs; empty when the relay is off or stopped."""
        found = []
        for transport in self._transports:
            name = transport.get_extra_info("sockname")
            found.append((str(name[0]), int(name[1])))
        return found

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    # -- a datagram ------------------------------------------------------------------------

    def receive(self, transport: asyncio.DatagramTransport, data: bytes, addr: Address) -> None:
        """Steps 1-6 of the module docstring, synchronously; 7 and 8 in a task."""
        host = str(addr[0])
        if len(data) < HEADER_SIZE:
            self._stats.drop(RelayDrop.MALFORMED)
            return
        candidates = self._peers.candidates(host)
        if not candidates:
            self._stats.drop(RelayDrop.UNKNOWN_PEER)
            return
        # Keyed without the source port: the same signed request resent from another
        # port is a replay too (RFC 5176 §4.2), and must not be executed twice.
        key = request_key(host, 0, data)
        if self._replayed(transport, key, addr):
            return
        admitted = self._admit(data, candidates)
        if admitted is not None:
            packet, kind, peer = admitted
            self._route(_Request(transport, addr, key, packet, kind, peer))

    def _route(self, request: _Request) -> None:
        if request.kind not in request.peer.allow:
            self._refuse(request, Result.PROHIBITED)
            return
        if len(self._tasks) >= self._max_in_flight:
            self._stats.drop(RelayDrop.OVERLOAD)
            return
        self._cache.start(request.key, self._clock.monotonic())
        task = asyncio.get_running_loop().create_task(self._handle(request), name="coa-relay")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _replayed(self, transport: asyncio.DatagramTransport, key: bytes, addr: Address) -> bool:
        cached = self._cache.get(key, self._clock.monotonic())
        if cached is None:
            return False
        if cached == PENDING:
            self._stats.drop(RelayDrop.IN_PROGRESS)
            return True
        kind = request_kind(key[0])
        if kind is not None:  # only answers to the two request kinds are ever cached
            self._stats.request(kind, Result.DUPLICATE)
        transport.sendto(cached, addr)
        return True

    def _admit(
        self, data: bytes, candidates: tuple[CoaPeer, ...]
    ) -> tuple[Packet, CoaAction, CoaPeer] | None:
        try:
            packet = parse(data)
        except MalformedPacket:
            self._stats.drop(RelayDrop.MALFORMED)
            return None
        kind = request_kind(packet.code)
        if kind is None:
            self._stats.drop(RelayDrop.UNEXPECTED_CODE)
            return None
        peer = sender(candidates, packet)
        if peer is None:
            self._stats.drop(RelayDrop.BAD_AUTHENTICATOR)
            return None
        reason = self._rejection(packet, peer)
        if reason is not None:
            self._stats.drop(reason)
            return None
        return packet, kind, peer

    def _rejection(self, packet: Packet, peer: CoaPeer) -> RelayDrop | None:
        if packet.message_authenticator_at >= 0:
            if not verify_request_message_authenticator(packet, peer.secret):
                return RelayDrop.BAD_MESSAGE_AUTHENTICATOR
        elif peer.require_message_authenticator:
            return RelayDrop.MISSING_MESSAGE_AUTHENTICATOR
        if not timestamp_current(packet.event_timestamp, self._clock.now()):
            return RelayDrop.STALE_TIMESTAMP
        return None

    def _refuse(self, request: _Request, refusal: Result) -> None:
        reply = refusal_answer(request.packet, request.kind, request.peer.secret, refusal)
        self._answer(request, reply)
        self._stats.request(request.kind, refusal)

    def _answer(self, request: _Request, reply: bytes) -> None:
        self._cache.put(request.key, reply, self._clock.monotonic())
        request.answer(reply)

    def internal_error(self, exc: Exception) -> None:
        """A bug: count it, and log the first one with its traceback."""
        self._stats.drop(RelayDrop.INTERNAL_ERROR)
        if not self._internal_error_logged:
            self._internal_error_logged = True
            log.error("CoA relay: a request failed; it was dropped (logged once)", exc_info=exc)

    # -- forwarding ------------------------------------------------------------------------

    async def _handle(self, request: _Request) -> None:
        answered = False
        try:
            answered = await self._route_and_relay(request)
        except Exception as exc:  # noqa: BLE001 - counted and logged once; the relay goes on
            self.internal_error(exc)
        finally:
            if not answered:
                self._cache.forget(request.key)  # a retransmission is a new attempt

    async def _route_and_relay(self, request: _Request) -> bool:
        """Step 7 (refuse, answered at once) or 8; False when there was no answer."""
        query = SessionQuery.of(request.packet)
        found = candidates(query, self._book)
        routed = choose(query, found, request.peer, self._targets)
        session = routed.session
        if session is None:
            self._refuse(request, routed.refusal or Result.NOT_FOUND)
            return True
        return await self._relay(request, session, self._targets[session.nas])

    async def _relay(self, request: _Request, session: SessionRow, target: CoaTarget) -> bool:
        """Forward, answer the peer; False when there was nothing to answer."""
        kind, packet = request.kind, request.packet
        try:
            attributes = self._forwarding.attributes(
                packet, session, self._clock.now(), target.nas_identifier
            )
            answer = await self._requester.send(
                target,
                packet.code,
                attributes,
                timeout=self._coa.timeout,
                retries=self._coa.retries,
            )
        except CoaTimeout:
            self._stats.request(kind, Result.TIMEOUT)
            log.info("CoA relay: NAS %s did not answer a relayed %s", target.nas, kind)
            return False
        except RadiusError as exc:
            log.warning("CoA relay: cannot forward a %s to NAS %s: %s", kind, target.nas, exc)
            self._refuse(request, Result.ERROR)
            return True
        if answer.acked and kind is CoaAction.COA:
            await self._record(session, attributes)
        self._answer(request, relayed_answer(packet, request.peer.secret, answer.reply))
        self._stats.request(kind, Result.ACK if answer.acked else Result.NAK)
        return True

    async def _record(self, session: SessionRow, attributes: bytes) -> None:
        """The ACKed CoA becomes the session's `external_override`; a failure to record
        it is logged, and the peer still gets the NAS's ACK (the NAS did apply it)."""
        pairs = self._forwarding.decoder.pairs(attributes)
        override = external_override(self._clock.now(), pairs)
        try:
            await self._control(SessionPatch(session.id, external_override=override))
        except Exception:
            log.exception("CoA relay: recording a relayed CoA on session %d failed", session.id)
