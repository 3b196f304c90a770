"""The lab's NAS simulator on its CoA port: verification, recording, and every behaviour."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio

from provisiond.lab.errors import LabError
from provisiond.lab.nas import NasSimulator
from provisiond.lab.nas_state import ACK, SILENCE, NasSession, nak
from provisiond.radius.attributes import encode_attributes
from provisiond.radius.dictionary import load_dictionary
from provisiond.radius.digest import SharedSecret
from provisiond.radius.reply import parse_reply
from provisiond.radius.request import build_request
from provisiond.radius.wire import HEADER_SIZE, ZERO_AUTHENTICATOR, Code, ErrorCause

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from provisiond.radius.packet import Packet
    from provisiond.runtime.clock import FakeClock

SECRET = "nas-secret"
DICTIONARY = load_dictionary()
HERE = ("NAS-IP-Address", "127.0.0.1")  # the simulator's default identity
ALICE = (("User-Name", "alice"), ("Acct-Session-Id", "s1"), HERE)


class _Inbox(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.replies: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        del addr  # one simulator per test
        self.replies.put_nowait(data)


class Dac:
    """A Dynamic Authorization Client (RFC 5176): sends requests, reads the answers."""

    def __init__(self, transport: asyncio.DatagramTransport, inbox: _Inbox) -> None:
        self._transport = transport
        self._inbox = inbox
        self._identifier = 0

    def request(
        self,
        pairs: Sequence[tuple[str, str | int]],
        *,
        code: int = Code.COA_REQUEST,
        secret: str = SECRET,
        message_authenticator: bool = False,
    ) -> bytes:
        self._identifier += 1
        attributes = encode_attributes(DICTIONARY, pairs)
        return build_request(
            code,
            self._identifier,
            SharedSecret(secret.encode()),
            attributes,
            message_authenticator=message_authenticator,
        )

    async def send(self, nas: NasSimulator, datagram: bytes, wait: float = 0.3) -> bytes | None:
        self._transport.sendto(datagram, nas.address)
        with contextlib.suppress(TimeoutError):
            return await asyncio.wait_for(self._inbox.replies.get(), wait)
        return None

    async def ask(self, nas: NasSimulator, datagram: bytes) -> Packet:
        reply = await self.send(nas, datagram)
        assert reply is not None, "the NAS simulator did not answer"
        return parse_reply(
            reply,
            SharedSecret(SECRET.encode()),
            request_code=datagram[0],
            request_identifier=datagram[1],
            request_authenticator=datagram[4:20],
        )


def forged_message_authenticator(datagram: bytes) -> bytes:
    """The request with a wrong Message-Authenticator (it is the first attribute) but a
    Request Authenticator recomputed over it: only the HMAC check can catch it."""
    forged = bytearray(datagram)
    forged[HEADER_SIZE + 2] ^= 0xFF
    body = bytes(forged[HEADER_SIZE:])
    forged[4:HEADER_SIZE] = SharedSecret(SECRET.encode()).md5_before_secret(
        bytes(forged[:4]), ZERO_AUTHENTICATOR, body
    )
    return bytes(forged)


@pytest_asyncio.fixture
async def nas(clock: FakeClock) -> AsyncIterator[NasSimulator]:
    async with NasSimulator(secret=SECRET, clock=clock) as simulator:
        simulator.sessions.start(
            NasSession("s1", "alice", "100.64.0.10", {"Mikrotik-Rate-Limit": "10M/10M"})
        )
        yield simulator


@pytest_asyncio.fixture
async def dac() -> AsyncIterator[Dac]:
    inbox = _Inbox()
    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
        lambda: inbox, local_addr=("127.0.0.1", 0)
    )
    try:
        yield Dac(transport, inbox)
    finally:
        transport.close()


async def test_apply_changes_the_named_session_and_records_the_request(
    nas: NasSimulator, dac: Dac
) -> None:
    reply = await dac.ask(nas, dac.request([*ALICE, ("Mikrotik-Rate-Limit", "1M/1M")]))

    assert reply.code == Code.COA_ACK
    session = nas.session("s1")
    assert session is not None
    assert session.rate_limit == "1M/1M"
    (received,) = nas.received
    assert received.answer == Code.COA_ACK
    assert received.get("Mikrotik-Rate-Limit") == "1M/1M"
    assert received.get("User-Name") == "alice"


async def test_apply_names_the_session_by_any_identification_attribute(
    nas: NasSimulator, dac: Dac
) -> None:
    by_address = dac.request([HERE, ("Framed-IP-Address", "100.64.0.10"), ("Filter-Id", "gold")])
    assert (await dac.ask(nas, by_address)).code == Code.COA_ACK
    session = nas.session("s1")
    assert session is not None
    assert session.attributes["Filter-Id"] == "gold"

    disagreeing = dac.request([HERE, ("User-Name", "bob"), ("Acct-Session-Id", "s1")])
    reply = await dac.ask(nas, disagreeing)
    assert (reply.code, reply.error_cause) == (Code.COA_NAK, ErrorCause.SESSION_CONTEXT_NOT_FOUND)


async def test_apply_naks_an_unknown_session_with_503(nas: NasSimulator, dac: Dac) -> None:
    reply = await dac.ask(nas, dac.request([HERE, ("Acct-Session-Id", "nope")]))

    assert reply.code == Code.COA_NAK
    assert reply.error_cause == ErrorCause.SESSION_CONTEXT_NOT_FOUND


async def test_apply_naks_several_matching_sessions_with_508(nas: NasSimulator, dac: Dac) -> None:
    nas.sessions.start(NasSession("s2", "alice"))

    reply = await dac.ask(nas, dac.request([HERE, ("User-Name", "alice")]))

    assert reply.error_cause == ErrorCause.MULTIPLE_SESSION_SELECTION_UNSUPPORTED


async def test_apply_disconnect_ends_the_session(nas: NasSimulator, dac: Dac) -> None:
    reply = await dac.ask(nas, dac.request(ALICE, code=Code.DISCONNECT_REQUEST))

    assert reply.code == Code.DISCONNECT_ACK
    assert nas.session("s1") is None


async def test_a_request_for_another_nas_or_for_none_is_naked_with_403(
    clock: FakeClock, dac: Dac
) -> None:
    async with NasSimulator(
        secret=SECRET, nas_ip_address="127.0.0.1", nas_identifier="core", clock=clock
    ) as nas:
        nas.sessions.start(NasSession("s1", "alice", attributes={"Mikrotik-Rate-Limit": "9M/9M"}))
        session = (("Acct-Session-Id", "s1"), ("Mikrotik-Rate-Limit", "1M/1M"))

        another_address = await dac.ask(
            nas, dac.request([*session, ("NAS-IP-Address", "10.9.9.9")])
        )
        another_name = await dac.ask(nas, dac.request([*session, ("NAS-Identifier", "edge")]))
        neither = await dac.ask(nas, dac.request(session, code=Code.DISCONNECT_REQUEST))
        by_name = await dac.ask(nas, dac.request([*session, ("NAS-Identifier", "core")]))

        for refused, code in (
            (another_address, Code.COA_NAK),
            (another_name, Code.COA_NAK),
            (neither, Code.DISCONNECT_NAK),
        ):
            assert (refused.code, refused.error_cause) == (code, 403)
        assert by_name.code == Code.COA_ACK
        alice = nas.session("s1")
        assert alice is not None  # the refused Disconnect did not end it
        assert alice.rate_limit == "1M/1M"  # only the CoA that named this NAS applied
        assert [r.error_cause for r in nas.received] == [403, 403, 403, None]


async def test_coa_from_a_source_it_does_not_know_is_dropped(clock: FakeClock, dac: Dac) -> None:
    async with NasSimulator(secret=SECRET, coa_sources=["127.0.0.2"], clock=clock) as nas:
        nas.sessions.start(NasSession("s1", "alice"))

        assert await dac.send(nas, dac.request(ALICE), wait=0.1) is None

        assert nas.dropped == {"unknown_source": 1}
        assert nas.received == []
    async with NasSimulator(secret=SECRET, coa_sources=["127.0.0.1"], clock=clock) as nas:
        nas.sessions.start(NasSession("s1", "alice"))

        assert (await dac.ask(nas, dac.request(ALICE))).code == Code.COA_ACK


def test_coa_sources_must_be_addresses() -> None:
    with pytest.raises(LabError, match="coa_sources: 'radius-1' is not an IP address"):
        NasSimulator(secret=SECRET, coa_sources=["radius-1"])


async def test_ack_answers_without_changing_anything(nas: NasSimulator, dac: Dac) -> None:
    nas.behave("coa", ACK)

    reply = await dac.ask(nas, dac.request([("User-Name", "nobody"), ("Filter-Id", "x")]))

    assert reply.code == Code.COA_ACK
    session = nas.session("s1")
    assert session is not None
    assert session.attributes == {"Mikrotik-Rate-Limit": "10M/10M"}


async def test_nak_carries_the_configured_error_cause_per_request_kind(
    nas: NasSimulator, dac: Dac
) -> None:
    nas.behave("coa", nak(ErrorCause.INVALID_REQUEST))
    nas.behave("disconnect", "ack")

    coa = await dac.ask(nas, dac.request(ALICE))
    disconnect = await dac.ask(nas, dac.request(ALICE, code=Code.DISCONNECT_REQUEST))

    assert (coa.code, coa.error_cause) == (Code.COA_NAK, ErrorCause.INVALID_REQUEST)
    assert (disconnect.code, disconnect.error_cause) == (Code.DISCONNECT_ACK, None)
    assert [r.error_cause for r in nas.received] == [ErrorCause.INVALID_REQUEST, None]


async def test_silence_answers_nothing_but_records_every_try(nas: NasSimulator, dac: Dac) -> None:
    nas.behave("coa", SILENCE)
    datagram = dac.request(ALICE)

    assert await dac.send(nas, datagram, wait=0.1) is None
    assert await dac.send(nas, datagram, wait=0.1) is None  # a retransmission

    assert [r.answer for r in nas.received] == [None, None]
    assert nas.duplicates == 0


async def test_behaviour_changes_at_run_time(nas: NasSimulator, dac: Dac) -> None:
    nas.behave("coa", "silence")
    assert await dac.send(nas, dac.request(ALICE), wait=0.1) is None

    nas.behave("coa", "nak:401")

    reply = await dac.ask(nas, dac.request(ALICE))
    assert reply.error_cause == ErrorCause.UNSUPPORTED_ATTRIBUTE
    assert str(nas.behaviour("coa")) == "nak:401"


async def test_a_retransmission_gets_the_same_answer_and_is_not_applied_twice(
    nas: NasSimulator, dac: Dac
) -> None:
    datagram = dac.request([*ALICE, ("Mikrotik-Rate-Limit", "1M/1M")])

    first = await dac.send(nas, datagram)
    second = await dac.send(nas, datagram)

    assert first is not None
    assert second == first
    assert len(nas.received) == 1
    assert nas.duplicates == 1


async def test_a_request_signed_with_another_secret_is_dropped(nas: NasSimulator, dac: Dac) -> None:
    reply = await dac.send(nas, dac.request(ALICE, secret="wrong"), wait=0.1)

    assert reply is None
    assert nas.received == []
    assert nas.dropped == {"bad_authenticator": 1}
    session = nas.session("s1")
    assert session is not None
    assert session.rate_limit == "10M/10M"


async def test_message_authenticator_is_verified_and_answered_in_kind(
    nas: NasSimulator, dac: Dac
) -> None:
    signed = dac.request(ALICE, message_authenticator=True)
    reply = await dac.ask(nas, signed)  # parse_reply checks the reply's Message-Authenticator
    assert reply.message_authenticator is not None

    assert await dac.send(nas, forged_message_authenticator(signed), wait=0.1) is None
    assert nas.dropped == {"bad_message_authenticator": 1}

    nas.require_message_authenticator = True
    assert await dac.send(nas, dac.request(ALICE), wait=0.1) is None
    assert nas.dropped["missing_message_authenticator"] == 1


async def test_a_stale_event_timestamp_is_dropped(
    nas: NasSimulator, dac: Dac, clock: FakeClock
) -> None:
    now = int(clock.now().timestamp())

    fresh = await dac.ask(nas, dac.request([*ALICE, ("Event-Timestamp", now - 299)]))
    stale = await dac.send(nas, dac.request([*ALICE, ("Event-Timestamp", now - 301)]), wait=0.1)

    assert fresh.code == Code.COA_ACK
    assert stale is None
    assert nas.dropped == {"stale_timestamp": 1}


async def test_other_codes_and_garbage_are_dropped(nas: NasSimulator, dac: Dac) -> None:
    accounting = build_request(Code.ACCOUNTING_REQUEST, 9, SharedSecret(SECRET.encode()), b"")
    assert await dac.send(nas, accounting, wait=0.05) is None
    assert await dac.send(nas, b"\x2b\x01\x00", wait=0.05) is None

    assert nas.dropped == {"unexpected_code": 1, "malformed": 1}


async def test_wait_received_returns_a_request_once_it_arrived(nas: NasSimulator, dac: Dac) -> None:
    waiting = asyncio.ensure_future(nas.wait_received(1))
    await asyncio.sleep(0)
    assert not waiting.done()

    await dac.ask(nas, dac.request(ALICE))

    received = await asyncio.wait_for(waiting, 1)
    assert received.kind == "coa"


async def test_a_taken_port_is_a_lab_error(nas: NasSimulator) -> None:
    with pytest.raises(LabError, match="cannot bind"):
        await NasSimulator(secret=SECRET, port=nas.port).start()
