"""MD4 (RFC 1320), for the NT password hash of MS-CHAPv2 (RFC 2759 §8.3).

OpenSSL 3 moved MD4 to its legacy provider, so `hashlib.new("md4")` fails on current
distributions; MS-CHAP cannot change its hash, so this module carries its own. It is a
plain transcription of RFC 1320 §3.4: 32-bit words, little-endian, three rounds.
"""

from __future__ import annotations

import struct
from typing import Final

_MASK: Final = 0xFFFFFFFF
_INITIAL: Final = (0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476)
_ROUND2: Final = 0x5A827999  # sqrt(2) * 2**30
_ROUND3: Final = 0x6ED9EBA1  # sqrt(3) * 2**30
_BLOCK: Final = struct.Struct("<16I")

# Word order and shift amounts of each round's sixteen steps (RFC 1320 §3.4).
_ORDER1: Final = tuple(range(16))
_ORDER2: Final = (0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15)
_ORDER3: Final = (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15)
_SHIFTS1: Final = (3, 7, 11, 19)
_SHIFTS2: Final = (3, 5, 9, 13)
_SHIFTS3: Final = (3, 9, 11, 15)


def _rotl(value: int, count: int) -> int:
    value &= _MASK
    return ((value << count) | (value >> (32 - count))) & _MASK


def _pad(data: bytes) -> bytes:
    """Append 0x80, zeros to 56 mod 64, and the bit length as 64-bit little-endian."""
    bit_length = (8 * len(data)) & 0xFFFFFFFFFFFFFFFF
    padding = b"\x80" + bytes((55 - len(data)) % 64)
    return data + padding + struct.pack("<Q", bit_length)


def _compress(state: tuple[int, int, int, int], block: tuple[int, ...]) -> tuple[int, ...]:
    a, b, c, d = state
    for step, index in enumerate(_ORDER1):
        a = _rotl(a + ((b & c) | (~b & d)) + block[index], _SHIFTS1[step % 4])
        a, b, c, d = d, a, b, c
    for step, index in enumerate(_ORDER2):
        f = (b & c) | (b & d) | (c & d)
        a = _rotl(a + f + block[index] + _ROUND2, _SHIFTS2[step % 4])
        a, b, c, d = d, a, b, c
    for step, index in enumerate(_ORDER3):
        a = _rotl(a + (b ^ c ^ d) + block[index] + _ROUND3, _SHIFTS3[step % 4])
        a, b, c, d = d, a, b, c
    return tuple((old + new) & _MASK for old, new in zip(state, (a, b, c, d), strict=True))


def md4(data: bytes) -> bytes:
    """The 16-octet MD4 digest of `data`."""
    padded = _pad(data)
    state: tuple[int, ...] = _INITIAL
    for offset in range(0, len(padded), 64):
        a, b, c, d = state
        state = _compress((a, b, c, d), _BLOCK.unpack_from(padded, offset))
    return struct.pack("<4I", *state)
