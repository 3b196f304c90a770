"""RouterOS API wire codec, sans I/O (reference/protocols.md §1.2-1.3).

A word is a length prefix and that many bytes; a sentence is words ended by an empty
word. The length prefix takes 1 to 5 bytes; the decoder reads the 5-byte `0xF0` form
for any length (RouterOS decodes by the first byte), while the encoder always writes the
shortest form, as RouterOS does. A first byte of 0xF8 or more is a reserved control byte
that no peer may continue after.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provisiond.lab.errors import WireError

if TYPE_CHECKING:
    from collections.abc import Iterable

MAX_LENGTH = 0xFFFFFFFF
FIRST_CONTROL_BYTE = 0xF8
_ONE_BYTE = 0x80
ENCODING = "utf-8"

# (exclusive upper bound of the length, OR-mask, bytes) for the 1- to 4-byte forms.
_FORMS = (
    (0x80, 0x00, 1),
    (0x4000, 0x8000, 2),
    (0x200000, 0xC00000, 3),
    (0x10000000, 0xE0000000, 4),
)
# (exclusive upper bound of the first byte, prefix bytes, mask of the length bits)
_PREFIXES = (
    (0x80, 1, 0x7F),
    (0xC0, 2, 0x3FFF),
    (0xE0, 3, 0x1FFFFF),
    (0xF0, 4, 0xFFFFFFF),
)


def encode_length(length: int) -> bytes:
    """The shortest length prefix for `length` bytes."""
    if not 0 <= length <= MAX_LENGTH:
        raise WireError(f"word length {length} out of range")
    for bound, mask, size in _FORMS:
        if length < bound:
            return (length | mask).to_bytes(size, "big")
    return b"\xf0" + length.to_bytes(4, "big")


def decode_length(data: bytes | bytearray, start: int = 0) -> tuple[int, int] | None:
    """(length, prefix size) of the prefix at `start`, or None when more bytes are needed."""
    if start >= len(data):
        return None
    first = data[start]
    if first >= FIRST_CONTROL_BYTE:
        raise WireError(f"reserved control byte 0x{first:02X}")
    size, mask = _prefix_shape(first)
    if start + size > len(data):
        return None
    value = int.from_bytes(data[start : start + size], "big")
    return value & mask, size


def _prefix_shape(first: int) -> tuple[int, int]:
    for bound, size, mask in _PREFIXES:
        if first < bound:
            return size, mask
    # 0xF0..0xF7: the first byte is only a marker; four length bytes follow it.
    return 5, 0xFFFFFFFF


def _header_at(data: bytearray, pos: int) -> tuple[int, int] | None:
    # Most words are shorter than 0x80: their one-byte prefix is the length itself.
    if pos < len(data) and data[pos] < _ONE_BYTE:
        return data[pos], 1
    return decode_length(data, pos)


def encode_word(word: str) -> bytes:
    raw = word.encode(ENCODING)
    if len(raw) < _ONE_BYTE:
        return bytes((len(raw),)) + raw
    return encode_length(len(raw)) + raw


def encode_sentence(words: Iterable[str]) -> bytes:
    return b"".join(encode_word(word) for word in words) + b"\x00"


class SentenceDecoder:
    """Turns a byte stream, fed in pieces of any size, into sentences.

    `max_sentence_bytes` bounds what one unfinished sentence may hold, so a peer that
    announces a huge word cannot make us buffer it (RouterOS limits sentences before
    login the same way). It may be changed between feeds.
    """

    def __init__(self, *, max_sentence_bytes: int = MAX_LENGTH) -> None:
        self.max_sentence_bytes = max_sentence_bytes
        self._buffer = bytearray()
        self._words: list[str] = []
        self._held = 0

    def feed(self, data: bytes) -> list[list[str]]:
        """Every sentence completed by `data`, empty ones included, in order."""
        buffer = self._buffer
        buffer += data
        sentences: list[list[str]] = []
        pos = 0
        while (header := _header_at(buffer, pos)) is not None:
            length, size = header
            if length == 0:
                sentences.append(self._words)
                self._words = []
                self._held = 0
                pos += size
                continue
            self._check_limit(size + length)
            end = pos + size + length
            if end > len(buffer):
                break
            self._words.append(buffer[pos + size : end].decode(ENCODING, errors="replace"))
            self._held += size + length
            pos = end
        del buffer[:pos]
        self._check_limit(len(buffer))
        return sentences

    @property
    def pending(self) -> bool:
        """True while part of a sentence has been received."""
        return bool(self._words or self._buffer)

    def _check_limit(self, upcoming: int) -> None:
        if self._held + upcoming > self.max_sentence_bytes:
            raise WireError(f"sentence longer than {self.max_sentence_bytes} bytes")
