"""RouterOS API sentences to bytes and back (reference/protocols.md §1.2-1.3), without I/O.

Both directions reuse librouteros' pure length functions, inside loops of our own. Its
reader is not used: it awaits the socket three times per word, which is fine for one
command and far too slow for 100,000 pipelined replies. This decoder takes whatever
bytes arrived and returns every sentence they complete.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from librouteros.exceptions import ProtocolError
from librouteros.protocol import decode_length, determine_length, encode_length

from provisiond.drivers.errors import PermanentDriverError, UnexpectedReplyError

if TYPE_CHECKING:
    from collections.abc import Sequence

ENCODING: Final = "utf-8"
_ONE_BYTE: Final = 0x80
_SHORT: Final = tuple(bytes((size,)) for size in range(_ONE_BYTE))


def encode(words: Sequence[str], encoding: str = ENCODING) -> bytes:
    """One sentence: each word with its length prefix, then the empty word.

    Most words are shorter than 128 bytes, so their prefix is their length byte; the
    others take librouteros' `encode_length`. (Its `encode_sentence` costs a function
    call per word more, which shows at 100,000 sentences.)
    """
    parts: list[bytes] = []
    try:
        for word in words:
            raw = word.encode(encoding)
            size = len(raw)
            parts.append(_SHORT[size] if size < _ONE_BYTE else bytes(encode_length(size)))
            parts.append(raw)
    except (ProtocolError, UnicodeEncodeError) as exc:
        raise PermanentDriverError(f"cannot encode {words[0]!r}: {exc}") from exc
    parts.append(b"\x00")
    return b"".join(parts)


class SentenceDecoder:
    """Bytes in, complete sentences (lists of words) out; partial ones wait for more."""

    def __init__(self, encoding: str = ENCODING) -> None:
        self._encoding = encoding
        self._buffer = bytearray()
        self._words: list[str] = []

    def feed(self, data: bytes) -> list[list[str]]:
        buffer = self._buffer
        buffer += data
        sentences: list[list[str]] = []
        words = self._words
        encoding = self._encoding
        pos = 0
        end = len(buffer)
        while pos < end:
            length = buffer[pos]
            size = 1
            if length >= _ONE_BYTE:  # the rare long word: a prefix of 2 to 4 bytes
                header = _long_header(buffer, pos, end)
                if header is None:
                    break
                length, size = header
            if length == 0:
                sentences.append(words)
                words = []
                pos += 1
                continue
            stop = pos + size + length
            if stop > end:
                break
            # A byte that is not UTF-8 shows as U+FFFD: visible, never silently dropped.
            words.append(buffer[pos + size : stop].decode(encoding, "replace"))
            pos = stop
        self._words = words
        del buffer[:pos]
        return sentences


def _long_header(buffer: bytearray, pos: int, end: int) -> tuple[int, int] | None:
    """(word length, prefix size) at `pos`, or None when the prefix is still incomplete."""
    first = buffer[pos]
    try:
        size = 1 + int(determine_length(bytes((first,))))
    except ProtocolError as exc:
        # 0xF0 and up: a word over 256 MiB or a control byte; nothing a router sends us.
        raise UnexpectedReplyError(f"unreadable word length byte 0x{first:02X}") from exc
    if pos + size > end:
        return None
    return int(decode_length(bytes(buffer[pos : pos + size]))), size
