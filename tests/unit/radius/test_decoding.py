"""Attributes back to text pairs: the reverse of `encode_attributes`, unknowns included."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provisiond.radius.attributes import encode_attributes
from provisiond.radius.decoding import AttributeDecoder
from provisiond.radius.dictionary import load_dictionary
from provisiond.radius.errors import MalformedPacket
from provisiond.radius.wire import VENDOR_MIKROTIK, encode_attribute, encode_vendor_attribute

if TYPE_CHECKING:
    from pyrad.dictionary import Dictionary

DECODER = AttributeDecoder(load_dictionary())

PAIRS = (
    ("User-Name", "alice"),
    ("Framed-IP-Address", "100.64.0.10"),
    ("Acct-Status-Type", "Interim-Update"),
    ("Acct-Input-Octets", "4294967295"),
    ("Event-Timestamp", "1767225600"),
    ("Error-Cause", "Session-Context-Not-Found"),
    ("Class", "0x00ff"),
    ("Framed-IPv6-Prefix", "2001:db8:1::/48"),
    ("Mikrotik-Rate-Limit", "20M/100M"),
    ("Mikrotik-Recv-Limit", "1000"),
)


def test_known_attributes_decode_to_what_encodes_them_again(dictionary: Dictionary) -> None:
    encoded = encode_attributes(dictionary, PAIRS)

    assert DECODER.pairs(encoded) == PAIRS


@given(st.lists(st.sampled_from(PAIRS), max_size=8))
def test_decoding_inverts_encoding(pairs: list[tuple[str, str]]) -> None:
    encoded = encode_attributes(load_dictionary(), pairs)

    assert DECODER.pairs(encoded) == tuple(pairs)


def test_unknown_attributes_keep_their_numbers_and_octets() -> None:
    encoded = encode_attribute(250, b"\x01\x02") + encode_vendor_attribute(
        VENDOR_MIKROTIK, 99, b"ab"
    )

    assert DECODER.pairs(encoded) == (
        ("Attr-250", "0x0102"),
        (f"Vendor-{VENDOR_MIKROTIK}-Attr-99", "0x6162"),
    )


def test_a_value_that_does_not_fit_its_type_is_kept_as_hex() -> None:
    three_octet_integer = encode_attribute(27, b"\x00\x00\x01")  # Session-Timeout

    assert DECODER.pairs(three_octet_integer) == (("Session-Timeout", "0x000001"),)


def test_a_vendor_value_not_in_format_1_1_is_kept_whole() -> None:
    odd = encode_attribute(26, VENDOR_MIKROTIK.to_bytes(4) + b"\x08\x09x")

    assert DECODER.pairs(odd) == (("Vendor-Specific", "0x00003a8c080978"),)


@pytest.mark.parametrize("area", [b"\x01", b"\x01\x01", b"\x01\x05ab"])
def test_broken_framing_is_malformed(area: bytes) -> None:
    with pytest.raises(MalformedPacket):
        DECODER.pairs(area)
