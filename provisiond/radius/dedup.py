"""The duplicate-request cache of RFC 5080 §2.2.2: a retransmission gets the first answer.

A NAS retransmits when our reply is late or lost (RouterOS after 1.1 s by default). The
retransmission must not be evaluated again: its reply is resent from here, and one that
arrives while the first is still being processed (accounting waits for its COMMIT) is
dropped.

The key is ONE `bytes` object (source address and port, code, identifier, Request
Authenticator). A tuple key per request kept the garbage collector busy with full
collections and pauses up to 81 ms in the measurements; bytes are not tracked by it
(docs/radius-codec.md). Time is the caller's `now` (the event loop's monotonic clock).

Layout, for the hot path (every Access-Request looks its key up and stores its reply):
entries are grouped in generations, one per `ttl / 10` of time. A generation holds the
replies stored in it (`key -> reply`) and expires `ttl` after the last of them, so an
entry lives at least `ttl` (what RFC 5080 and DESIGN.md promise) and at most
`ttl * 1.1`. One index, `key -> generation`, finds an entry with one dict probe and says
whether it has expired; storing costs two dict insertions, no tuple and no float.
Expired generations are dropped a few keys per store (`DRAIN_STEP`), not all at once:
dropping a whole generation of 30,000 entries in one go stalled the event loop for 4 ms.
An index entry belongs to a generation only while it points to it, so storing a key
again (a pending request answered) or forgetting it needs no search.

Measured (bench/radius.py's rate, ~300,000 live entries): lookup and store 0.65 µs, against
0.9 µs for the `OrderedDict` of (expiry, reply) tuples it replaces. (A plain dict with
per-entry expiry from its front was the first version: it leaves a hole for every key
deleted from its front and `next(iter(d))` walks the holes, ~100 µs per lookup with
250,000 entries expiring continuously.)

Beyond `max_entries`, the oldest entries go first, in the order they were stored.
"""

from __future__ import annotations

import collections
import math
from typing import TYPE_CHECKING, Final

from provisiond.radius.wire import HEADER_SIZE

if TYPE_CHECKING:
    from collections.abc import Iterator

DEFAULT_TTL: Final = 5.0  # seconds (DESIGN.md §5: "within 5 s")
DEFAULT_MAX_ENTRIES: Final = 500_000  # 100,000 requests/s for 5 s
GENERATIONS_PER_TTL: Final = 10  # an entry outlives its ttl by at most ttl / 10
DRAIN_STEP: Final = 8  # keys of expired generations visited per store (one is stored)
PENDING: Final = b""  # the value of a request still being processed: drop its duplicates


def request_key(host: str, port: int, datagram: bytes) -> bytes:
    """The cache key of a request; `datagram` has at least a RADIUS header.

    Code and Identifier (octets 0-1), then the Request Authenticator (4-19), then the
    source port and address; the fixed-size fields first keep the key unambiguous.
    """
    return b"".join((datagram[:2], datagram[4:HEADER_SIZE], port.to_bytes(2), host.encode()))


class _Generation:
    """The replies stored during one slice of time; `expiry` is `ttl` after the last."""

    __slots__ = ("cursor", "expiry", "replies")

    def __init__(self, expiry: float) -> None:
        self.expiry = expiry
        # Also keys stored again later or forgotten: the index says which are still ours.
        self.replies: dict[bytes, bytes] = {}
        # Where dropping its entries has got to; set once it takes no more stores.
        self.cursor: Iterator[bytes] | None = None


class DuplicateCache:
    """Replies by request key, for `ttl` seconds (up to ttl / 10 more), at most
    `max_entries` of them."""

    __slots__ = (
        "_current",
        "_draining",
        "_generations",
        "_index",
        "_max_entries",
        "_next_expiry",
        "_rotate_at",
        "_slice",
        "_ttl",
    )

    def __init__(self, *, ttl: float = DEFAULT_TTL, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        if ttl <= 0 or max_entries < 1:
            raise ValueError("the duplicate cache needs a positive ttl and max_entries")
        self._ttl = ttl
        self._slice = ttl / GENERATIONS_PER_TTL
        self._max_entries = max_entries
        self._index: dict[bytes, _Generation] = {}  # key -> the generation holding its reply
        self._generations: collections.deque[_Generation] = collections.deque()  # oldest first
        self._draining: collections.deque[_Generation] = collections.deque()  # expired ones
        self._current: _Generation | None = None  # the generation taking stores
        self._rotate_at = -math.inf  # when `_current` stops taking stores
        self._next_expiry = math.inf  # the oldest live generation's expiry (or earlier)

    def __len__(self) -> int:
        """Entries held; expired ones still being dropped (`DRAIN_STEP`) included."""
        return len(self._index)

    def get(self, key: bytes, now: float) -> bytes | None:
        """None for a new request, `PENDING` for one in progress, else the reply to resend."""
        generation = self._index.get(key)
        if generation is None:
            return None
        if generation.expiry <= now:
            del self._index[key]
            return None
        return generation.replies[key]

    def start(self, key: bytes, now: float) -> None:
        """Mark a request as being processed (for answers that wait, like accounting)."""
        self.put(key, PENDING, now)

    def put(self, key: bytes, reply: bytes, now: float) -> None:
        """Remember the reply sent for a request, for `ttl` seconds from `now`."""
        current = self._current
        if current is None or now >= self._rotate_at:
            current = self._rotate(now)
        self._index[key] = current
        current.replies[key] = reply
        current.expiry = now + self._ttl
        if now >= self._next_expiry:
            self._retire(now)
        if self._draining:
            self._drain(DRAIN_STEP)
        if len(self._index) > self._max_entries:
            self._trim()

    def forget(self, key: bytes) -> None:
        """Drop a pending request that got no reply (e.g. shed under overload)."""
        self._index.pop(key, None)

    def expire(self, now: float) -> None:
        """Drop every expired entry now."""
        self._retire(now)
        while self._draining:
            self._drain(len(self._index) + 1)

    def _rotate(self, now: float) -> _Generation:
        current = _Generation(now + self._ttl)
        self._generations.append(current)
        self._current = current
        self._rotate_at = now + self._slice
        self._next_expiry = self._generations[0].expiry
        return current

    def _freeze(self, generation: _Generation) -> Iterator[bytes]:
        """Its cursor: from now on it takes no stores, so its dict may be iterated."""
        if generation.cursor is None:
            if generation is self._current:
                self._current = None
            generation.cursor = iter(generation.replies)
        return generation.cursor

    def _retire(self, now: float) -> None:
        """Move the expired generations to the draining queue."""
        generations = self._generations
        while generations and generations[0].expiry <= now:
            oldest = generations.popleft()
            self._freeze(oldest)
            self._draining.append(oldest)
        self._next_expiry = generations[0].expiry if generations else math.inf

    def _drop_next(self, generation: _Generation) -> bool | None:
        """Visit its next key, dropping the entry if still its own: whether one was
        dropped, None when it has no keys left."""
        key = next(self._freeze(generation), None)
        if key is None:
            return None
        if self._index.get(key) is generation:
            del self._index[key]
            return True
        return False

    def _drain(self, step: int) -> None:
        """Visit up to `step` keys of expired generations, dropping those still theirs."""
        index, draining = self._index, self._draining
        while draining:
            generation = draining[0]
            for key in self._freeze(generation):
                if index.get(key) is generation:
                    del index[key]
                step -= 1
                if step <= 0:
                    return
            draining.popleft()

    def _trim(self) -> None:
        """Drop the oldest entries, in the order they were stored, to `max_entries`."""
        while len(self._index) > self._max_entries:
            queue = self._draining or self._generations
            if self._drop_next(queue[0]) is None:
                queue.popleft()
                if queue is self._generations:
                    self._next_expiry = queue[0].expiry if queue else math.inf
