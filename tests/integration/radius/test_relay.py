"""The CoA relay over loopback: radclient as the peer, the lab's NAS simulator as the NAS,
and a real RADIUS server whose sessions the simulator's accounting made."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ipaddress
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisiond.config.settings import CoaAction, CoaClient, CoaSettings, RadiusSettings
from provisiond.lab.nas_state import ACK, SILENCE, nak
from provisiond.model.secret import Secret
from provisiond.observability.metrics import Metrics
from provisiond.radius.attributes import encode_attributes
from provisiond.radius.coa_requester import CoaRequester, CoaTarget
from provisiond.radius.dictionary import load_dictionary
from provisiond.radius.digest import SharedSecret
from provisiond.radius.errors import RadiusBindError
from provisiond.radius.relay import CoaRelay
from provisiond.radius.request import build_request
from provisiond.radius.wire import Code, ErrorCause
from tests.integration.radius.radclient import radclient
from tests.unit.radius import world

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from provisiond.lab.nas import NasSimulator
    from provisiond.runtime.clock import FakeClock
    from provisiond.store.sessions import JsonObject
    from tests.integration.radius.conftest import Running

PEER_SECRET = "relaysecret"
DICTIONARY = load_dictionary()
SIGNED = "Message-Authenticator = 0x00"
TIMEOUT = 2.0  # [coa] timeout of the relay's requester, on the fake clock
RETRIES = 1


def free_udp_port() -> int:
    """A port nothing listens on now (coa_port 0 means "off", not "any")."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def peer(**fields: Any) -> CoaClient:
    defaults: dict[str, Any] = {
        "address": (ipaddress.ip_network("127.0.0.1/32"),),
        "secret": Secret(PEER_SECRET),
    }
    return CoaClient(**{**defaults, **fields})


@dataclass
class Relayed:
    running: Running
    nas: NasSimulator
    relay: CoaRelay
    metrics: Metrics
    clock: FakeClock

    @property
    def address(self) -> tuple[str, int]:
        return self.relay.addresses[0]

    def peers(self, *clients: CoaClient) -> None:
        settings = dataclasses.replace(self.relay_settings, coa_clients=clients)
        self.relay.update(settings, {"core": self.target})

    @property
    def relay_settings(self) -> RadiusSettings:
        return RadiusSettings(listen=("127.0.0.1",), coa_port=self.address[1])

    @property
    def target(self) -> CoaTarget:
        secret = SharedSecret(world.NAS_SECRET.encode())
        return CoaTarget("core", "127.0.0.1", self.nas.port, secret)

    def alice_override(self) -> JsonObject | None:
        """What the server recorded as `external_override` on alice's session."""
        row = self.running.server.book.holder_of("100.64.0.10")
        assert row is not None
        return row.external_override

    def requests(self, kind: str, result: str) -> float:
        labels = {"kind": kind, "result": result}
        value = self.metrics.registry.get_sample_value(
            "provisiond_coa_relay_requests_total", labels
        )
        return value or 0.0

    def drops(self, reason: str) -> float:
        value = self.metrics.registry.get_sample_value(
            "provisiond_coa_relay_drops_total", {"reason": reason}
        )
        return value or 0.0

    async def radclient(self, command: str, *lines: str) -> str:
        """radclient as the peer; its output (the answer it got, or none)."""
        request = "".join(f"{line}\n" for line in lines)
        _, output = await radclient(self.address, command, request, secret=PEER_SECRET, wait_s=1)
        return output


@pytest_asyncio.fixture
async def relayed(
    running: Running, simulator: NasSimulator, clock: FakeClock
) -> AsyncIterator[Relayed]:
    metrics = Metrics()
    requester = CoaRequester(clock=clock, metrics=metrics)
    relay = CoaRelay(
        settings=RadiusSettings(
            listen=("127.0.0.1",), coa_port=free_udp_port(), coa_clients=(peer(),)
        ),
        coa=CoaSettings(timeout=TIMEOUT, retries=RETRIES),
        targets={},
        book=running.server.book,
        control=running.server.control,
        requester=requester,
        clock=clock,
        metrics=metrics,
    )
    await relay.start()
    setup = Relayed(running, simulator, relay, metrics, clock)
    setup.peers(peer())
    try:
        yield setup
    finally:
        await relay.stop()
        requester.close()


async def test_an_acked_coa_reaches_the_nas_and_is_recorded_on_the_session(
    relayed: Relayed,
) -> None:
    await relayed.nas.connect("alice", world.ALICE_PASSWORD, "s1")

    output = await relayed.radclient(
        "coa", 'User-Name = "alice"', 'Mikrotik-Rate-Limit = "1M/1M"', "Proxy-State = 0x0102"
    )

    assert "Received CoA-ACK" in output
    assert "Proxy-State = 0x0102" in output.partition("Received")[2]
    session = relayed.nas.session("s1")
    assert session is not None
    assert session.rate_limit == "1M/1M"
    (received,) = relayed.nas.received
    assert received.get("Acct-Session-Id") == "s1"  # added by the relay
    assert received.get("Proxy-State") is None  # hop-by-hop: not forwarded
    override = {
        "at": "2026-01-01T00:00:00Z",
        "attributes": [["Mikrotik-Rate-Limit", "1M/1M"]],
    }
    assert relayed.alice_override() == override
    (stored,) = await relayed.running.server.sessions.find(("core", "s1", "alice"))
    assert stored.external_override == override  # committed before the ACK went back
    assert stored.is_open
    assert relayed.requests("coa", "ack") == 1


async def test_the_nas_identification_and_a_timestamp_the_peer_left_out_are_added(
    relayed: Relayed, clock: FakeClock
) -> None:
    """The simulator, like a strict NAS (RFC 5176 §3), NAKs 403 a request that does not
    name it: the relay names it as its accounting did, and keeps what the peer sent."""
    await relayed.nas.connect("alice", world.ALICE_PASSWORD, "s1")
    now = int(clock.now().timestamp())

    bare = await relayed.radclient("coa", 'User-Name = "alice"', 'Filter-Id = "a"')
    own = await relayed.radclient(
        "coa",
        'User-Name = "alice"',
        'NAS-Identifier = "core"',
        f"Event-Timestamp = {now - 5}",
        'Filter-Id = "b"',
    )

    assert "Received CoA-ACK" in bare
    assert "Received CoA-ACK" in own
    first, second = relayed.nas.received
    assert first.get("NAS-IP-Address") == "127.0.0.1"  # as in the simulator's accounting
    assert first.get("NAS-Identifier") == "core"
    assert first.get("Event-Timestamp") == str(now)  # the relay's clock
    assert first.get("Framed-IP-Address") == "100.64.0.10"
    assert second.get("Event-Timestamp") == str(now - 5)  # the peer's, not replaced
    names = [name for name, _ in second.attributes]
    assert names.count("NAS-Identifier") == names.count("Event-Timestamp") == 1
    assert second.get("NAS-IP-Address") == "127.0.0.1"  # still added: the peer sent none
    assert [r.error_cause for r in relayed.nas.received] == [None, None]


async def test_a_relayed_disconnect_ack_does_not_end_the_session(relayed: Relayed) -> None:
    await relayed.nas.connect("alice", world.ALICE_PASSWORD, "s1")
    relayed.nas.behave("disconnect", ACK)  # answers, but sends no Stop

    output = await relayed.radclient("disconnect", "Framed-IP-Address = 100.64.0.10")

    assert "Received Disconnect-ACK" in output
    assert relayed.alice_override() is None
    assert relayed.requests("disconnect", "ack") == 1


async def test_no_such_session_is_a_nak_with_503(relayed: Relayed) -> None:
    output = await relayed.radclient("coa", 'User-Name = "nobody"', 'Filter-Id = "x"')

    assert "Received CoA-NAK" in output
    assert "Error-Cause = Session-Context-Not-Found" in output
    assert relayed.nas.received == []
    assert relayed.requests("coa", "not_found") == 1


async def test_several_matching_sessions_are_a_nak_with_508(relayed: Relayed) -> None:
    await relayed.nas.connect("alice", world.ALICE_PASSWORD, "s1")
    await relayed.nas.start_session("s2", "alice")

    ambiguous = await relayed.radclient("coa", 'User-Name = "alice"')
    settled = await relayed.radclient("coa", 'User-Name = "alice"', 'Acct-Session-Id = "s2"')

    assert "Error-Cause = Multiple-Session-Selection-Unsupported" in ambiguous
    assert "Received CoA-ACK" in settled
    assert [r.get("Acct-Session-Id") for r in relayed.nas.received] == ["s2"]


async def test_the_nas_nak_and_its_error_cause_come_back_and_nothing_is_recorded(
    relayed: Relayed,
) -> None:
    await relayed.nas.connect("alice", world.ALICE_PASSWORD, "s1")
    relayed.nas.behave("coa", nak(ErrorCause.UNSUPPORTED_ATTRIBUTE))

    output = await relayed.radclient("coa", 'User-Name = "alice"', 'Filter-Id = "x"')

    assert "Received CoA-NAK" in output
    assert "Error-Cause = Unsupported-Attribute" in output
    assert relayed.alice_override() is None
    assert relayed.requests("coa", "nak") == 1


async def test_a_stranger_or_a_wrong_secret_is_dropped(relayed: Relayed) -> None:
    await relayed.nas.connect("alice", world.ALICE_PASSWORD, "s1")

    relayed.peers(peer(address=(ipaddress.ip_network("127.0.0.2/32"),)))
    stranger = await relayed.radclient("coa", 'User-Name = "alice"')
    relayed.peers(peer(secret=Secret("another")))
    wrong_secret = await relayed.radclient("coa", 'User-Name = "alice"')

    assert "Received" not in stranger + wrong_secret
    assert relayed.nas.received == []
    assert relayed.drops("unknown_peer") == 1  # radclient -r 1: one try
    assert relayed.drops("bad_authenticator") == 1


async def test_a_kind_the_peer_may_not_send_is_administratively_prohibited(
    relayed: Relayed,
) -> None:
    await relayed.nas.connect("alice", world.ALICE_PASSWORD, "s1")
    relayed.peers(peer(allow=frozenset({CoaAction.COA})))

    output = await relayed.radclient("disconnect", 'User-Name = "alice"')

    assert "Received Disconnect-NAK" in output
    assert "Error-Cause = Administratively-Prohibited" in output
    assert relayed.nas.received == []


async def test_a_session_on_a_nas_the_peer_may_not_reach_is_not_routable(
    relayed: Relayed,
) -> None:
    await relayed.nas.connect("alice", world.ALICE_PASSWORD, "s1")
    relayed.peers(peer(nas=("elsewhere",)))

    output = await relayed.radclient("coa", 'User-Name = "alice"')

    assert "Error-Cause = Proxy-Request-Not-Routable" in output  # FreeRADIUS's name for 502
    assert relayed.nas.received == []


async def test_a_stale_event_timestamp_is_dropped_a_current_one_relayed(
    relayed: Relayed, clock: FakeClock
) -> None:
    await relayed.nas.connect("alice", world.ALICE_PASSWORD, "s1")
    now = int(clock.now().timestamp())

    stale = await relayed.radclient("coa", 'User-Name = "alice"', f"Event-Timestamp = {now - 301}")
    current = await relayed.radclient("coa", 'User-Name = "alice"', f"Event-Timestamp = {now - 5}")

    assert "Received" not in stale
    assert relayed.drops("stale_timestamp") == 1
    assert "Received CoA-ACK" in current
    (received,) = relayed.nas.received
    assert received.get("Event-Timestamp") == str(now - 5)  # forwarded as sent


async def test_a_required_message_authenticator_is_checked_and_returned(
    relayed: Relayed,
) -> None:
    await relayed.nas.connect("alice", world.ALICE_PASSWORD, "s1")
    relayed.peers(peer(require_message_authenticator=True))

    unsigned = await relayed.radclient("coa", 'User-Name = "alice"')
    signed = await relayed.radclient("coa", 'User-Name = "alice"', SIGNED)

    assert "Received" not in unsigned
    assert relayed.drops("missing_message_authenticator") == 1
    answer = signed.partition("Received CoA-ACK")[2]
    assert "Message-Authenticator = 0x" in answer  # radclient checked it too


class _Peer(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.answers: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        del addr  # one relay per test
        self.answers.put_nowait(data)


@contextlib.asynccontextmanager
async def raw_peer() -> AsyncIterator[tuple[asyncio.DatagramTransport, _Peer]]:
    protocol = _Peer()
    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
        lambda: protocol, local_addr=("127.0.0.1", 0)
    )
    try:
        yield transport, protocol
    finally:
        transport.close()


def coa_request(pairs: Sequence[tuple[str, str | int]]) -> bytes:
    attributes = encode_attributes(DICTIONARY, pairs)
    return build_request(Code.COA_REQUEST, 42, SharedSecret(PEER_SECRET.encode()), attributes)


async def test_a_replay_is_answered_from_the_cache_and_not_forwarded_again(
    relayed: Relayed,
) -> None:
    await relayed.nas.connect("alice", world.ALICE_PASSWORD, "s1")
    request = coa_request([("User-Name", "alice"), ("Mikrotik-Rate-Limit", "2M/2M")])

    async with raw_peer() as (transport, peer_side), raw_peer() as (other, other_side):
        transport.sendto(request, relayed.address)
        first = await asyncio.wait_for(peer_side.answers.get(), 2)
        relayed.nas.behave("coa", nak(ErrorCause.INVALID_REQUEST))  # a second run would NAK
        await relayed.clock.advance(290)  # within the 300 s window
        transport.sendto(request, relayed.address)
        replayed = await asyncio.wait_for(peer_side.answers.get(), 2)
        other.sendto(request, relayed.address)  # the same bytes from another source port
        from_elsewhere = await asyncio.wait_for(other_side.answers.get(), 2)

    assert replayed == first
    assert from_elsewhere == first
    assert first[0] == Code.COA_ACK
    assert len(relayed.nas.received) == 1
    assert relayed.requests("coa", "duplicate") == 2


async def test_after_the_window_the_same_request_is_stale_not_replayed(
    relayed: Relayed, clock: FakeClock
) -> None:
    await relayed.nas.connect("alice", world.ALICE_PASSWORD, "s1")
    sent_at = int(clock.now().timestamp())
    request = coa_request([("User-Name", "alice"), ("Event-Timestamp", sent_at)])

    async with raw_peer() as (transport, peer_side):
        transport.sendto(request, relayed.address)
        await asyncio.wait_for(peer_side.answers.get(), 2)
        await relayed.clock.advance(301)  # the cached answer and the timestamp expire together
        transport.sendto(request, relayed.address)
        await asyncio.sleep(0.1)

    assert peer_side.answers.empty()
    assert relayed.drops("stale_timestamp") == 1
    assert len(relayed.nas.received) == 1


async def test_a_silent_nas_gets_the_peer_no_answer_and_a_retry_is_forwarded_afresh(
    relayed: Relayed,
) -> None:
    await relayed.nas.connect("alice", world.ALICE_PASSWORD, "s1")
    relayed.nas.behave("coa", SILENCE)
    request = coa_request([("User-Name", "alice"), ("Filter-Id", "x")])

    async with raw_peer() as (transport, peer_side):
        transport.sendto(request, relayed.address)
        await asyncio.wait_for(relayed.nas.wait_received(1), 2)
        transport.sendto(request, relayed.address)  # the peer retransmits meanwhile
        for attempt in range(2, RETRIES + 2):
            await relayed.clock.advance(TIMEOUT)
            await asyncio.wait_for(relayed.nas.wait_received(attempt), 2)
        await relayed.clock.advance(TIMEOUT)
        for _ in range(50):
            if relayed.requests("coa", "timeout"):
                break
            await asyncio.sleep(0.01)
        assert peer_side.answers.empty()
        assert relayed.drops("in_progress") == 1

        relayed.nas.behave("coa", ACK)
        transport.sendto(request, relayed.address)
        answer = await asyncio.wait_for(peer_side.answers.get(), 2)

    assert answer[0] == Code.COA_ACK
    assert relayed.requests("coa", "timeout") == 1
    assert len(relayed.nas.received) == RETRIES + 2


async def test_off_binds_nothing_and_a_taken_port_is_a_bind_error(
    relayed: Relayed, running: Running, clock: FakeClock
) -> None:
    def relay_on(port: int) -> CoaRelay:
        return CoaRelay(
            settings=RadiusSettings(listen=("127.0.0.1",), coa_port=port),
            coa=CoaSettings(),
            targets={},
            book=running.server.book,
            control=running.server.control,
            requester=CoaRequester(clock=clock, metrics=Metrics()),
            clock=clock,
            metrics=Metrics(),
        )

    off = relay_on(0)
    await off.start()
    assert off.addresses == []
    await off.stop()

    with pytest.raises(RadiusBindError, match="in use"):
        await relay_on(relayed.address[1]).start()


def _peer_request(code: int, identifier: int, *pairs: tuple[str, str]) -> bytes:
    attributes = encode_attributes(load_dictionary(), list(pairs))
    return build_request(code, identifier, SharedSecret(PEER_SECRET.encode()), attributes)


_VALID_REQUESTS = (
    _peer_request(Code.COA_REQUEST, 1, ("User-Name", "alice"), ("Filter-Id", "x")),
    _peer_request(Code.DISCONNECT_REQUEST, 2, ("Framed-IP-Address", "100.64.0.10")),
    _peer_request(Code.COA_REQUEST, 3, ("Acct-Session-Id", "nope")),
)


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(_VALID_REQUESTS)))
    for _ in range(draw(st.integers(0, 4))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data[: draw(st.integers(0, len(data) + 4))]) + draw(st.binary(max_size=6))


async def test_no_datagram_breaks_the_relay(relayed: Relayed) -> None:
    """Fuzzed CoA datagrams from a peer's address: nothing escapes, nothing is counted
    as an internal error, and a real request is relayed afterwards."""
    await relayed.nas.connect("alice", world.ALICE_PASSWORD, "s1")
    # What the fuzz gets forwarded goes nowhere: a sampled valid Disconnect-Request must
    # not end alice's session (the NAS would send its Stop) before the real request.
    relayed.nas.behave("coa", "silence")
    relayed.nas.behave("disconnect", "silence")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:

        @settings(max_examples=300, suppress_health_check=list(HealthCheck), deadline=None)
        @given(st.one_of(st.binary(max_size=120), _mutated()))
        def feed(datagram: bytes) -> None:
            sock.sendto(datagram, relayed.address)

        feed()
    relayed.nas.behave("coa", "apply")
    # The relay may still be reading the fuzz on a loaded machine: radclient waits 1 s
    # per try, so give it a few tries before calling the relay deaf.
    output = ""
    for _ in range(5):
        output = await relayed.radclient(
            "coa", 'User-Name = "alice"', 'Mikrotik-Rate-Limit = "2M/2M"'
        )
        if "Received CoA-ACK" in output:
            break
    assert "Received CoA-ACK" in output
    session = relayed.nas.session("s1")
    assert session is not None
    assert session.rate_limit == "2M/2M"
    assert relayed.drops("internal_error") == 0
