"""The layout cache of `packet.parse`: a remembered shape gives exactly what the walk gives."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisiond.radius import wire
from provisiond.radius.errors import MalformedPacket
from provisiond.radius.layout import (
    LEARN_EVERY,
    MAX_KEYS,
    MAX_PER_KEY,
    Layout,
    LayoutCache,
    layout_key,
)
from provisiond.radius.packet import LAYOUTS, Packet, parse
from tests.unit.radius.support import access_request, raw

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pyrad.dictionary import Dictionary

FUZZ = settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
MS_ID = wire.VENDOR_MICROSOFT.to_bytes(4)


@pytest.fixture(autouse=True)
def _forget_layouts() -> Iterator[None]:
    """Each test starts, and leaves the process, with nothing remembered."""
    LAYOUTS.clear()
    yield
    LAYOUTS.clear()


def key_of(datagram: bytes) -> int:
    return layout_key(datagram[0], int.from_bytes(datagram[2:4]))


def outcome(datagram: bytes) -> Packet | type[MalformedPacket]:
    try:
        return parse(datagram)
    except MalformedPacket:
        return MalformedPacket


def walked(datagram: bytes) -> Packet | type[MalformedPacket]:
    """What the attribute walk alone makes of it (nothing remembered)."""
    LAYOUTS.clear()
    return outcome(datagram)


def remember(datagram: bytes) -> Layout:
    """Have `parse` remember the shape of a valid datagram (it learns one miss in a few)."""
    LAYOUTS.clear()
    for _ in range(LEARN_EVERY):
        parse(datagram)
    found = LAYOUTS.find(datagram[: int.from_bytes(datagram[2:4])], key_of(datagram))
    assert found is not None
    return found


def full_request(dictionary: Dictionary) -> bytes:
    """An Access-Request with every kind of attribute the walk decides on."""
    return raw(
        access_request(
            dictionary,
            proxy_state=(b"state-1", b"state-2"),
            User_Name="alice",
            NAS_IP_Address="192.0.2.1",
            Framed_IPv6_Prefix="2001:db8::/64",
            Delegated_IPv6_Prefix="2001:db8:100::/56",
            MS_CHAP_Challenge=bytes(range(16)),
            MS_CHAP2_Response=bytes((1, 0)) + bytes(range(48)),
            Mikrotik_Rate_Limit="1M/1M",
        )
    )


def attribute_at(datagram: bytes, kind: int) -> int:
    """Where the first attribute of `kind` starts."""
    pos = wire.HEADER_SIZE
    while datagram[pos] != kind:
        pos += datagram[pos + 1]
    return pos


def deciding_octets(datagram: bytes) -> set[int]:
    """The octets the walk decides on, worked out here independently of `describe`."""
    found: set[int] = set()
    prefixes_seen: set[int] = set()
    pos = wire.HEADER_SIZE
    while pos < len(datagram):
        kind, end = datagram[pos], pos + datagram[pos + 1]
        found |= {pos, pos + 1}
        if kind in (wire.FRAMED_IPV6_PREFIX, wire.DELEGATED_IPV6_PREFIX):
            if kind not in prefixes_seen:
                found.add(pos + 3)  # the prefix length, checked in the first of each type
            prefixes_seen.add(kind)
        if kind == wire.VENDOR_SPECIFIC:
            found |= set(range(pos + 2, min(pos + 6, end)))
            if datagram[pos + 2 : pos + 6] == MS_ID:
                sub = pos + 6
                while sub < end:
                    found |= {sub, sub + 1}
                    sub += datagram[sub + 1]
        pos = end
    return found


def test_a_remembered_shape_gives_the_walks_view(dictionary: Dictionary) -> None:
    first = full_request(dictionary)
    remember(first)
    # The same shape with other values (no deciding octet): the user name, the last state.
    second = bytearray(first)
    name = attribute_at(first, wire.USER_NAME) + 2
    second[name : name + 5] = b"bobby"
    second[-1] ^= 0xFF
    assert LAYOUTS.find(bytes(second), key_of(first)) is not None
    hit = parse(bytes(second))
    assert hit == walked(bytes(second))
    assert hit.user_name == b"bobby"
    assert hit.ms_chap2_response is not None
    assert hit.proxy_state[0] == b"state-1"
    assert hit.framed_ipv6_prefix == "2001:db8::/64"


def test_a_layout_is_confirmed_only_when_every_deciding_octet_matches(
    dictionary: Dictionary,
) -> None:
    datagram = full_request(dictionary)
    shape = LAYOUTS.describe(datagram)
    deciding = deciding_octets(datagram)
    assert shape.matches(datagram)
    for offset in range(wire.HEADER_SIZE, len(datagram)):
        changed = bytearray(datagram)
        changed[offset] ^= 0x01
        assert shape.matches(bytes(changed)) == (offset not in deciding), offset


def test_a_bad_prefix_length_is_malformed_even_in_a_remembered_shape(
    dictionary: Dictionary,
) -> None:
    datagram = full_request(dictionary)
    remember(datagram)
    broken = bytearray(datagram)
    broken[attribute_at(datagram, wire.FRAMED_IPV6_PREFIX) + 3] = 129  # its prefix length
    with pytest.raises(MalformedPacket, match="prefix length 129"):
        parse(bytes(broken))


def test_a_vendor_id_change_is_a_new_shape(dictionary: Dictionary) -> None:
    datagram = full_request(dictionary)
    remember(datagram)
    other = bytearray(datagram)
    at = datagram.index(MS_ID, wire.HEADER_SIZE)
    other[at + 3] = 0x38  # vendor 312: its sub-attributes are nobody's we read
    packet = parse(bytes(other))
    assert packet == walked(bytes(other))
    assert packet.ms_chap_challenge is None


@st.composite
def shape_and_variant(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """A datagram of well-framed attributes, and one with up to four octets changed."""
    pairs = draw(
        st.lists(
            st.tuples(
                st.sampled_from([0, 1, 2, 3, 4, 5, 26, 30, 31, 32, 33, 44, 80, 97, 123, 255]),
                st.binary(max_size=30),
            ),
            max_size=10,
        )
    )
    body = b""
    for kind, value in pairs:
        framed = value
        if kind == wire.VENDOR_SPECIFIC and draw(st.booleans()):  # a valid MS-CHAP-Challenge
            framed = MS_ID + bytes((wire.MS_CHAP_CHALLENGE, 18)) + value[:16].ljust(16, b"\0")
        body += bytes((kind, len(framed) + 2)) + framed
    code = draw(st.sampled_from([1, 4, 12, 43]))
    first = bytes((code, 7)) + (20 + len(body)).to_bytes(2) + bytes(16) + body
    second = bytearray(first)
    for _ in range(draw(st.integers(1, 4))):
        second[draw(st.integers(0, len(second) - 1))] = draw(st.integers(0, 255))
    return first, bytes(second)


@FUZZ
@given(shapes=shape_and_variant())
def test_a_remembered_shape_never_changes_what_parse_says(shapes: tuple[bytes, bytes]) -> None:
    first, second = shapes
    expected_first, expected_second = walked(first), walked(second)
    if expected_first is MalformedPacket:
        return  # nothing to remember
    remember(first)
    assert outcome(first) == expected_first
    assert outcome(second) == expected_second


@FUZZ
@given(data=st.data())
def test_mutated_valid_requests_parse_alike_with_and_without_layouts(
    dictionary: Dictionary, data: st.DataObject
) -> None:
    datagram = full_request(dictionary)
    mutated = bytearray(datagram)
    for _ in range(data.draw(st.integers(1, 4))):
        mutated[data.draw(st.integers(0, len(mutated) - 1))] = data.draw(st.integers(0, 255))
    mutated += data.draw(st.binary(max_size=8))  # padding after Length
    expected = walked(bytes(mutated))
    remember(datagram)
    assert outcome(bytes(mutated)) == expected


def small(kinds: list[int], code: int = 1) -> bytes:
    body = b"".join(bytes((kind, 6)) + bytes(4) for kind in kinds)
    return bytes((code, 1)) + (20 + len(body)).to_bytes(2) + bytes(16) + body


def learn(cache: LayoutCache, datagram: bytes) -> None:
    for _ in range(LEARN_EVERY):
        cache.missed(datagram, key_of(datagram))


def test_one_miss_in_learn_every_is_remembered() -> None:
    cache = LayoutCache({1}, set())
    datagram = small([1, 4])
    for _ in range(LEARN_EVERY - 1):
        cache.missed(datagram, key_of(datagram))
    assert cache.find(datagram, key_of(datagram)) is None
    cache.missed(datagram, key_of(datagram))
    assert cache.find(datagram, key_of(datagram)) is not None


def test_a_key_holds_at_most_max_per_key_shapes_the_most_confirmed_first() -> None:
    cache = LayoutCache({1, 4, 5, 30}, set())
    orders = [[1, 4, 5, 30], [4, 1, 5, 30], [5, 4, 1, 30], [30, 4, 5, 1], [1, 30, 5, 4]]
    for order in orders:
        learn(cache, small(order))
    key = key_of(small(orders[0]))
    assert len(cache) == MAX_PER_KEY
    newest = cache.by_key[key][-1]  # it took the last place, from the one before it
    assert cache.find(small(orders[-2]), key) is None
    assert cache.find(small(orders[-1]), key) is newest
    assert cache.by_key[key][-2] is newest  # confirmed: moved one place towards the front
    assert cache.find(small(orders[0]), key) is cache.by_key[key][0]


def test_the_cache_is_cleared_beyond_max_keys() -> None:
    cache = LayoutCache({1}, set())
    datagrams = [small([4] * (index // 256), code=index % 256) for index in range(MAX_KEYS + 1)]
    for datagram in datagrams[:MAX_KEYS]:
        learn(cache, datagram)
    assert len(cache.by_key) == MAX_KEYS
    learn(cache, datagrams[MAX_KEYS])
    assert len(cache.by_key) == 1
    assert cache.find(datagrams[MAX_KEYS], key_of(datagrams[MAX_KEYS])) is not None
