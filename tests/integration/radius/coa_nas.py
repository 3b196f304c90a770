"""A minimal NAS `/radius incoming` for the CoA tests: one loopback UDP socket that checks
each CoA- or Disconnect-Request's authenticators with its secret, keeps it, and answers
as told (an ACK by default, a NAK with an Error-Cause, or silence). Built on provisiond's
codec; the lab's NAS simulator is deliberately not used here."""

from __future__ import annotations

import asyncio
import struct
from typing import TYPE_CHECKING, Any, cast

from provisiond.radius.auth import (
    verify_request_authenticator,
    verify_request_message_authenticator,
)
from provisiond.radius.digest import SharedSecret
from provisiond.radius.packet import parse
from provisiond.radius.reply import build_reply
from provisiond.radius.wire import (
    ERROR_CAUSE,
    VENDOR_MIKROTIK,
    Code,
    encode_attribute,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from provisiond.radius.packet import Packet

Answer = tuple[int, int | None] | None
"""(reply code, Error-Cause or None), or None: stay silent."""

_VSA = struct.Struct("!LBB")


def ack(packet: Packet) -> Answer:
    code = Code.COA_ACK if packet.code == Code.COA_REQUEST else Code.DISCONNECT_ACK
    return code, None


def nak(cause: int | None) -> Callable[[Packet], Answer]:
    def answer(packet: Packet) -> Answer:
        code = Code.COA_NAK if packet.code == Code.COA_REQUEST else Code.DISCONNECT_NAK
        return code, cause

    return answer


def silent(packet: Packet) -> Answer:
    del packet
    return None


def mikrotik(packet: Packet, kind: int) -> str | None:
    """A MikroTik vendor attribute's text, if the packet carries it."""
    for value in packet.vendor_specific:
        vendor, sub_type, _ = _VSA.unpack_from(value)
        if vendor == VENDOR_MIKROTIK and sub_type == kind:
            return value[6:].decode()
    return None


class CoaNas(asyncio.DatagramProtocol):
    def __init__(self, secret: str, answer: Callable[[Packet], Answer] = ack) -> None:
        self.secret = SharedSecret(secret.encode())
        self.answer = answer
        self.requests: list[Packet] = []
        self.raw: list[bytes] = []
        self.sources: list[tuple[Any, ...]] = []
        self.unverified = 0
        self.transport: asyncio.DatagramTransport | None = None
        self._arrived = asyncio.Event()

    async def __aenter__(self) -> CoaNas:
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: self, local_addr=("127.0.0.1", 0))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.transport is not None:
            self.transport.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast("asyncio.DatagramTransport", transport)

    @property
    def address(self) -> tuple[str, int]:
        assert self.transport is not None
        host, port = self.transport.get_extra_info("sockname")[:2]
        return str(host), int(port)

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        packet = parse(data)
        signed = packet.message_authenticator is None or verify_request_message_authenticator(
            packet, self.secret
        )
        if not (verify_request_authenticator(packet, self.secret) and signed):
            self.unverified += 1
            return
        self.requests.append(packet)
        self.raw.append(data)
        self.sources.append(addr)
        self._arrived.set()
        answer = self.answer(packet)
        if answer is not None:
            self.reply(packet, addr, *answer)

    def reply(
        self,
        packet: Packet,
        addr: tuple[Any, ...],
        code: int,
        cause: int | None = None,
        *,
        secret: SharedSecret | None = None,
    ) -> None:
        attributes = b"" if cause is None else encode_attribute(ERROR_CAUSE, cause.to_bytes(4))
        assert self.transport is not None
        self.transport.sendto(build_reply(packet, code, secret or self.secret, attributes), addr)

    async def wait_for(self, count: int) -> list[Packet]:
        """The first `count` verified requests, once they have arrived."""
        async with asyncio.timeout(5):
            while len(self.requests) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.requests[:count]
