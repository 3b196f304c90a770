"""`CoaRequester`: CoA-Request and Disconnect-Request over UDP, with verified answers.

The CoA sender and the CoA relay both send through one requester. Sockets are opened
lazily, one pool per local source address (`[device.nas] coa_source`, which must match
the NAS's `/radius` entry) and address family. RADIUS identifies a request by one octet,
so a socket has at most 256 requests in flight; when every identifier of a pool's
sockets is taken, another socket is opened rather than failing the request (pyrad's
client raises instead). Identifiers are handed out round-robin, so one is reused as late
as possible and a late answer to an earlier request is unlikely to meet its successor.

An answer is matched by (socket, identifier) and then verified: its code must answer the
request, its Response Authenticator must hold for the target's secret and the request's
authenticator, and a Message-Authenticator, when present, must be right. Anything else is
dropped and counted (`provisiond_coa_reply_drops_total{reason}`); the request goes on
waiting for the real answer.

A request is sent, then retransmitted unchanged (same identifier and authenticator, so
the NAS can recognise a duplicate) `retries` times, each attempt waiting `timeout`
seconds on the injected clock, then `CoaTimeout`. pyrad's `ClientAsync` defaults (30 s,
four tries: two minutes) are no use for CoA; the sender takes `[coa] timeout` and
`retries`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol, cast

from provisiond.radius.digest import SharedSecret
from provisiond.radius.errors import (
    EncodingError,
    InvalidReplyError,
    MalformedPacket,
    RadiusError,
)
from provisiond.radius.reply import parse_reply
from provisiond.radius.request import build_request
from provisiond.radius.wire import HEADER_SIZE, Code

if TYPE_CHECKING:
    from collections.abc import Sequence

    from provisiond.config.settings import DeviceSettings, NasSettings
    from provisiond.model.clock import Clock
    from provisiond.observability.metrics import Metrics
    from provisiond.radius.packet import Packet

log = logging.getLogger(__name__)

IDENTIFIERS: Final = 256  # one octet (RFC 2865 §3)
REQUEST_CODES: Final = frozenset({Code.COA_REQUEST, Code.DISCONNECT_REQUEST})
DROP_REASONS: Final = ("malformed", "unknown_identifier", "duplicate", "invalid")


class CoaError(RadiusError):
    """A CoA or Disconnect request that could not be sent or answered."""


class CoaTimeout(CoaError):  # noqa: N818 - the name the CoA contract uses
    """No verified answer after the first attempt and every retransmission."""


@dataclass(frozen=True, slots=True, eq=False)
class CoaTarget:
    """Where a NAS takes CoA and Disconnect requests (`[device.nas]`)."""

    nas: str  # the [[device]] name
    host: str  # an IP address
    port: int
    secret: SharedSecret
    source: str | None = None  # local address to send from; None: the kernel's choice
    message_authenticator: bool = False  # sign requests with Message-Authenticator
    # `[device.nas] nas_identifier`: names the NAS in a request whose session's accounting
    # carried no NAS identification (RFC 5176 §3); "": none configured
    nas_identifier: str = ""

    def __repr__(self) -> str:
        return f"CoaTarget({self.nas!r}, {self.host!r}, {self.port})"  # no secret


@dataclass(frozen=True, slots=True)
class CoaAnswer:
    """A verified answer: CoA-ACK/-NAK or Disconnect-ACK/-NAK."""

    code: int
    error_cause: int | None
    reply: Packet

    @property
    def acked(self) -> bool:
        return self.code in (Code.COA_ACK, Code.DISCONNECT_ACK)


def coa_targets(devices: Sequence[DeviceSettings]) -> dict[str, CoaTarget]:
    """The CoA target of every `[device.nas]` with a CoA port, by device name.

    The host is `coa_address`, else the NAS's first address when that is one host (the
    loader demands `coa_address` otherwise). `message_authenticator` follows the NAS's
    `require_message_authenticator`: RFC 5176 lets a request carry one, and a NAS that
    signs its own requests understands it, where an older RouterOS may not.
    `nas_identifier` is the NAS's, for sessions whose accounting named no NAS.
    """
    targets: dict[str, CoaTarget] = {}
    for device in devices:
        nas = device.nas
        if nas is None or nas.coa_port == 0:
            continue
        host = nas.coa_address or _single_host(nas)
        if host is None:
            log.warning("NAS %s has no single CoA address; it gets no CoA", device.name)
            continue
        targets[device.name] = CoaTarget(
            nas=device.name,
            host=host,
            port=nas.coa_port,
            secret=SharedSecret(nas.secret.reveal().encode()),
            source=nas.coa_source,
            message_authenticator=nas.require_message_authenticator,
            nas_identifier=nas.nas_identifier,
        )
    return targets


def _single_host(nas: NasSettings) -> str | None:
    first = nas.address[0] if nas.address else None
    if first is None or first.prefixlen != first.max_prefixlen:
        return None
    return str(first.network_address)


@dataclass(slots=True)
class _Exchange:
    """One request waiting on a socket for its answer."""

    code: int
    identifier: int
    authenticator: bytes
    secret: SharedSecret
    answer: asyncio.Future[Packet]


class _Endpoint(asyncio.DatagramProtocol):
    """One UDP socket and the requests waiting on it, by identifier."""

    def __init__(self, requester: CoaRequester) -> None:
        self._requester = requester
        self.transport: asyncio.DatagramTransport | None = None
        self.waiting: dict[int, _Exchange | None] = {}  # None: reserved, not yet sent
        self._next = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast("asyncio.DatagramTransport", transport)

    def connection_lost(self, exc: Exception | None) -> None:
        del exc  # closed by `CoaRequester.close`, or the socket failed: either way, done
        for exchange in self.waiting.values():
            if exchange is not None and not exchange.answer.done():
                exchange.answer.set_exception(CoaError("the CoA socket was closed"))

    def error_received(self, exc: Exception) -> None:
        """ICMP errors and send failures: the retransmission covers a lost datagram."""

    def reserve(self) -> int | None:
        """A free identifier, round-robin; None when all 256 are in flight."""
        if len(self.waiting) >= IDENTIFIERS:
            return None
        while self._next in self.waiting:
            self._next = (self._next + 1) % IDENTIFIERS
        identifier = self._next
        self._next = (identifier + 1) % IDENTIFIERS
        self.waiting[identifier] = None
        return identifier

    def release(self, identifier: int) -> None:
        self.waiting.pop(identifier, None)

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        del addr  # answers are matched by identifier and verified by the secret
        if len(data) < HEADER_SIZE:
            self._requester.dropped("malformed")
            return
        exchange = self.waiting.get(data[1])
        if exchange is None:
            self._requester.dropped("unknown_identifier")  # late, or never ours
            return
        if exchange.answer.done():
            self._requester.dropped("duplicate")  # the NAS answered a retransmission too
            return
        try:
            reply = parse_reply(
                data,
                exchange.secret,
                request_code=exchange.code,
                request_identifier=exchange.identifier,
                request_authenticator=exchange.authenticator,
            )
        except MalformedPacket:
            self._requester.dropped("malformed")
        except InvalidReplyError:
            self._requester.dropped("invalid")
        else:
            exchange.answer.set_result(reply)


class Requester(Protocol):
    """What the CoA sender and the CoA relay need of `CoaRequester` (tests pass a fake
    NAS)."""

    async def send(
        self,
        target: CoaTarget,
        code: int,
        attributes: bytes,
        *,
        timeout: float,  # noqa: ASYNC109 - CoaRequester's: it waits on the injected clock
        retries: int,
    ) -> CoaAnswer: ...


class CoaRequester:
    def __init__(self, *, clock: Clock, metrics: Metrics) -> None:
        self._clock = clock
        self._drops = {
            reason: metrics.coa_reply_drops.labels(reason=reason) for reason in DROP_REASONS
        }
        self._pools: dict[tuple[str | None, int], list[_Endpoint]] = {}
        self._opening = asyncio.Lock()
        self._closed = False

    @property
    def in_flight(self) -> int:
        return sum(len(ep.waiting) for pool in self._pools.values() for ep in pool)

    @property
    def sockets(self) -> int:
        return sum(len(pool) for pool in self._pools.values())

    def dropped(self, reason: str) -> None:
        self._drops[reason].inc()

    async def send(
        self,
        target: CoaTarget,
        code: int,
        attributes: bytes,
        *,
        timeout: float,  # noqa: ASYNC109 - seconds of the injected clock per attempt
        retries: int,
    ) -> CoaAnswer:
        """Send a CoA-Request or Disconnect-Request with these encoded attributes (the
        Message-Authenticator is added first when the target asks for it) and return the
        verified answer; `CoaTimeout` after `retries` retransmissions without one."""
        if code not in REQUEST_CODES:
            raise EncodingError(f"code {code} is not a CoA-Request or Disconnect-Request")
        if timeout <= 0 or retries < 0:
            raise ValueError("a CoA needs a positive timeout and zero or more retries")
        endpoint, identifier = await self._reserve(target)
        try:
            datagram = build_request(
                code,
                identifier,
                target.secret,
                attributes,
                message_authenticator=target.message_authenticator,
            )
            answer = asyncio.get_running_loop().create_future()
            endpoint.waiting[identifier] = _Exchange(
                code, identifier, datagram[4:HEADER_SIZE], target.secret, answer
            )
            reply = await self._exchange(
                endpoint, datagram, target, answer, timeout=timeout, retries=retries
            )
        finally:
            endpoint.release(identifier)
        return CoaAnswer(reply.code, reply.error_cause, reply)

    async def _exchange(
        self,
        endpoint: _Endpoint,
        datagram: bytes,
        target: CoaTarget,
        answer: asyncio.Future[Packet],
        *,
        timeout: float,  # noqa: ASYNC109 - seconds of the injected clock per attempt
        retries: int,
    ) -> Packet:
        transport = endpoint.transport
        if transport is None or transport.is_closing():
            raise CoaError("the CoA socket is closed")
        for _ in range(retries + 1):
            transport.sendto(datagram, (target.host, target.port))
            if await self._answered(answer, timeout):
                return answer.result()  # raises the CoaError of a closed socket
        raise CoaTimeout(
            f"NAS {target.nas} ({target.host}:{target.port}) did not answer "
            f"{retries + 1} attempts of {timeout:g} s"
        )

    async def _answered(self, answer: asyncio.Future[Packet], seconds: float) -> bool:
        """Wait for the answer at most `seconds` of the clock."""
        sleeper = asyncio.ensure_future(self._clock.sleep(seconds))
        try:
            await asyncio.wait((answer, sleeper), return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            await asyncio.gather(sleeper, return_exceptions=True)
        return answer.done()

    async def _reserve(self, target: CoaTarget) -> tuple[_Endpoint, int]:
        if self._closed:
            raise CoaError("the CoA requester is closed")
        family = _family(target)
        pool = self._pools.setdefault((target.source, family), [])
        found = _free(pool)
        if found is not None:
            return found
        async with self._opening:  # one new socket at a time; a waiter may find room
            found = _free(pool)
            if found is not None:
                return found
            endpoint = await self._open(target.source, family)
            pool.append(endpoint)
            identifier = endpoint.reserve()
            assert identifier is not None  # noqa: S101 - a new socket has every identifier free
            return endpoint, identifier

    async def _open(self, source: str | None, family: int) -> _Endpoint:
        loop = asyncio.get_running_loop()
        local = None if source is None else (source, 0)
        try:
            _, protocol = await loop.create_datagram_endpoint(
                lambda: _Endpoint(self), local_addr=local, family=family
            )
        except OSError as exc:
            raise CoaError(f"cannot open a CoA socket from {source}: {exc.strerror}") from exc
        return protocol

    def close(self) -> None:
        """Close every socket; requests still waiting fail with `CoaError`."""
        self._closed = True
        for pool in self._pools.values():
            for endpoint in pool:
                if endpoint.transport is not None:
                    endpoint.transport.close()
        self._pools.clear()


def _free(pool: list[_Endpoint]) -> tuple[_Endpoint, int] | None:
    for endpoint in pool:
        identifier = endpoint.reserve()
        if identifier is not None:
            return endpoint, identifier
    return None


def _family(target: CoaTarget) -> int:
    try:
        host = ipaddress.ip_address(target.host)
        source = None if target.source is None else ipaddress.ip_address(target.source)
    except ValueError as exc:
        raise CoaError(f"NAS {target.nas}: {exc}") from exc
    if source is not None and source.version != host.version:
        raise CoaError(f"NAS {target.nas}: coa_source {target.source} cannot reach {target.host}")
    return socket.AF_INET6 if isinstance(host, ipaddress.IPv6Address) else socket.AF_INET
