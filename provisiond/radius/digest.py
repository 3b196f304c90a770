"""MD5 and HMAC-MD5 for the RADIUS hot path, with per-secret precomputed state.

RADIUS (RFC 2865, 2869) mandates MD5 and HMAC-MD5; they are protocol integrity checks
here, not a choice of ours, hence `usedforsecurity=False`.

Measured (docs/radius-codec.md): CPython's built-in `_md5` is about twice as fast as the
OpenSSL 3 one behind `hashlib.md5` for packet-sized inputs, and `hmac.new` per packet
costs more than the whole rest of an Access-Request. So `md5` is the built-in one when the
interpreter has it, and `SharedSecret` keeps the HMAC inner and outer pad states, and the
state after the secret as MD5 prefix, ready to `copy()`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import importlib
from typing import TYPE_CHECKING, Final, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable

_BLOCK: Final = 64  # MD5 block size: the HMAC key is padded to it (RFC 2104)
_IPAD: Final = bytes(x ^ 0x36 for x in range(256))
_OPAD: Final = bytes(x ^ 0x5C for x in range(256))


class Hash(Protocol):
    """The part of a hashlib object the codec uses."""

    def update(self, data: bytes, /) -> None: ...

    def digest(self) -> bytes: ...

    def copy(self) -> Hash: ...


def _md5_factory() -> Callable[[bytes], Hash]:
    """The built-in constructor itself: `usedforsecurity` only matters to OpenSSL (FIPS),
    and a `functools.partial` passing it cost 0.1 µs per call, one keyword dict each."""
    try:
        builtin = importlib.import_module("_md5")
    except ImportError:  # an interpreter built without it: OpenSSL's is correct, only slower
        return functools.partial(hashlib.md5, usedforsecurity=False)
    constructor: Callable[[bytes], Hash] = builtin.md5
    return constructor


md5: Final = _md5_factory()
"""A new MD5 object over `data` (positional only)."""


def md5_digest(data: bytes) -> bytes:
    return md5(data).digest()


class SharedSecret:
    """A RADIUS shared secret with the MD5 states every packet check starts from.

    Build one per client when the configuration is loaded, never per packet.

    The states are public for the Access-Request hot path (auth.py, reply.py,
    passwords.py), which copies them inline: a method call per digest cost ~0.1 µs, about
    0.3 µs of the ~7 µs an Access-Request took. Always `copy()` a state before
    `update()`; never update one in place.
    """

    __slots__ = ("hmac_inner", "hmac_outer", "prefix", "value")

    def __init__(self, value: bytes) -> None:
        if not value:
            raise ValueError("a RADIUS shared secret must not be empty (RFC 2865 §3)")
        self.value = value
        key = md5_digest(value) if len(value) > _BLOCK else value
        key = key.ljust(_BLOCK, b"\x00")
        self.hmac_inner = md5(key.translate(_IPAD))  # HMAC's state after the inner pad
        self.hmac_outer = md5(key.translate(_OPAD))  # HMAC's state after the outer pad
        self.prefix = md5(value)  # MD5's state after the secret

    def __repr__(self) -> str:
        return "SharedSecret(<hidden>)"  # never let a secret reach a log line

    def hmac_md5(self, *parts: bytes) -> bytes:
        """HMAC-MD5 (RFC 2104) keyed with the secret over the concatenated parts."""
        inner = self.hmac_inner.copy()
        inner.update(b"".join(parts))  # one C call beats an update per part
        outer = self.hmac_outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def md5_after_secret(self, data: bytes) -> bytes:
        """MD5(secret + data): the keystream block of User-Password and salt encryption."""
        state = self.prefix.copy()
        state.update(data)
        return state.digest()

    def md5_before_secret(self, *parts: bytes) -> bytes:
        """MD5(parts + secret): the Request and Response Authenticators (RFC 2865 §3)."""
        # A join of one part is that part; one concatenation beats a tuple of all parts.
        return md5(b"".join(parts) + self.value).digest()


digests_equal: Final[Callable[[bytes, bytes], bool]] = hmac.compare_digest
"""Constant-time comparison, so a forger learns nothing from the reply timing (the C
function itself: a Python wrapper cost a call layer on each of the hot path's checks)."""
