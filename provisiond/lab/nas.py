"""`NasSimulator`: a RADIUS NAS for tests, demos and `provisiond lab`.

Server side, it listens for CoA-Request and Disconnect-Request (RFC 5176) on a UDP port
and, like a NAS, drops what it cannot trust: a source that is not one of its
`coa_sources` (when given: a RouterOS takes CoA from its `/radius` servers only), a bad
Request Authenticator (a wrong secret), a bad or (when required) missing
Message-Authenticator, an Event-Timestamp outside the window (§4.2), malformed packets
and other codes; each drop is counted in `dropped` by reason. Every request it accepts
is recorded in `received`, decoded with the dictionary, and answered per the
`Behaviour` set for its kind (`nas_state`: under `apply`, a request that does not name
this NAS by NAS-IP-Address / NAS-Identifier gets NAK 403); a retransmission of an
answered request gets the same answer again (RFC 5080 §2.2.2).

Client side, it sends what a NAS sends: Access-Request (PAP or CHAP, with
Message-Authenticator) and Accounting-Request (Start, Interim-Update, Stop,
Accounting-On) with NAS-IP-Address / NAS-Identifier, and returns the verified replies.
Sessions it starts are the ones `apply` acts on; when a Disconnect ends one and an
accounting server is set, it sends the Stop a NAS sends (Acct-Terminate-Cause
Admin-Reset), so the server closes the session the way it would in production.

    async with NasSimulator(secret="s3cret", auth_server=auth, acct_server=acct) as nas:
        await nas.connect("alice", "pw", "sess-1")      # Access-Request, then Start
        nas.behave("coa", "apply")                      # the default
        ...                                             # a CoA arrives at nas.address
        assert nas.session("sess-1").rate_limit == "1M/1M"
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import TYPE_CHECKING, Any

from provisiond.config.settings import CoaAction
from provisiond.lab.errors import LabError
from provisiond.lab.nas_client import NasRequests, RequestChannel
from provisiond.lab.nas_requests import NasIdentity
from provisiond.lab.nas_state import (
    APPLY,
    Behaviour,
    Identification,
    NasSession,
    NasSessions,
    ReceivedRequest,
    answer,
    decide,
    known_source,
    rejection,
    source_addresses,
)
from provisiond.radius.decoding import AttributeDecoder
from provisiond.radius.dedup import DuplicateCache, request_key
from provisiond.radius.dictionary import load_dictionary
from provisiond.radius.digest import SharedSecret
from provisiond.radius.dynamic_authorization import (
    TIMESTAMP_WINDOW,
    authorisation,
    request_kind,
)
from provisiond.radius.errors import MalformedPacket
from provisiond.radius.packet import parse
from provisiond.radius.wire import HEADER_SIZE, USER_NAME, Code
from provisiond.runtime.clock import SystemClock

if TYPE_CHECKING:
    from collections.abc import Coroutine, Iterable, Mapping

    from pyrad.dictionary import Dictionary

    from provisiond.lab.nas_requests import Usage
    from provisiond.model.clock import Clock
    from provisiond.radius.packet import Packet

log = logging.getLogger(__name__)


class _CoaPort(asyncio.DatagramProtocol):
    def __init__(self, simulator: NasSimulator) -> None:
        self._simulator = simulator

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        self._simulator.datagram_received(data, (str(addr[0]), int(addr[1])))

    def error_received(self, exc: Exception) -> None:
        """ICMP errors for earlier answers: the requester retransmits if it cares."""


class NasSimulator:
    """One simulated NAS: a CoA port, a request socket, sessions, recorded requests."""

    def __init__(
        self,
        *,
        secret: str,
        host: str = "127.0.0.1",
        port: int = 0,
        auth_server: tuple[str, int] | None = None,
        acct_server: tuple[str, int] | None = None,
        source: str = "127.0.0.1",
        nas_ip_address: str | None = "127.0.0.1",
        nas_identifier: str | None = None,
        require_message_authenticator: bool = False,
        coa_sources: Iterable[str] | None = None,
        timestamp_window: float = TIMESTAMP_WINDOW,
        timeout: float = 1.0,
        retries: int = 2,
        clock: Clock | None = None,
        dictionary: Dictionary | None = None,
        name: str = "nas",
    ) -> None:
        self.name = name
        self.host = host
        self.require_message_authenticator = require_message_authenticator
        self.received: list[ReceivedRequest] = []
        self.dropped: Counter[str] = Counter()
        self.duplicates = 0
        self.sessions = NasSessions()
        self._port = port
        try:  # None: CoA from any source
            self._coa_sources = None if coa_sources is None else source_addresses(coa_sources)
        except ValueError as exc:
            raise LabError(f"NAS simulator {name}: coa_sources: {exc}") from exc
        self._secret = SharedSecret(secret.encode())
        self._window = timestamp_window
        self._clock: Clock = clock or SystemClock()
        self._dictionary = dictionary or load_dictionary()
        self._decoder = AttributeDecoder(self._dictionary)
        self._behaviours: dict[CoaAction, Behaviour] = dict.fromkeys(CoaAction, APPLY)
        self._answers = DuplicateCache(ttl=timestamp_window)
        self._channel = RequestChannel(
            secret=self._secret, source=source, timeout=timeout, retries=retries
        )
        self.requests = NasRequests(
            channel=self._channel,
            secret=self._secret,
            dictionary=self._dictionary,
            identity=NasIdentity(nas_ip_address, nas_identifier),
            auth_server=auth_server,
            acct_server=acct_server,
        )
        # Single requests are `NasRequests`' own, under the simulator's name so a test
        # reads `await nas.accounting(...)`; they change none of its sessions
        # (`start_session`, `interim`, `stop_session` and `connect` do).
        self.access_pap = self.requests.access_pap
        self.access_chap = self.requests.access_chap
        self.accounting = self.requests.accounting
        self._transport: asyncio.DatagramTransport | None = None
        self._waiters: list[tuple[int, asyncio.Future[ReceivedRequest]]] = []
        self._tasks: set[asyncio.Task[None]] = set()

    # -- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind the CoA port (`port` 0 picks a free one) and open the request socket."""
        if self._transport is not None:
            raise LabError(f"NAS simulator {self.name} is already running")
        loop = asyncio.get_running_loop()
        try:
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _CoaPort(self), local_addr=(self.host, self._port)
            )
        except OSError as exc:
            raise LabError(
                f"NAS simulator {self.name}: cannot bind {self.host}:{self._port}: {exc}"
            ) from exc
        self._transport = transport
        self._port = int(self._transport.get_extra_info("sockname")[1])
        try:
            await self._channel.open()
        except OSError as exc:
            await self.stop()
            raise LabError(
                f"NAS simulator {self.name}: cannot open its request socket: {exc}"
            ) from exc
        log.info("lab NAS %s: CoA/Disconnect on %s:%d", self.name, self.host, self._port)

    async def stop(self) -> None:
        """Close both sockets; Stops still being sent for Disconnects are abandoned."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for _, waiter in self._waiters:
            waiter.cancel()
        self._waiters.clear()
        self._channel.close()
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    async def __aenter__(self) -> NasSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def address(self) -> tuple[str, int]:
        """Where CoA and Disconnect requests go."""
        return self.host, self._port

    @property
    def bad_replies(self) -> int:
        """Replies to our requests that did not verify (a wrong secret, say)."""
        return self._channel.bad_replies

    # -- behaviour -------------------------------------------------------------------------

    def behave(self, kind: CoaAction | str, behaviour: Behaviour | str) -> None:
        """How to answer `coa` or `disconnect` requests from now on (see `nas_state`)."""
        chosen = behaviour if isinstance(behaviour, Behaviour) else Behaviour.parse(behaviour)
        self._behaviours[CoaAction(kind)] = chosen

    def behaviour(self, kind: CoaAction | str) -> Behaviour:
        return self._behaviours[CoaAction(kind)]

    def session(self, acct_session_id: str) -> NasSession | None:
        return self.sessions.get(acct_session_id)

    async def wait_received(self, count: int = 1) -> ReceivedRequest:
        """The `count`-th request received (1 = the first), once it has arrived."""
        if count < 1:
            raise ValueError("count starts at 1")
        if len(self.received) >= count:
            return self.received[count - 1]
        waiter: asyncio.Future[ReceivedRequest] = asyncio.get_running_loop().create_future()
        self._waiters.append((count, waiter))
        return await waiter

    # -- the CoA port ----------------------------------------------------------------------

    def datagram_received(self, data: bytes, source: tuple[str, int]) -> None:
        """One datagram on the CoA port: drop it, resend an earlier answer, or answer it."""
        if not known_source(self._coa_sources, source[0]):
            self.dropped["unknown_source"] += 1
            return
        if len(data) < HEADER_SIZE:
            self.dropped["malformed"] += 1
            return
        key = request_key(source[0], source[1], data)
        cached = self._answers.get(key, self._clock.monotonic())
        if cached:
            self.duplicates += 1
            self._send(cached, source)
            return
        packet = self._admit(data)
        if packet is not None:
            self._answer(packet, key, source)

    def _admit(self, data: bytes) -> Packet | None:
        try:
            packet = parse(data)
        except MalformedPacket:
            self.dropped["malformed"] += 1
            return None
        reason = rejection(
            packet,
            self._secret,
            now=self._clock.now(),
            window=self._window,
            require_message_authenticator=self.require_message_authenticator,
        )
        if reason:
            self.dropped[reason] += 1
            log.info("lab NAS %s: dropped a request (%s)", self.name, reason)
            return None
        return packet

    def _answer(self, packet: Packet, key: bytes, source: tuple[str, int]) -> None:
        kind = request_kind(packet.code)
        assert kind is not None  # noqa: S101 - `_rejection` let only the two kinds through
        pairs = self._decoder.pairs(packet.raw[HEADER_SIZE:])
        wanted = Identification(
            username=packet.string(USER_NAME),
            acct_session_id=packet.acct_session_id,
            framed_ip=packet.framed_ip_address,
        )
        decision = decide(
            self._behaviours[kind], kind, wanted, pairs, self.sessions, nas=self.requests.identity
        )
        request = ReceivedRequest(
            kind, packet.identifier, source, pairs, decision.code, decision.error_cause
        )
        log.info(
            "lab NAS %s: %s %s -> %s",
            self.name,
            kind,
            dict(authorisation(pairs)) or "",
            "silence" if decision.code is None else Code(decision.code).name,
        )
        reply = answer(packet, decision, self._secret)
        if reply is not None:
            self._answers.put(key, reply, self._clock.monotonic())
            self._send(reply, source)
        self._record(request)
        if decision.ended is not None and self.requests.acct_server is not None:
            self._spawn(self._stopped_by_disconnect(decision.ended))

    def _record(self, request: ReceivedRequest) -> None:
        self.received.append(request)
        arrived = len(self.received)
        for count, waiter in list(self._waiters):
            if count <= arrived:
                self._waiters.remove((count, waiter))
                if not waiter.done():
                    waiter.set_result(self.received[count - 1])

    def _send(self, datagram: bytes, destination: tuple[str, int]) -> None:
        if self._transport is not None:
            self._transport.sendto(datagram, destination)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _stopped_by_disconnect(self, session: NasSession) -> None:
        try:
            await self._report("Stop", session, cause="Admin-Reset")
        except LabError as exc:
            log.warning("lab NAS %s: the Stop after a Disconnect got no answer: %s", self.name, exc)

    # -- the client side (and `access_pap`, `access_chap`, `accounting`) -------------------

    async def accounting_on(self) -> Packet:
        """Accounting-On: the NAS (re)started, so none of its sessions is live any more."""
        self.sessions.clear()
        return await self.requests.accounting_on()

    async def start_session(
        self,
        acct_session_id: str,
        username: str,
        *,
        framed_ip: str | None = None,
        attributes: Mapping[str, str] | None = None,
    ) -> NasSession:
        """A live session (what `apply` acts on), announced with an Accounting Start."""
        session = NasSession(acct_session_id, username, framed_ip, dict(attributes or {}))
        self.sessions.start(session)
        await self._report("Start", session)
        return session

    async def interim(self, acct_session_id: str, usage: Usage) -> Packet:
        """An Interim-Update with the session's counters."""
        return await self._report("Interim-Update", self._live(acct_session_id), usage=usage)

    async def stop_session(
        self, acct_session_id: str, *, usage: Usage | None = None, cause: str = "User-Request"
    ) -> Packet:
        """End a live session and send its Stop with an Acct-Terminate-Cause."""
        session = self._live(acct_session_id)
        self.sessions.end(acct_session_id)
        return await self._report("Stop", session, usage=usage, cause=cause)

    async def connect(
        self, username: str, password: str, acct_session_id: str, *, framed_ip: str | None = None
    ) -> NasSession:
        """What a subscriber's dial-in does: PAP, then (when accepted) a session with the
        Access-Accept's attributes and its Framed-IP-Address (else `framed_ip`)."""
        reply = await self.access_pap(username, password)
        if reply.code != Code.ACCESS_ACCEPT:
            raise LabError(f"{username}: {Code(reply.code).name}, no session started")
        granted = dict(authorisation(self._decoder.pairs(reply.raw[HEADER_SIZE:])))
        return await self.start_session(
            acct_session_id,
            username,
            framed_ip=reply.framed_ip_address or framed_ip,
            attributes=granted,
        )

    async def _report(
        self,
        status: str,
        session: NasSession,
        *,
        usage: Usage | None = None,
        cause: str | None = None,  # a Stop's Acct-Terminate-Cause
    ) -> Packet:
        """The Accounting-Request of one of the simulator's sessions."""
        pairs = [] if cause is None else [("Acct-Terminate-Cause", cause)]
        return await self.accounting(
            status,
            session.acct_session_id,
            session.username,
            framed_ip=session.framed_ip,
            usage=usage,
            pairs=pairs,
        )

    def _live(self, acct_session_id: str) -> NasSession:
        session = self.sessions.get(acct_session_id)
        if session is None:
            raise LabError(f"NAS simulator {self.name} has no session {acct_session_id!r}")
        return session
