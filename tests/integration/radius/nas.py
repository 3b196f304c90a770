"""A NAS for the tests: Access-, Accounting- and Status-Server requests over loopback UDP,
built on provisiond's own codec (`request.build_request`, `reply.parse_reply`)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from provisiond.radius.reply import parse_reply
from tests.unit.radius.requests import RequestBuilder

if TYPE_CHECKING:
    from provisiond.radius.packet import Packet


class _Inbox(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.replies: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        del addr  # one server per test
        self.replies.put_nowait(data)


class FakeNas(RequestBuilder):
    """One UDP socket (so one source port) talking to one server address."""

    def __init__(self, secret: str, *, source: str = "127.0.0.1") -> None:
        super().__init__(secret)
        self.source = source
        self._transport: asyncio.DatagramTransport | None = None
        self._inbox = _Inbox()

    async def __aenter__(self) -> FakeNas:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: self._inbox, local_addr=(self.source, 0)
        )
        self._transport = transport
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._transport is not None:
            self._transport.close()

    # -- raw exchange --------------------------------------------------------------------

    async def exchange(
        self, server: tuple[str, int], datagram: bytes, *, wait: float = 0.5
    ) -> bytes | None:
        """Send one datagram; the first reply within `wait` seconds, else None."""
        assert self._transport is not None
        while not self._inbox.replies.empty():
            self._inbox.replies.get_nowait()
        self._transport.sendto(datagram, server)
        with contextlib.suppress(TimeoutError):
            return await asyncio.wait_for(self._inbox.replies.get(), wait)
        return None

    async def ask(
        self,
        server: tuple[str, int],
        datagram: bytes,
        *,
        wait: float = 0.5,
    ) -> Packet | None:
        """Send a request and check the reply answers it (Message-Authenticator required
        in replies to Access-Request and Status-Server)."""
        reply = await self.exchange(server, datagram, wait=wait)
        if reply is None:
            return None
        return parse_reply(
            reply,
            self.secret,
            request_code=datagram[0],
            request_identifier=datagram[1],
            request_authenticator=datagram[4:20],
            require_message_authenticator=True,
        )
