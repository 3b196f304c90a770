from __future__ import annotations

import gc

import pytest

from provisiond.radius.dedup import DRAIN_STEP, PENDING, DuplicateCache, request_key

DATAGRAM = bytes((1, 7, 0, 20)) + bytes(range(16))


def test_key_is_one_bytes_object_of_every_field() -> None:
    key = request_key("192.0.2.1", 1812, DATAGRAM)
    assert isinstance(key, bytes)
    assert not gc.is_tracked(key)
    assert key == bytes((1, 7)) + bytes(range(16)) + (1812).to_bytes(2) + b"192.0.2.1"
    others = {
        request_key("192.0.2.2", 1812, DATAGRAM),
        request_key("192.0.2.1", 1813, DATAGRAM),
        request_key("192.0.2.1", 1812, bytes((4,)) + DATAGRAM[1:]),
        request_key("192.0.2.1", 1812, DATAGRAM[:1] + b"\x08" + DATAGRAM[2:]),
        request_key("192.0.2.1", 1812, DATAGRAM[:19] + b"\xff"),
    }
    assert key not in others
    assert len(others) == 5
    # The Length field is not part of the identity of a request.
    assert request_key("192.0.2.1", 1812, DATAGRAM[:2] + b"\x00\x30" + DATAGRAM[4:]) == key


def test_a_reply_is_served_for_five_seconds() -> None:
    cache = DuplicateCache()
    cache.put(b"k", b"reply", now=100.0)
    assert cache.get(b"k", now=100.0) == b"reply"
    assert cache.get(b"k", now=104.999) == b"reply"
    assert cache.get(b"k", now=105.0) is None
    assert len(cache) == 0
    assert cache.get(b"other", now=100.0) is None


def test_a_pending_request_is_marked_then_answered() -> None:
    cache = DuplicateCache(ttl=5.0)
    cache.start(b"k", now=0.0)
    assert cache.get(b"k", now=1.0) == PENDING
    cache.put(b"k", b"reply", now=2.0)
    assert cache.get(b"k", now=6.5) == b"reply"  # expiry counts from the reply
    cache.start(b"j", now=7.0)
    cache.forget(b"j")
    assert cache.get(b"j", now=7.0) is None


def test_expired_entries_are_dropped_as_new_ones_arrive() -> None:
    cache = DuplicateCache(ttl=5.0)
    for i in range(10):
        cache.put(bytes((i,)), b"r", now=float(i))
    assert len(cache) == 5  # at t=9, entries from t<=4 have expired
    cache.expire(now=100.0)
    assert len(cache) == 0


def test_size_is_bounded_by_dropping_the_oldest() -> None:
    cache = DuplicateCache(ttl=5.0, max_entries=3)
    for i in range(5):
        cache.put(bytes((i,)), bytes((i,)), now=0.0)
    assert len(cache) == 3
    assert cache.get(b"\x00", now=0.0) is None
    assert cache.get(b"\x01", now=0.0) is None
    assert cache.get(b"\x04", now=0.0) == b"\x04"


def test_replacing_an_entry_moves_it_to_the_back() -> None:
    cache = DuplicateCache(ttl=5.0, max_entries=2)
    cache.put(b"a", b"1", now=0.0)
    cache.put(b"b", b"2", now=0.0)
    cache.put(b"a", b"3", now=1.0)
    cache.put(b"c", b"4", now=1.0)
    assert cache.get(b"b", now=1.0) is None
    assert cache.get(b"a", now=1.0) == b"3"


@pytest.mark.parametrize(("ttl", "max_entries"), [(0.0, 10), (5.0, 0)])
def test_nonsense_limits_are_refused(ttl: float, max_entries: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        DuplicateCache(ttl=ttl, max_entries=max_entries)


def test_an_entry_lives_at_least_ttl_and_at_most_a_tenth_more() -> None:
    cache = DuplicateCache(ttl=5.0)
    cache.put(b"early", b"1", now=0.0)
    cache.put(b"late", b"2", now=0.4)  # same generation (ttl / 10): it expires with "late"
    assert cache.get(b"early", now=4.999) == b"1"
    assert cache.get(b"early", now=5.2) == b"1"  # kept up to ttl / 10 longer
    assert cache.get(b"late", now=5.399) == b"2"
    assert cache.get(b"early", now=5.4) is None
    assert cache.get(b"late", now=5.4) is None


def test_expired_entries_are_dropped_a_few_per_store() -> None:
    cache = DuplicateCache(ttl=5.0)
    for i in range(100):
        cache.put(i.to_bytes(2), b"r", now=i / 1000)
    cache.put(b"new", b"r", now=20.0)
    # No stall: one store drops DRAIN_STEP expired entries, not the whole generation ...
    assert len(cache) == 101 - DRAIN_STEP
    # ... and an expired entry is never served while it waits to be dropped.
    assert cache.get((99).to_bytes(2), now=20.0) is None
    for i in range(20):
        cache.put(b"more" + bytes((i,)), b"r", now=20.0)
    assert len(cache) == 21
    cache.expire(now=100.0)
    assert len(cache) == 0


def test_a_key_stored_again_outlives_its_first_generation() -> None:
    cache = DuplicateCache(ttl=5.0)
    cache.start(b"k", now=0.0)
    cache.forget(b"k")
    cache.start(b"k", now=3.0)  # the NAS retransmitted after the first was shed
    cache.put(b"other", b"r", now=6.0)  # the first generation expires and is drained
    cache.expire(now=6.0)
    assert cache.get(b"k", now=7.9) == PENDING
    cache.put(b"k", b"reply", now=7.9)
    cache.expire(now=12.0)  # the generations of both starts have expired
    assert cache.get(b"k", now=12.8) == b"reply"
    assert cache.get(b"k", now=12.9) is None


def test_the_bound_holds_across_generations_oldest_first() -> None:
    cache = DuplicateCache(ttl=5.0, max_entries=10)
    for i in range(30):
        cache.put(bytes((i,)), bytes((i,)), now=i * 0.1)
        assert len(cache) <= 10
    assert [cache.get(bytes((i,)), now=3.0) for i in range(19, 30)] == [None] + [
        bytes((i,)) for i in range(20, 30)
    ]
