"""Attribute layouts remembered by `packet.parse`: a NAS's second packet of a shape is sliced,
not walked.

A NAS sends the same attributes in the same order with the same lengths again and again:
only the values change. `packet._walk` checks the framing of every attribute in a Python
loop (~3.6 µs for a 12-attribute Access-Request); once a datagram has passed it, a
`Layout` remembers the walk's outcome: where each kept value, Proxy-State and
Vendor-Specific lies, and where the Message-Authenticator sits.

Which outcome the walk reaches depends on the code, the Length field and a known set of
octets only, the *deciding octets*: every attribute's type and length octets, the vendor
id of every Vendor-Specific, the sub-attribute headers inside a Microsoft one, and the
prefix-length octet of the first Framed-IPv6-Prefix and Delegated-IPv6-Prefix. Nothing
else is read by a decision of the walk. So a new datagram with the same code and Length
whose deciding octets all equal the remembered ones has exactly the remembered framing,
is as valid as the first one was, and keeps its values at the same offsets.

The confirmation is done in C: the datagram as one integer, masked to the deciding
octets, compared with the remembered integer (`int.from_bytes(raw) & mask == expected`,
~0.15 µs). The values then come out of one `struct.Struct.unpack_from` of `Ns` and `Nx`
fields. A miss (no layout, or none confirmed) is walked as before, so every framing error
is still found by `_walk` and raised as `MalformedPacket`.

Bounds, so that a configured but hostile NAS, or anyone spoofing its address, can neither
grow the cache nor slow the miss path much: at most `MAX_PER_KEY` layouts per (code,
Length), tried most recently confirmed first; at most `MAX_KEYS` keys, all dropped when
full; and only one miss in `LEARN_EVERY` is turned into a layout (describing one costs
about one more walk), so an endless stream of new shapes costs each packet a few
confirmations and a fraction of a walk more than the walk itself.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Final

from provisiond.radius.wire import (
    DELEGATED_IPV6_PREFIX,
    FRAMED_IPV6_PREFIX,
    HEADER_SIZE,
    MESSAGE_AUTHENTICATOR,
    PROXY_STATE,
    VENDOR_MICROSOFT,
    VENDOR_SPECIFIC,
    vendor_key,
)

if TYPE_CHECKING:
    from collections.abc import Container, Sequence

MAX_PER_KEY: Final = 4  # layouts per (code, Length): a miss tries at most this many
MAX_KEYS: Final = 1024  # (code, Length) pairs remembered; the cache is cleared beyond
LEARN_EVERY: Final = 4  # one miss in this many is described and remembered

_MS_VENDOR_ID: Final = VENDOR_MICROSOFT.to_bytes(4)
_VENDOR_ID_SIZE: Final = 4
_PREFIX_TYPES: Final = (FRAMED_IPV6_PREFIX, DELEGATED_IPV6_PREFIX)

Span = tuple[int, int]  # [start, end) of a value in the datagram


def layout_key(code: int, length: int) -> int:
    """The cache key of a datagram: its code and Length field as one int."""
    return (length << 8) | code


def _extractor(spans: Sequence[Span]) -> struct.Struct | None:
    """A Struct whose `unpack_from` returns the values at `spans` (ascending, disjoint)."""
    if not spans:
        return None
    fields, at = [], 0
    for start, end in spans:
        fields.append(f"{start - at}x{end - start}s")
        at = end
    return struct.Struct("=" + "".join(fields))


class _Walk:
    """What `describe` collects in its walk over an accepted datagram."""

    __slots__ = ("authenticator_at", "deciding", "kept", "proxy_state", "seen", "vendor_specific")

    def __init__(self) -> None:
        self.deciding: list[int] = []  # offsets of the deciding octets
        self.kept: list[tuple[int, int, int]] = []  # (key, start, end), the walk's order
        self.seen: set[int] = set()  # the keys in `kept`: only first instances are kept
        self.proxy_state: list[Span] = []
        self.vendor_specific: list[Span] = []
        self.authenticator_at = -1

    def keep(self, key: int, start: int, end: int) -> None:
        if key not in self.seen:
            self.seen.add(key)
            self.kept.append((key, start, end))


class Layout:
    """The framing of one datagram shape: how to confirm it, where its values lie."""

    __slots__ = (
        "expected",
        "kinds",
        "mask",
        "message_authenticator_at",
        "proxy_state",
        "values",
        "vendor_specific",
    )

    def __init__(self, raw: bytes, walk: _Walk) -> None:
        last = len(raw) - 1
        mask = 0
        for offset in walk.deciding:
            mask |= 0xFF << ((last - offset) * 8)  # big-endian: octet 0 is the top one
        self.mask = mask
        self.expected = int.from_bytes(raw) & mask
        self.kinds = tuple(key for key, _, _ in walk.kept)  # the kept values' keys, in order
        self.values = _extractor([(start, end) for _, start, end in walk.kept])
        self.proxy_state = _extractor(walk.proxy_state)
        self.vendor_specific = _extractor(walk.vendor_specific)
        self.message_authenticator_at = walk.authenticator_at

    def matches(self, raw: bytes) -> bool:
        """Whether `raw` (same code and Length) has every deciding octet of this layout."""
        return int.from_bytes(raw) & self.mask == self.expected


def _microsoft(raw: bytes, start: int, end: int, walk: _Walk, kept: Container[int]) -> None:
    """The sub-attribute headers of a (valid) Microsoft Vendor-Specific value."""
    pos = start + _VENDOR_ID_SIZE
    while pos < end:
        kind, stop = raw[pos], pos + raw[pos + 1]
        walk.deciding += (pos, pos + 1)
        if kind in kept:
            walk.keep(vendor_key(VENDOR_MICROSOFT, kind), pos + 2, stop)
        pos = stop


def describe(raw: bytes, kept_types: Container[int], kept_microsoft: Container[int]) -> Layout:
    """The layout of `raw`, a datagram `packet._walk` has accepted (no checks here).

    `kept_types` and `kept_microsoft` are the walk's: the standard types and Microsoft
    sub-attribute types whose first instance the view keeps. It mirrors the walk's
    decisions one by one; tests/unit/radius/test_layout.py checks that both agree.
    """
    walk = _Walk()
    deciding = walk.deciding
    pos, size = HEADER_SIZE, len(raw)
    while pos < size:
        kind, end = raw[pos], pos + raw[pos + 1]
        deciding += (pos, pos + 1)
        if kind in kept_types:
            walk.keep(kind, pos + 2, end)
        elif kind == PROXY_STATE:
            walk.proxy_state.append((pos + 2, end))
        elif kind == VENDOR_SPECIFIC:
            walk.vendor_specific.append((pos + 2, end))
            vendor_end = min(pos + 2 + _VENDOR_ID_SIZE, end)  # a shorter value is no vendor's
            deciding.extend(range(pos + 2, vendor_end))
            if raw[pos + 2 : vendor_end] == _MS_VENDOR_ID:
                _microsoft(raw, pos + 2, end, walk, kept_microsoft)
        elif kind == MESSAGE_AUTHENTICATOR:
            walk.authenticator_at = pos + 2
        pos = end
    # The walk checks the prefix length octet of the first instance of each prefix type.
    deciding.extend(start + 1 for kind, start, _ in walk.kept if kind in _PREFIX_TYPES)
    return Layout(raw, walk)


def confirm(number: int, layouts: list[Layout]) -> Layout | None:
    """The first of `layouts` whose deciding octets the datagram (`int.from_bytes(raw)`)
    has, moved one place towards the front: the shapes seen most stay first."""
    for index, layout in enumerate(layouts):
        if number & layout.mask == layout.expected:
            if index:
                layouts[index - 1], layouts[index] = layout, layouts[index - 1]
            return layout
    return None


class LayoutCache:
    """Layouts by `layout_key`, bounded (see the module docstring). Not thread-safe in
    what it remembers, but always safe in what it answers: a layout is used only after
    `matches` confirmed it on the datagram at hand."""

    __slots__ = ("_kept_microsoft", "_kept_types", "_misses", "by_key")

    def __init__(self, kept_types: Container[int], kept_microsoft: Container[int]) -> None:
        self.by_key: dict[int, list[Layout]] = {}
        self._kept_types = kept_types
        self._kept_microsoft = kept_microsoft
        self._misses = 0

    def __len__(self) -> int:
        return sum(len(layouts) for layouts in self.by_key.values())

    def find(self, raw: bytes, key: int) -> Layout | None:
        """The remembered layout `raw` confirms, if any (`packet.parse` inlines this)."""
        layouts = self.by_key.get(key)
        return None if layouts is None else confirm(int.from_bytes(raw), layouts)

    def missed(self, raw: bytes, key: int) -> None:
        """`raw` was walked (and is valid) but no layout matched: maybe remember it."""
        self._misses += 1
        if self._misses < LEARN_EVERY:
            return
        self._misses = 0
        layout = self.describe(raw)
        layouts = self.by_key.get(key)
        if layouts is None:
            if len(self.by_key) >= MAX_KEYS:
                self.by_key.clear()
            self.by_key[key] = [layout]
        elif len(layouts) < MAX_PER_KEY:
            layouts.append(layout)
        else:
            layouts[-1] = layout  # the least recently confirmed one makes room

    def describe(self, raw: bytes) -> Layout:
        """The layout of a datagram `packet._walk` has accepted (see `describe`)."""
        return describe(raw, self._kept_types, self._kept_microsoft)

    def clear(self) -> None:
        self.by_key.clear()
        self._misses = 0
