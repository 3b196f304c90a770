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
    """`functools.partial` over the constructor: a C-level call, no Python frame per hash."""
    try:
        builtin = importlib.import_module("_md5")
    except ImportError:  # an interpreter built without it: OpenSSL's is correct, only slower
        return functools.partial(hashlib.md5, usedforsecurity=False)
    constructor: Callable[..., Hash] = builtin.md5
    return functools.partial(constructor, usedforsecurity=False)


md5: Final = _md5_factory()
"""A new MD5 object over `data` (positional only)."""


def md5_digest(data: bytes) -> bytes:
    return md5(data).digest()


class SharedSecret:
    """A RADIUS shared secret with the MD5 states every packet check starts from.

    Build one per client when the configuration is loaded, never per packet.
    """

    __slots__ = ("_inner", "_outer", "_prefix", "value")

    def __init__(self, value: bytes) -> None:
        if not value:
            raise ValueError("a RADIUS shared secret must not be empty (RFC 2865 §3)")
        self.value = value
        key = md5_digest(value) if len(value) > _BLOCK else value
        key = key.ljust(_BLOCK, b"\x00")
        self._inner = md5(key.translate(_IPAD))
        self._outer = md5(key.translate(_OPAD))
        self._prefix = md5(value)

    def __repr__(self) -> str:
        return "SharedSecret(<hidden>)"  # never let a secret reach a log line

    def hmac_md5(self, *parts: bytes) -> bytes:
        """HMAC-MD5 (RFC 2104) keyed with the secret over the concatenated parts."""
        inner = self._inner.copy()
        inner.update(b"".join(parts))  # one C call beats an update per part
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def md5_after_secret(self, data: bytes) -> bytes:
        """MD5(secret + data): the keystream block of User-Password and salt encryption."""
        state = self._prefix.copy()
        state.update(data)
        return state.digest()

    def md5_before_secret(self, *parts: bytes) -> bytes:
        """MD5(parts + secret): the Request and Response Authenticators (RFC 2865 §3)."""
        return md5(b"".join((*parts, self.value))).digest()


def digests_equal(left: bytes, right: bytes) -> bool:
    """Constant-time comparison, so a forger learns nothing from the reply timing."""
    return hmac.compare_digest(left, right)
