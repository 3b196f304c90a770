"""The RADIUS request path in process, without sockets: CPU time per request.

`bench.radius` measures the server as a NAS sees it, the kernel's UDP work included.
This measures what the Python side costs: the real `RadiusServer` of `radius_provisiond`
(the bench's 10,000 users, a real SQLite store, usage metering) is started, its
protocols get pre-built datagrams (`radius_traffic`) through `datagram_received`, and
the answers go to a transport that only counts them. CPU time is the process's (the
database thread's included), so an Accounting-Request's figure holds its share of the
commit. Accounting goes in a closed loop of 64 requests, as the socket bench keeps in
flight: each round's answers, all after their COMMIT, before the next round.

Figures (CPU µs per request, median of `ROUNDS` passes):
- `radius_handler_auth_us`: Access-Requests (PAP, Message-Authenticator), every user's
  answer already cached, as in steady operation;
- `radius_handler_acct_us`: Accounting-Requests (Start, Interim-Update, Stop of
  overlapping sessions), durable before each answer.
And the parts of an Access-Request, each timed alone on 1,000 requests:
`radius_part_parse_us`, `radius_part_message_authenticator_us`, `radius_part_pap_us`
(one-block PAP against the user's prepared block), `radius_part_reply_us` (the
prepared Access-Accept), `radius_part_duplicate_cache_us` (key, lookup and store).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import timeit
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from bench import Figure, radius_world
from bench.radius_provisiond import assemble
from bench.radius_traffic import AcctTraffic, AuthTraffic
from provisiond.radius.auth import verify_request_message_authenticator
from provisiond.radius.dedup import DuplicateCache, request_key
from provisiond.radius.digest import SharedSecret
from provisiond.radius.packet import parse
from provisiond.radius.passwords import pap_block, pap_verify_block
from provisiond.radius.reply import PreparedReply
from provisiond.radius.wire import Code
from provisiond.runtime.clock import SystemClock
from provisiond.store import Store

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from provisiond.radius.protocol import RadiusProtocol

ROUNDS: Final = 5
AUTH_REQUESTS: Final = 100_000  # per pass
ACCT_REQUESTS: Final = 30_000  # per pass
IN_FLIGHT: Final = 64  # accounting requests per closed-loop round
PART_REQUESTS: Final = 1_000
_SOURCES: Final = [(radius_world.NAS_IP, 40_000 + port) for port in range(8)]


class _CountingTransport:
    """Counts the answers; wakes the bench once `target` of them went out."""

    def __init__(self) -> None:
        self.sent = 0
        self.target = 0
        self.reached = asyncio.Event()

    def sendto(self, data: bytes, addr: Any = None) -> None:  # noqa: ANN401 - a socket address
        del data, addr
        self.sent += 1
        if self.sent >= self.target:
            self.reached.set()

    def is_closing(self) -> bool:
        return False

    async def wait_for(self, target: int) -> None:
        self.target = target
        if self.sent < target:
            self.reached.clear()
            await self.reached.wait()


def _auth_pass(protocol: RadiusProtocol, traffic: AuthTraffic) -> float:
    datagrams = [traffic.request(index % 256)[0] for index in range(AUTH_REQUESTS)]
    receive = protocol.datagram_received
    started = time.process_time()
    for index, datagram in enumerate(datagrams):
        receive(datagram, _SOURCES[index % 8])
    return (time.process_time() - started) / AUTH_REQUESTS * 1e6


async def _acct_pass(
    protocol: RadiusProtocol, traffic: AcctTraffic, transport: _CountingTransport
) -> float:
    datagrams = [traffic.request(index % 256)[0] for index in range(ACCT_REQUESTS)]
    receive = protocol.datagram_received
    first = transport.sent
    started = time.process_time()
    for begin in range(0, ACCT_REQUESTS, IN_FLIGHT):
        for index in range(begin, min(begin + IN_FLIGHT, ACCT_REQUESTS)):
            receive(datagrams[index], _SOURCES[index % 8])
        await transport.wait_for(first + min(begin + IN_FLIGHT, ACCT_REQUESTS))
    return (time.process_time() - started) / ACCT_REQUESTS * 1e6


def _protocol(protocols: list[RadiusProtocol], *, accounting: bool) -> RadiusProtocol:
    return next(protocol for protocol in protocols if protocol.accounting == accounting)


async def _handler_figures() -> list[Figure]:
    clock = SystemClock()
    users = radius_world.users()
    secret = radius_world.SECRET.encode()
    with tempfile.TemporaryDirectory(prefix="bench-radius-handler-") as state_dir:
        store = await Store.open(f"sqlite:///{state_dir}/provisiond.db", clock=clock)
        try:
            assembled = await assemble(store, clock, Path(state_dir))
            server = assembled.server
            await server.start()
            try:
                auth = _protocol(server.protocols, accounting=False)
                acct = _protocol(server.protocols, accounting=True)
                transport = _CountingTransport()
                auth.transport = acct.transport = transport  # type: ignore[assignment]
                auth_traffic = AuthTraffic(users, secret, radius_world.NAS_IDENTIFIER)
                _auth_pass(auth, auth_traffic)  # every user's answer worked out once
                auth_us = [_auth_pass(auth, auth_traffic) for _ in range(ROUNDS)]
                acct_us = []
                for number in range(ROUNDS):
                    traffic = AcctTraffic(
                        users, secret, radius_world.NAS_IDENTIFIER, label=f"handler-{number}"
                    )
                    acct_us.append(await _acct_pass(acct, traffic, transport))
            finally:
                await server.stop()
                await assembled.usage.stop()
        finally:
            await store.close()
    return [
        Figure("radius_handler_auth_us", statistics.median(auth_us), "us"),
        Figure("radius_handler_acct_us", statistics.median(acct_us), "us"),
    ]


def _timed(action: Callable[[], object]) -> float:
    """µs per call of `action` over PART_REQUESTS calls, best of 20 passes."""
    best = min(timeit.repeat(action, number=1, repeat=20))
    return best / PART_REQUESTS * 1e6


class _Parts:
    """Each part of an Access-Request over the same 1,000 requests (module docstring)."""

    NAMES: Final = ("parse", "message_authenticator", "pap", "reply", "duplicate_cache")

    def __init__(self) -> None:
        users = radius_world.users(PART_REQUESTS)
        self.secret = SharedSecret(radius_world.SECRET.encode())
        traffic = AuthTraffic(users, self.secret.value, radius_world.NAS_IDENTIFIER)
        self.datagrams = [traffic.request(index % 256)[0] for index in range(PART_REQUESTS)]
        self.packets = [parse(datagram) for datagram in self.datagrams]
        self.blocks = [pap_block(user.password.encode()) or 0 for user in users]
        self.prepared = PreparedReply(Code.ACCESS_ACCEPT, bytes((8, 6, 100, 64, 0, 1)))
        self.cache = DuplicateCache()
        self.now = time.monotonic()

    def parse(self) -> None:
        for datagram in self.datagrams:
            parse(datagram)

    def message_authenticator(self) -> None:
        for packet in self.packets:
            verify_request_message_authenticator(packet, self.secret)

    def pap(self) -> None:
        for packet, block in zip(self.packets, self.blocks, strict=True):
            pap_verify_block(packet.user_password or b"", block, self.secret, packet.authenticator)

    def reply(self) -> None:
        for packet in self.packets:
            self.prepared.build(packet, self.secret)

    def duplicate_cache(self) -> None:
        for datagram in self.datagrams:
            key = request_key(radius_world.NAS_IP, 40_000, datagram)
            self.cache.get(key, self.now)
            self.cache.put(key, b"answer", self.now)


def _part_figures() -> Iterator[Figure]:
    parts = _Parts()
    parts.parse()  # the layouts are learnt, as in steady operation
    for name in _Parts.NAMES:
        yield Figure(f"radius_part_{name}_us", _timed(getattr(parts, name)), "us")


def run() -> Iterator[Figure]:
    yield from asyncio.run(_handler_figures())
    yield from _part_figures()
