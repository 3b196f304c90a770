"""The duplicate-request cache of RFC 5080 §2.2.2: a retransmission gets the first answer.

A NAS retransmits when our reply is late or lost (RouterOS after 1.1 s by default). The
retransmission must not be evaluated again: its reply is resent from here, and one that
arrives while the first is still being processed (accounting waits for its COMMIT) is
dropped.

The key is ONE `bytes` object (source address and port, code, identifier, Request
Authenticator). A tuple key per request kept the garbage collector busy with full
collections and pauses up to 81 ms in the measurements; bytes are not tracked by it
(docs/radius-codec.md). Time is the caller's `now` (the event loop's monotonic clock):
entries are kept in insertion order, which is expiry order, so expiring is popping from
the front.

The entries are an `OrderedDict`, not a dict: a dict leaves a hole for every key
deleted from its front, and `next(iter(d))` walks the holes until the next resize, so
with 250,000 entries expiring continuously each lookup of the oldest took ~100 µs
(bench/radius.py: the auth rate fell from 50,000/s to under 10,000/s once the cache
was full). An `OrderedDict` finds its oldest entry through its linked list in O(1).
"""

from __future__ import annotations

import collections
from typing import Final

from provisiond.radius.wire import HEADER_SIZE

DEFAULT_TTL: Final = 5.0  # seconds (DESIGN.md §5: "within 5 s")
DEFAULT_MAX_ENTRIES: Final = 500_000  # 100,000 requests/s for 5 s
PENDING: Final = b""  # the value of a request still being processed: drop its duplicates


def request_key(host: str, port: int, datagram: bytes) -> bytes:
    """The cache key of a request; `datagram` has at least a RADIUS header.

    Code and Identifier (octets 0-1), then the Request Authenticator (4-19), then the
    source port and address; the fixed-size fields first keep the key unambiguous.
    """
    return datagram[:2] + datagram[4:HEADER_SIZE] + port.to_bytes(2) + host.encode()


class DuplicateCache:
    """Replies by request key, for `ttl` seconds, at most `max_entries` of them."""

    __slots__ = ("_entries", "_max_entries", "_ttl")

    def __init__(self, *, ttl: float = DEFAULT_TTL, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        if ttl <= 0 or max_entries < 1:
            raise ValueError("the duplicate cache needs a positive ttl and max_entries")
        self._ttl = ttl
        self._max_entries = max_entries
        self._entries: collections.OrderedDict[bytes, tuple[float, bytes]] = (
            collections.OrderedDict()
        )

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: bytes, now: float) -> bytes | None:
        """None for a new request, `PENDING` for one in progress, else the reply to resend."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= now:
            del self._entries[key]
            return None
        return entry[1]

    def start(self, key: bytes, now: float) -> None:
        """Mark a request as being processed (for answers that wait, like accounting)."""
        self.put(key, PENDING, now)

    def put(self, key: bytes, reply: bytes, now: float) -> None:
        """Remember the reply sent for a request, for `ttl` seconds from `now`."""
        entries = self._entries
        entries.pop(key, None)  # re-inserting moves the key to the end: order stays expiry order
        entries[key] = (now + self._ttl, reply)
        self.expire(now)

    def forget(self, key: bytes) -> None:
        """Drop a pending request that got no reply (e.g. shed under overload)."""
        self._entries.pop(key, None)

    def expire(self, now: float) -> None:
        """Drop expired entries, then the oldest ones beyond `max_entries`."""
        entries = self._entries
        while entries:
            oldest = next(iter(entries))
            if entries[oldest][0] > now and len(entries) <= self._max_entries:
                return
            del entries[oldest]
