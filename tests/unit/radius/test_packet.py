from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from pyrad import packet as pyrad_packet

from provisiond.radius import wire
from provisiond.radius.errors import MalformedPacket
from provisiond.radius.packet import parse
from tests.unit.radius.support import (
    AUTHENTICATOR,
    access_request,
    hashed_request,
    raw,
)

if TYPE_CHECKING:
    from pyrad.dictionary import Dictionary

MS_CHALLENGE = bytes(range(100, 116))
MS_RESPONSE = bytes((1, 0)) + bytes(range(16)) + bytes(8) + bytes(range(24))


def test_access_request_fields(dictionary: Dictionary) -> None:
    request = access_request(
        dictionary,
        identifier=42,
        proxy_state=(b"first", b"second"),
        User_Name="alice",
        NAS_IP_Address="192.0.2.1",
        NAS_Identifier="core-1",
        NAS_Port_Id="ether1",
        Calling_Station_Id="AA:BB:CC:DD:EE:FF",
        Service_Type="Framed-User",
        CHAP_Challenge=b"c" * 16,
        MS_CHAP_Challenge=MS_CHALLENGE,
        MS_CHAP2_Response=MS_RESPONSE,
        Mikrotik_Realm="isp",
    )
    request["User-Password"] = request.PwCrypt("pw")
    datagram = raw(request)
    packet = parse(datagram)
    assert (packet.code, packet.identifier) == (wire.Code.ACCESS_REQUEST, 42)
    assert packet.authenticator == AUTHENTICATOR
    assert packet.raw == datagram
    assert packet.user_name == b"alice"
    assert packet.user_password == request["User-Password"][0]
    assert packet.nas_ip_address == "192.0.2.1"
    assert packet.nas_identifier == "core-1"
    assert packet.string(wire.NAS_PORT_ID) == "ether1"
    assert packet.string(wire.CALLING_STATION_ID) == "AA:BB:CC:DD:EE:FF"
    assert packet.integer(wire.SERVICE_TYPE) == 2
    assert packet.chap_challenge == b"c" * 16
    assert packet.chap_password is None
    assert packet.ms_chap_challenge == MS_CHALLENGE
    assert packet.ms_chap2_response == MS_RESPONSE
    assert packet.proxy_state == (b"first", b"second")
    # pyrad puts Message-Authenticator first: its value starts after the 2-octet header.
    assert packet.message_authenticator_at == 22
    assert packet.message_authenticator == datagram[22:38]
    assert len(packet.vendor_specific) == 3
    assert packet.vendor_specific[2][:4] == wire.VENDOR_MIKROTIK.to_bytes(4)


def test_accounting_request_fields(dictionary: Dictionary) -> None:
    request = hashed_request(
        dictionary,
        pyrad_packet.AccountingRequest,
        User_Name="alice",
        Acct_Status_Type="Interim-Update",
        Acct_Session_Id="81a00003",
        Acct_Session_Time=3600,
        Acct_Input_Octets=5,
        Acct_Input_Gigawords=2,
        Acct_Output_Octets=7,
        Acct_Terminate_Cause="Lost-Carrier",
        Framed_IP_Address="100.64.0.10",
        Framed_IPv6_Prefix="2001:db8:1::/64",
        Delegated_IPv6_Prefix="2001:db8:100::/56",
        Event_Timestamp=1_700_000_000,
    )
    packet = parse(raw(request))
    assert packet.code == wire.Code.ACCOUNTING_REQUEST
    assert packet.authenticator == request.authenticator
    assert packet.acct_status_type == wire.AcctStatusType.INTERIM_UPDATE
    assert packet.acct_session_id == "81a00003"
    assert packet.acct_session_time == 3600
    assert packet.acct_input_octets64 == (2 << 32) + 5
    assert packet.acct_output_octets64 == 7
    assert packet.acct_terminate_cause == 2
    assert packet.framed_ip_address == "100.64.0.10"
    assert packet.framed_ipv6_prefix == "2001:db8:1::/64"
    assert packet.delegated_ipv6_prefix == "2001:db8:100::/56"
    assert packet.event_timestamp == 1_700_000_000
    assert packet.message_authenticator is None
    assert packet.message_authenticator_at == -1


def test_coa_nak_error_cause(dictionary: Dictionary) -> None:
    request = hashed_request(dictionary, pyrad_packet.CoARequest, User_Name="bob")
    request.code = pyrad_packet.CoANAK
    request["Error-Cause"] = "Session-Context-Not-Found"
    packet = parse(raw(request))
    assert packet.code == wire.Code.COA_NAK
    assert packet.error_cause == wire.ErrorCause.SESSION_CONTEXT_NOT_FOUND


def test_absent_attributes_are_none() -> None:
    packet = parse(bytes((4, 1, 0, 20)) + bytes(16))
    assert packet.attributes == {}
    assert packet.acct_input_octets64 is None
    assert packet.framed_ipv6_prefix is None
    assert packet.nas_ip_address is None
    assert packet.nas_identifier is None
    assert packet.proxy_state == ()


def test_only_the_first_instance_of_a_kept_attribute_counts() -> None:
    attributes = wire.encode_attribute(1, b"first") + wire.encode_attribute(1, b"second")
    packet = parse(bytes((1, 1)) + (20 + len(attributes)).to_bytes(2) + bytes(16) + attributes)
    assert packet.user_name == b"first"


def test_padding_after_the_length_field_is_ignored(dictionary: Dictionary) -> None:
    datagram = raw(access_request(dictionary, User_Name="alice"))
    packet = parse(datagram + b"padding")
    assert packet.raw == datagram
    assert packet.user_name == b"alice"


def test_non_utf8_strings_are_escaped_not_lost() -> None:
    attributes = wire.encode_attribute(wire.NAS_IDENTIFIER, b"nas\xff")
    packet = parse(bytes((4, 1)) + (20 + len(attributes)).to_bytes(2) + bytes(16) + attributes)
    assert packet.nas_identifier == "nas\\xff"


def test_short_prefix_fields_are_zero_filled() -> None:
    # RFC 3162 lets the prefix field carry only the octets the prefix length needs.
    attributes = wire.encode_attribute(wire.FRAMED_IPV6_PREFIX, b"\x00\x20\x20\x01\x0d\xb8")
    packet = parse(bytes((4, 1)) + (20 + len(attributes)).to_bytes(2) + bytes(16) + attributes)
    assert packet.framed_ipv6_prefix == "2001:db8::/32"


def test_attributes_except_drops_types_and_keeps_order(dictionary: Dictionary) -> None:
    request = access_request(dictionary, proxy_state=(b"p",), User_Name="alice", NAS_Identifier="n")
    packet = parse(raw(request))
    kept = packet.attributes_except({wire.MESSAGE_AUTHENTICATOR, wire.PROXY_STATE})
    assert kept == wire.encode_attribute(1, b"alice") + wire.encode_attribute(32, b"n")


def header(code: int, length: int) -> bytes:
    return bytes((code, 1)) + length.to_bytes(2) + bytes(16)


def packet_with(attributes: bytes, code: int = 1) -> bytes:
    return header(code, 20 + len(attributes)) + attributes


@pytest.mark.parametrize(
    "datagram",
    [
        pytest.param(b"", id="empty"),
        pytest.param(header(1, 20)[:19], id="short header"),
        pytest.param(header(1, 19), id="length below 20"),
        pytest.param(header(1, 21), id="length beyond datagram"),
        pytest.param(header(1, 4097) + bytes(4077), id="length above 4096"),
        pytest.param(header(99, 20), id="unknown code"),
        pytest.param(packet_with(b"\x01"), id="attribute header cut off"),
        pytest.param(packet_with(b"\x01\x01"), id="attribute length 1"),
        pytest.param(packet_with(b"\x01\x00"), id="attribute length 0"),
        pytest.param(packet_with(b"\x01\x05ab"), id="attribute beyond packet"),
        pytest.param(packet_with(b"\x04\x05abc"), id="short NAS-IP-Address"),
        pytest.param(packet_with(b"\x03\x05abc"), id="short CHAP-Password"),
        pytest.param(packet_with(b"\x50\x05abc"), id="short Message-Authenticator"),
        pytest.param(packet_with((b"\x50\x12" + bytes(16)) * 2), id="two Message-Authenticators"),
        pytest.param(packet_with(b"\x61\x03\x00"), id="prefix too short"),
        pytest.param(packet_with(b"\x61\x04\x00\x81"), id="prefix length 129"),
        pytest.param(packet_with(b"\x61\x15" + bytes(19)), id="prefix too long"),
        pytest.param(
            packet_with(b"\x1a\x09\x00\x00\x01\x37\x0b\x05a"), id="MS sub-attribute beyond VSA"
        ),
        pytest.param(
            packet_with(b"\x1a\x08\x00\x00\x01\x37\x0b\x02" + b"\x1a\x07\x00\x00\x01\x37\x0b"),
            id="MS sub-attribute header cut off",
        ),
        pytest.param(
            packet_with(b"\x1a\x0b\x00\x00\x01\x37\x0b\x05abc"), id="short MS-CHAP-Challenge"
        ),
    ],
)
def test_malformed_packets_raise_malformed_packet(datagram: bytes) -> None:
    with pytest.raises(MalformedPacket):
        parse(datagram)


def test_other_vendors_are_kept_raw_without_framing_checks() -> None:
    # Some vendors use other sub-attribute formats; we never read them, so never reject them.
    vsa = b"\x00\x00\x00\x09" + b"\xff"
    packet = parse(packet_with(wire.encode_attribute(wire.VENDOR_SPECIFIC, vsa)))
    assert packet.vendor_specific == (vsa,)


def test_largest_packet_is_accepted() -> None:
    attributes = wire.encode_attribute(wire.CLASS, bytes(253)) * 15
    attributes += wire.encode_attribute(wire.CLASS, bytes(4076 - len(attributes) - 2))
    packet = parse(packet_with(attributes))
    assert len(packet.raw) == 4096
