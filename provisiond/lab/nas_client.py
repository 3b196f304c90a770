"""The client half of the lab's NAS: requests out of one UDP socket, verified replies back.

`NasRequests` builds what a NAS sends (Access-Request with PAP or CHAP and
Message-Authenticator, Accounting-Request with NAS-IP-Address / NAS-Identifier);
`RequestChannel` sends it and matches the answers.

A request is retransmitted unchanged (same identifier and authenticator, RFC 5080
§2.2.1) every `timeout` seconds, `retries` times, then given up with `NoReplyError`. A reply
is matched by identifier and must answer the request (code, Response Authenticator, and
Message-Authenticator for Access-Request and Status-Server); anything else is counted in
`bad_replies` and ignored, as a NAS does. Waits are on the event loop's time: this is a
network exchange over real sockets, not a deadline of the simulated NAS.
"""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING, Any, Final

from provisiond.lab import nas_requests
from provisiond.lab.errors import LabError
from provisiond.radius.auth import RANDOM_REQUESTS
from provisiond.radius.errors import InvalidReplyError, MalformedPacket
from provisiond.radius.reply import parse_reply
from provisiond.radius.request import build_request
from provisiond.radius.wire import AUTHENTICATOR_SIZE, HEADER_SIZE, Code

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from pyrad.dictionary import Dictionary

    from provisiond.lab.nas_requests import NasIdentity, Usage
    from provisiond.radius.digest import SharedSecret
    from provisiond.radius.packet import Packet

IDENTIFIERS: Final = 256  # one octet per socket (RFC 2865 §3)
CHALLENGE_SIZE: Final = 16  # octets of a CHAP-Challenge


class NoReplyError(LabError):
    """The server did not answer a request (after every retransmission)."""


class _Inbox(asyncio.DatagramProtocol):
    def __init__(self, deliver: Callable[[bytes], None]) -> None:
        self._deliver = deliver

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        del addr  # a reply is matched by its identifier and authenticators, not its source
        self._deliver(data)

    def error_received(self, exc: Exception) -> None:
        """ICMP errors (nobody listening): the request just goes unanswered."""


class RequestChannel:
    """One socket (so one source address and port) a NAS sends its requests from."""

    def __init__(
        self, *, secret: SharedSecret, source: str = "127.0.0.1", timeout: float, retries: int
    ) -> None:
        if timeout <= 0 or retries < 0:
            raise ValueError("a request needs a positive timeout and retries >= 0")
        self._secret = secret
        self._source = source
        self._timeout = timeout
        self._retries = retries
        self._transport: asyncio.DatagramTransport | None = None
        self._pending: dict[int, tuple[bytes, asyncio.Future[Packet]]] = {}
        self._next = int.from_bytes(os.urandom(1))
        self.bad_replies = 0

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Inbox(self._reply), local_addr=(self._source, 0)
        )
        self._transport = transport

    def close(self) -> None:
        for _, waiter in self._pending.values():
            waiter.cancel()
        self._pending.clear()
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    async def send(
        self,
        server: tuple[str, int],
        code: int,
        attributes: bytes,
        *,
        authenticator: bytes | None = None,
        message_authenticator: bool = False,
    ) -> Packet:
        """Send a request and return its verified reply; `NoReplyError` when none came.

        `authenticator` is the random Request Authenticator of an Access-Request or
        Status-Server; the others' is computed (see `request.build_request`).
        """
        transport = self._transport
        if transport is None:
            raise LabError("the NAS's request socket is not open")
        identifier = self._identifier()
        datagram = build_request(
            code,
            identifier,
            self._secret,
            attributes,
            authenticator=authenticator,
            message_authenticator=message_authenticator,
        )
        waiter: asyncio.Future[Packet] = asyncio.get_running_loop().create_future()
        self._pending[identifier] = (datagram, waiter)
        try:
            for _ in range(self._retries + 1):
                transport.sendto(datagram, server)
                done, _ = await asyncio.wait({waiter}, timeout=self._timeout)
                if done:
                    return waiter.result()
        finally:
            self._pending.pop(identifier, None)
        raise NoReplyError(
            f"no answer from {server[0]}:{server[1]} to code {code} "
            f"after {self._retries + 1} tries of {self._timeout:g} s"
        )

    def _identifier(self) -> int:
        for _ in range(IDENTIFIERS):
            self._next = (self._next + 1) % IDENTIFIERS
            if self._next not in self._pending:
                return self._next
        raise LabError("all 256 RADIUS identifiers of the NAS's socket are waiting for replies")

    def _reply(self, data: bytes) -> None:
        if len(data) < HEADER_SIZE:
            self.bad_replies += 1
            return
        pending = self._pending.get(data[1])
        if pending is None or pending[1].done():
            self.bad_replies += 1  # late, duplicated, or never asked for
            return
        request, waiter = pending
        try:
            reply = parse_reply(
                data,
                self._secret,
                request_code=request[0],
                request_identifier=request[1],
                request_authenticator=request[4 : 4 + AUTHENTICATOR_SIZE],
                require_message_authenticator=request[0] in RANDOM_REQUESTS,
            )
        except (MalformedPacket, InvalidReplyError):
            self.bad_replies += 1
            return
        waiter.set_result(reply)


class NasRequests:
    """The requests a NAS sends, each answered with its verified reply (`NoReplyError`
    when none came). Servers are `(host, port)`; None means the NAS has none to ask."""

    def __init__(
        self,
        *,
        channel: RequestChannel,
        secret: SharedSecret,
        dictionary: Dictionary,
        identity: NasIdentity,
        auth_server: tuple[str, int] | None,
        acct_server: tuple[str, int] | None,
    ) -> None:
        self._channel = channel
        self._secret = secret
        self._dictionary = dictionary
        self.identity = identity
        self.auth_server = auth_server
        self.acct_server = acct_server

    async def access_pap(
        self, username: str, password: str, *, pairs: Sequence[tuple[str, str | int]] = ()
    ) -> Packet:
        """An Access-Request with User-Password; the Access-Accept or -Reject."""
        authenticator = os.urandom(AUTHENTICATOR_SIZE)
        attributes = nas_requests.pap(
            self._dictionary,
            self._secret,
            authenticator,
            username=username,
            password=password,
            pairs=[*self.identity.pairs(), *pairs],
        )
        return await self._access(attributes, authenticator)

    async def access_chap(
        self, username: str, password: str, *, pairs: Sequence[tuple[str, str | int]] = ()
    ) -> Packet:
        """An Access-Request with CHAP-Password and CHAP-Challenge."""
        attributes = nas_requests.chap(
            self._dictionary,
            os.urandom(CHALLENGE_SIZE),
            username=username,
            password=password,
            pairs=[*self.identity.pairs(), *pairs],
        )
        return await self._access(attributes, os.urandom(AUTHENTICATOR_SIZE))

    async def _access(self, attributes: bytes, authenticator: bytes) -> Packet:
        if self.auth_server is None:
            raise LabError("the NAS has no auth_server to send to")
        return await self._channel.send(
            self.auth_server,
            Code.ACCESS_REQUEST,
            attributes,
            authenticator=authenticator,
            message_authenticator=True,
        )

    async def accounting(
        self,
        status: str,
        acct_session_id: str,
        username: str,
        *,
        framed_ip: str | None = None,
        usage: Usage | None = None,
        pairs: Sequence[tuple[str, str | int]] = (),
    ) -> Packet:
        """A session's Accounting-Request; `status` is a VALUE name (Start, Stop, ...)."""
        session = nas_requests.session_pairs(acct_session_id, username, framed_ip)
        counters = usage.pairs() if usage is not None else []
        return await self._accounting(status, [*session, *counters, *pairs])

    async def accounting_on(self) -> Packet:
        """Accounting-On: the NAS (re)started."""
        return await self._accounting("Accounting-On", [])

    async def _accounting(self, status: str, pairs: Sequence[tuple[str, str | int]]) -> Packet:
        if self.acct_server is None:
            raise LabError("the NAS has no acct_server to send to")
        attributes = nas_requests.accounting(
            self._dictionary, status, [*pairs, *self.identity.pairs()]
        )
        return await self._channel.send(self.acct_server, Code.ACCOUNTING_REQUEST, attributes)
