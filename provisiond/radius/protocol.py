"""The request path: datagrams in, answers out, on the auth and accounting ports.

Authentication is answered inside `datagram_received`, synchronously, from memory: the
client table, the duplicate cache and the per-user decision cache. No task, no I/O and
no log line per packet (DESIGN.md §8); what happened is counted (`stats`). Accounting
requests are checked the same way and then queued for the group commit
(`acct_writer`), which answers them once their records are durable.

Per datagram, in order: the source must be a configured NAS; a retransmission gets the
cached answer; the packet must parse, come from a known client (NAS-Identifier where
several share the address), carry a valid Request Authenticator (accounting) and a
valid Message-Authenticator where one is present or required. Anything else is dropped
and counted by reason. An Access-Request on the auth port, the hot path, makes these
checks in one flat method (`RadiusProtocol._access_request`) and is answered from the
user's prepared reply (docs/radius-codec.md); every other datagram takes `_receive`.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import TYPE_CHECKING, Any, Final, TypeAlias, cast

from provisiond.radius import authenticate
from provisiond.radius.acct_request import read_record, session_id_of, username_of
from provisiond.radius.acct_writer import Pending
from provisiond.radius.auth import (
    HASHED_REQUESTS,
    verify_request_authenticator,
    verify_request_message_authenticator,
)
from provisiond.radius.clients import select
from provisiond.radius.dedup import PENDING, DuplicateCache, request_key
from provisiond.radius.errors import MalformedPacket
from provisiond.radius.packet import parse
from provisiond.radius.reply import build_reply
from provisiond.radius.stats import DropReason, RequestType
from provisiond.radius.wire import HEADER_SIZE, USER_NAME, AcctStatusType, Code

if TYPE_CHECKING:
    from provisiond.model.clock import Clock
    from provisiond.radius.accounting import AcctRecord
    from provisiond.radius.acct_writer import AccountingWriter
    from provisiond.radius.clients import NasClient, NasTable
    from provisiond.radius.decisions import DecisionCache
    from provisiond.radius.packet import Packet
    from provisiond.radius.stats import RadiusStats

log = logging.getLogger(__name__)

Address: TypeAlias = tuple[Any, ...]
"""A source address as the socket gives it: (host, port) or IPv6's 4-tuple."""

# Plain ints for the per-packet comparisons: reading an enum member costs ~60 ns in
# CPython 3.11 (a class attribute lookup through EnumType), a module global ~10 ns.
_ACCESS_REQUEST: Final = int(Code.ACCESS_REQUEST)
_STATUS_SERVER: Final = int(Code.STATUS_SERVER)
_START: Final = int(AcctStatusType.START)
# What the auth port's general path admits: its Access-Requests take `_access_request`.
_AUTH_CODES: Final = frozenset({Code.STATUS_SERVER})
_ACCT_CODES: Final = frozenset({Code.ACCOUNTING_REQUEST, Code.STATUS_SERVER})
_SESSION_STATUSES: Final = frozenset(
    {AcctStatusType.START, AcctStatusType.INTERIM_UPDATE, AcctStatusType.STOP}
)
_NAS_STATUSES: Final = frozenset({AcctStatusType.ACCOUNTING_ON, AcctStatusType.ACCOUNTING_OFF})


def _duplicate_type(code: int, *, accounting: bool) -> RequestType:
    if code == _STATUS_SERVER:
        return RequestType.STATUS_SERVER
    return RequestType.ACCOUNTING_REQUEST if accounting else RequestType.ACCESS_REQUEST


class Handler:
    """The shared state of every socket and the checks both ports run."""

    def __init__(
        self,
        *,
        table: NasTable,
        decisions: DecisionCache,
        writer: AccountingWriter,
        auth_cache: DuplicateCache,
        acct_cache: DuplicateCache,
        clock: Clock,
        stats: RadiusStats,
    ) -> None:
        self.table = table
        self.decisions = decisions
        self.writer = writer
        self.auth_cache = auth_cache
        self.acct_cache = acct_cache
        self.clock = clock
        self.stats = stats
        self.warned: set[str] = set()  # NAS already told about a missing Message-Authenticator
        self._internal_error_logged = False

    # -- the checks both ports share ---------------------------------------------------

    def admit(
        self, data: bytes, address: Address, codes: frozenset[int]
    ) -> tuple[Packet, NasClient] | None:
        """The parsed packet and its client, or None when dropped (and counted)."""
        candidates = self.table.candidates(address[0])
        if not candidates:
            self.stats.drop(DropReason.UNKNOWN_CLIENT)
            return None
        try:
            packet = parse(data)
        except MalformedPacket:
            self.stats.drop(DropReason.MALFORMED)
            return None
        if packet.code not in codes:
            self.stats.drop(DropReason.UNEXPECTED_CODE)
            return None
        # NAS-Identifier is decoded only where several NAS share the address.
        client = (
            candidates[0] if len(candidates) == 1 else select(candidates, packet.nas_identifier)
        )
        if client is None:
            self.stats.drop(DropReason.UNKNOWN_CLIENT)
            return None
        return (packet, client) if self._authentic(packet, client) else None

    def _authentic(self, packet: Packet, client: NasClient) -> bool:
        secret = client.secret
        if packet.code in HASHED_REQUESTS and not verify_request_authenticator(packet, secret):
            self.stats.drop(DropReason.BAD_AUTHENTICATOR)
            return False
        if packet.message_authenticator_at >= 0:
            if verify_request_message_authenticator(packet, secret):
                return True
            self.stats.drop(DropReason.BAD_MESSAGE_AUTHENTICATOR)
            return False
        # RFC 5997 §3: a Status-Server always carries one; it has no other protection.
        code = packet.code
        if code == _STATUS_SERVER or (
            code == _ACCESS_REQUEST and client.require_message_authenticator
        ):
            self.missing(packet, client)
            return False
        return True

    def missing(self, packet: Packet, client: NasClient) -> None:
        """Drop a request without the Message-Authenticator its client must send."""
        self.stats.drop(DropReason.MISSING_MESSAGE_AUTHENTICATOR)
        if client.name not in self.warned:
            self.warned.add(client.name)
            log.warning(
                "NAS %s: dropping requests (code %d) without Message-Authenticator; set "
                "require-message-auth on the NAS, or require_message_authenticator = false "
                "in its [device.nas] for RouterOS < 7.15 (logged once)",
                client.name,
                packet.code,
                extra={"nas": client.name},
            )

    def internal_error(self) -> None:
        self.stats.drop(DropReason.INTERNAL_ERROR)
        if not self._internal_error_logged:
            self._internal_error_logged = True
            log.error("RADIUS request handling failed; the request was dropped (logged once)")

    # -- authentication ----------------------------------------------------------------

    def answer_access(self, packet: Packet, client: NasClient) -> bytes:
        """The reply to an admitted Access-Request, counted.

        PAP, CHAP and MAC requests are answered with the decision's prepared reply
        (`authenticate.prepared_answer`); MS-CHAPv2 ones, whose replies carry values
        computed per request, through `authenticate.answer` and `build_reply`.
        """
        decision = self.decisions.get(client.name, packet.attributes.get(USER_NAME) or b"")
        prepared = authenticate.prepared_answer(packet, client, decision)
        if prepared is None:
            answer = authenticate.answer(packet, client, decision, secrets.randbits(16))
            self._count_access(answer.reason)
            return build_reply(packet, answer.code, client.secret, answer.attributes)
        if prepared.reason:
            self._count_access(prepared.reason)
        else:
            self.stats.accepted.value += 1  # _count_access, inlined for the common case
        return prepared.build(packet, client.secret)

    def _count_access(self, reason: str) -> None:
        if reason:
            self.stats.rejected.value += 1
            self.stats.reject(reason)
        else:
            self.stats.accepted.value += 1

    # -- accounting --------------------------------------------------------------------

    def record(self, packet: Packet, client: NasClient, status: int) -> AcctRecord:
        """What the session table needs from an Accounting-Request."""
        account_id, applied = None, None
        if status in _SESSION_STATUSES:
            username = username_of(packet)
            if status != _START:  # an open session keeps its account
                name = username.decode("utf-8", "backslashreplace")
                account_id = self.writer.open_account((client.name, session_id_of(packet), name))
            if account_id is None:
                decision = self.decisions.get(client.name, username)
                account_id = decision.account_id
                applied = decision.pairs if decision.accepted else None
        return read_record(
            packet,
            nas=client.name,
            status=status,
            arrived=self.clock.now(),
            account_id=account_id,
            last_applied=applied,
        )

    def respond(self, pending: Pending) -> None:
        """Answer an Accounting-Request whose record is committed."""
        reply = build_reply(pending.packet, Code.ACCOUNTING_RESPONSE, pending.client.secret)
        now = self.clock.monotonic()
        self.acct_cache.put(pending.key, reply, now)
        pending.transport.sendto(reply, pending.address)
        self.stats.accounted.inc()
        self.stats.acct_latency.observe(now - pending.received)

    def abandon(self, pending: Pending, reason: DropReason) -> None:
        """Never answered: forget it, so the NAS's retransmission is a new request."""
        self.acct_cache.forget(pending.key)
        self.stats.drop(reason)


class RadiusProtocol(asyncio.DatagramProtocol):
    """One socket: `accounting` selects the port's request codes and handling."""

    def __init__(self, handler: Handler, *, accounting: bool) -> None:
        self._handler = handler
        self.accounting = accounting
        self._cache = handler.acct_cache if accounting else handler.auth_cache
        # Bound once: each saves attribute lookups on every datagram.
        self._codes = _ACCT_CODES if accounting else _AUTH_CODES
        self._monotonic = handler.clock.monotonic
        self._auth_latency = handler.stats.auth_latency
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast("asyncio.DatagramTransport", transport)

    def error_received(self, exc: Exception) -> None:
        """Send failures and ICMP errors: UDP loses packets anyway, and the NAS retransmits."""

    def datagram_received(self, data: bytes, addr: Address) -> None:
        try:
            if self.accounting or len(data) < HEADER_SIZE or data[0] != _ACCESS_REQUEST:
                self._receive(data, addr)
            else:
                self._access_request(data, addr)
        except Exception:  # noqa: BLE001 - a bad packet must never take the server down
            self._handler.internal_error()

    def _access_request(self, data: bytes, addr: Address) -> None:
        """An Access-Request on the auth port (`data` has a header), start to finish.

        The hot path: the checks of `_receive` and `Handler.admit`, in the same order and
        with the same drops, written out in one frame with locals. Every call layer and
        attribute lookup here is paid per request (DESIGN.md §8, docs/radius.md).
        """
        handler = self._handler
        now = self._monotonic()
        key = request_key(addr[0], addr[1], data)
        cached = self._cache.get(key, now)
        if cached is not None:
            self._duplicate(cached, key, addr)
            return
        candidates = handler.table.candidates(addr[0])
        if not candidates:
            handler.stats.drop(DropReason.UNKNOWN_CLIENT)
            return
        try:
            packet = parse(data)
        except MalformedPacket:
            handler.stats.drop(DropReason.MALFORMED)
            return
        # NAS-Identifier is decoded only where several NAS share the address.
        client = (
            candidates[0] if len(candidates) == 1 else select(candidates, packet.nas_identifier)
        )
        if client is None:
            handler.stats.drop(DropReason.UNKNOWN_CLIENT)
            return
        if packet.message_authenticator_at >= 0:
            if not verify_request_message_authenticator(packet, client.secret):
                handler.stats.drop(DropReason.BAD_MESSAGE_AUTHENTICATOR)
                return
        elif client.require_message_authenticator:
            handler.missing(packet, client)
            return
        reply = handler.answer_access(packet, client)
        self._cache.put(key, reply, now)
        if self.transport is not None:
            self.transport.sendto(reply, addr)
        self._auth_latency.observe(self._monotonic() - now)

    def _receive(self, data: bytes, addr: Address) -> None:
        handler = self._handler
        started = self._monotonic()
        if len(data) < HEADER_SIZE:
            handler.stats.drop(DropReason.MALFORMED)
            return
        key = request_key(addr[0], addr[1], data)
        if self._replayed(key, addr, started):
            return
        admitted = handler.admit(data, addr, self._codes)
        if admitted is None:
            return
        packet, client = admitted
        if packet.code == _STATUS_SERVER:
            self._status(packet, client, key, addr, started)
        else:  # an Accounting-Request: the auth port admits only Status-Server here
            self._accounting_request(packet, client, key, addr, started)

    def _replayed(self, key: bytes, addr: Address, now: float) -> bool:
        """RFC 5080 §2.2.2: a retransmission gets the first answer, or waits for it."""
        cached = self._cache.get(key, now)
        if cached is None:
            return False
        self._duplicate(cached, key, addr)
        return True

    def _duplicate(self, cached: bytes, key: bytes, addr: Address) -> None:
        """Resend the cached answer, or drop the duplicate of a request in progress."""
        stats = self._handler.stats
        if cached == PENDING:
            stats.drop(DropReason.IN_PROGRESS)
            return
        if self.transport is not None:
            self.transport.sendto(cached, addr)
        stats.duplicates[_duplicate_type(key[0], accounting=self.accounting)].inc()

    def _send(self, key: bytes, reply: bytes, addr: Address, now: float) -> None:
        self._cache.put(key, reply, now)
        if self.transport is not None:
            self.transport.sendto(reply, addr)

    def _status(
        self, packet: Packet, client: NasClient, key: bytes, addr: Address, now: float
    ) -> None:
        """RFC 5997: Access-Accept on the auth port, Accounting-Response on the acct port."""
        stats = self._handler.stats
        code = Code.ACCOUNTING_RESPONSE if self.accounting else Code.ACCESS_ACCEPT
        self._send(key, build_reply(packet, code, client.secret), addr, now)
        (stats.status_acct if self.accounting else stats.status_auth).inc()
        stats.status_latency.observe(self._monotonic() - now)

    def _accounting_request(
        self, packet: Packet, client: NasClient, key: bytes, addr: Address, now: float
    ) -> None:
        handler = self._handler
        status = packet.acct_status_type
        if status is None or (status in _SESSION_STATUSES and packet.acct_session_id is None):
            handler.stats.drop(DropReason.MALFORMED)  # RFC 2866 §5: required attributes
            return
        handler.stats.record(status)
        if status not in _SESSION_STATUSES and status not in _NAS_STATUSES:
            # Nothing to keep (e.g. tunnel accounting): answered at once, as received.
            self._send(key, build_reply(packet, Code.ACCOUNTING_RESPONSE, client.secret), addr, now)
            handler.stats.accounted.inc()
            return
        if self.transport is None:  # not connected: nothing could carry the answer
            return
        record = handler.record(packet, client, status)
        self._cache.start(key, now)
        pending = Pending(record, packet, client, self.transport, addr, key, now, handler)
        if not handler.writer.offer(pending):
            handler.abandon(pending, DropReason.OVERLOAD)
