from __future__ import annotations

import io
from typing import cast

import pytest
from pyrad import packet as pyrad_packet
from pyrad.dictionary import Dictionary

from provisiond.radius.attributes import encode_attributes, encode_pair
from provisiond.radius.errors import EncodingError
from provisiond.radius.wire import HEADER_SIZE
from tests.unit.radius.support import SECRET, decode


def pyrad_encoding(dictionary: Dictionary, name: str, value: object) -> bytes:
    reference = pyrad_packet.Packet(secret=SECRET, dict=dictionary)
    reference.AddAttribute(name, value)
    return cast("bytes", reference._PktEncodeAttributes())


@pytest.mark.parametrize(
    ("name", "value", "pyrad_value"),
    [
        ("User-Name", "alice", "alice"),
        ("Reply-Message", "grüß dich", "grüß dich"),
        ("Framed-IP-Address", "100.64.0.10", "100.64.0.10"),
        ("Framed-IPv6-Prefix", "2001:db8:1::/64", "2001:db8:1::/64"),
        ("Delegated-IPv6-Prefix", "2001:db8:100::/56", "2001:db8:100::/56"),
        ("Session-Timeout", "3600", 3600),
        ("Session-Timeout", 3600, 3600),
        ("Service-Type", "Framed-User", "Framed-User"),
        ("Error-Cause", "Session-Context-Not-Found", "Session-Context-Not-Found"),
        ("Error-Cause", 503, 503),
        ("Event-Timestamp", "1700000000", 1_700_000_000),
        ("Class", "0x0102ff", b"\x01\x02\xff"),
        ("Class", "plan-a", b"plan-a"),
        ("Mikrotik-Rate-Limit", "20M/100M", "20M/100M"),
        ("Mikrotik-Recv-Limit", "1000000", 1_000_000),
        ("Mikrotik-Address-List", "paying", "paying"),
        ("MS-MPPE-Encryption-Policy", "Encryption-Required", "Encryption-Required"),
        ("MS-MPPE-Encryption-Types", "RC4-40or128-bit-Allowed", "RC4-40or128-bit-Allowed"),
    ],
)
def test_encoding_matches_pyrad_byte_for_byte(
    dictionary: Dictionary, name: str, value: str | int, pyrad_value: object
) -> None:
    assert encode_pair(dictionary, name, value) == pyrad_encoding(dictionary, name, pyrad_value)


def test_a_reply_keeps_order_and_repeats(dictionary: Dictionary) -> None:
    pairs: list[tuple[str, str | int]] = [
        ("Framed-Route", "10.0.0.0/24"),
        ("Mikrotik-Rate-Limit", "1M/1M"),
        ("Framed-Route", "10.0.1.0/24"),
    ]
    encoded = encode_attributes(dictionary, pairs)
    datagram = bytes((2, 1)) + (HEADER_SIZE + len(encoded)).to_bytes(2) + bytes(16) + encoded
    decoded = decode(dictionary, datagram)
    assert decoded["Framed-Route"] == ["10.0.0.0/24", "10.0.1.0/24"]
    assert decoded["Mikrotik-Rate-Limit"] == ["1M/1M"]
    assert encoded[0] == 22
    assert encode_attributes(dictionary, []) == b""


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("No-Such-Attribute", "x", "not in the RADIUS dictionary"),
        ("Session-Timeout", "an hour", "cannot encode"),
        ("Session-Timeout", -1, "cannot encode"),
        ("Framed-IP-Address", "2001:db8::1", "cannot encode"),
        ("Framed-IPv6-Prefix", "10.0.0.0/8", "cannot encode"),
        ("Class", "0xzz", "cannot encode"),
        ("Class", 5, "cannot encode"),
        ("Filter-Id", 5, "cannot encode"),
        ("Filter-Id", "x" * 254, "cannot encode"),
        ("Mikrotik-Rate-Limit", "x" * 248, "at most 247"),
        ("User-Password", "secret", "encrypted per request"),
        ("MS-MPPE-Send-Key", "0x00", "encrypted per request"),
    ],
)
def test_bad_pairs_raise_encoding_error_naming_the_attribute(
    dictionary: Dictionary, name: str, value: str | int, message: str
) -> None:
    with pytest.raises(EncodingError, match=message) as caught:
        encode_pair(dictionary, name, value)
    assert name in str(caught.value)


def test_a_boolean_is_no_integer(dictionary: Dictionary) -> None:
    with pytest.raises(EncodingError):
        encode_pair(dictionary, "Session-Timeout", value=True)


def test_tagged_attributes_are_refused() -> None:
    tagged = Dictionary(io.StringIO("ATTRIBUTE\tTunnel-Type\t64\tinteger\thas_tag\n"))
    with pytest.raises(EncodingError, match="tagged"):
        encode_pair(tagged, "Tunnel-Type", 3)
