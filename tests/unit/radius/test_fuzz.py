"""Whatever arrives on the wire, parsing raises `MalformedPacket` or yields a usable view."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisiond.radius import auth, wire
from provisiond.radius.errors import MalformedPacket
from provisiond.radius.packet import Packet, parse
from provisiond.radius.reply import build_reply
from tests.unit.radius.support import SHARED, access_request, raw

if TYPE_CHECKING:
    from pyrad.dictionary import Dictionary

FUZZ = settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])


def exercise(packet: Packet) -> None:
    """Every accessor and check the servers use must cope with any parsed packet."""
    for kind in packet.attributes:
        packet.get(kind)
    _ = (
        packet.user_name,
        packet.user_password,
        packet.chap_password,
        packet.chap_challenge,
        packet.ms_chap_challenge,
        packet.ms_chap2_response,
        packet.nas_ip_address,
        packet.nas_identifier,
        packet.framed_ip_address,
        packet.framed_ipv6_prefix,
        packet.delegated_ipv6_prefix,
        packet.acct_status_type,
        packet.acct_session_id,
        packet.acct_session_time,
        packet.acct_terminate_cause,
        packet.acct_input_octets64,
        packet.acct_output_octets64,
        packet.event_timestamp,
        packet.error_cause,
        packet.message_authenticator,
    )
    auth.verify_request_message_authenticator(packet, SHARED)
    auth.verify_request_authenticator(packet, SHARED)
    packet.attributes_except({wire.PROXY_STATE})
    build_reply(packet, wire.Code.ACCESS_REJECT, SHARED)


def parse_or_reject(datagram: bytes) -> None:
    try:
        packet = parse(datagram)
    except MalformedPacket:
        return
    exercise(packet)


@FUZZ
@given(datagram=st.binary(max_size=300))
def test_arbitrary_bytes(datagram: bytes) -> None:
    parse_or_reject(datagram)


@FUZZ
@given(
    code=st.sampled_from(list(wire.Code)),
    attributes=st.lists(st.tuples(st.integers(0, 255), st.binary(max_size=40)), max_size=12).map(
        lambda pairs: b"".join(bytes((kind, len(v) + 2)) + v for kind, v in pairs)
    ),
    extra=st.binary(max_size=4),
)
def test_well_framed_packets_with_arbitrary_attributes(
    code: int, attributes: bytes, extra: bytes
) -> None:
    length = wire.HEADER_SIZE + len(attributes)
    parse_or_reject(bytes((code, 1)) + length.to_bytes(2) + bytes(16) + attributes + extra)


@FUZZ
@given(data=st.data())
def test_mutated_valid_packets(dictionary: Dictionary, data: st.DataObject) -> None:
    request = access_request(
        dictionary,
        proxy_state=(b"state",),
        User_Name="alice",
        NAS_IP_Address="192.0.2.1",
        Framed_IPv6_Prefix="2001:db8::/64",
        MS_CHAP_Challenge=bytes(16),
        Mikrotik_Rate_Limit="1M/1M",
    )
    datagram = bytearray(raw(request))
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(datagram) - 1))
        operation = data.draw(st.sampled_from(["flip", "set", "cut", "insert"]))
        if operation == "flip":
            datagram[position] ^= 1 << data.draw(st.integers(0, 7))
        elif operation == "set":
            datagram[position] = data.draw(st.integers(0, 255))
        elif operation == "cut":
            del datagram[position:]
        else:
            datagram[position:position] = data.draw(st.binary(min_size=1, max_size=8))
        if not datagram:
            break
    parse_or_reject(bytes(datagram))
