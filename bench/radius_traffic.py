"""What the RADIUS load generator sends and how it checks each answer.

Written on the RFCs with plain MD5, independently of provisiond's codec, so that the
same checker judges provisiond and FreeRADIUS. Each request is fresh: a new identifier
and Request Authenticator, the PAP password encrypted with it, the Message-Authenticator
and (accounting) the Request Authenticator computed over it. Only what does not depend
on the request is prepared once per user: the encoded attributes around the password.

- `AuthTraffic`: RouterOS-like Access-Requests (PAP, Message-Authenticator first).
- `AcctTraffic`: Accounting-Requests. Session n is opened (Start), updated (Interim)
  `lag` sessions later and closed (Stop) `2 * lag` sessions later, so about `2 * lag`
  sessions are open and every Acct-Session-Id is unique to its `label`.

A reply is verified when it has the expected code, a correct Response Authenticator, a
correct Message-Authenticator (required in an Access-Accept) and, for an Access-Accept,
the user's own Framed-IP-Address.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import ipaddress
import random
import struct
import time
from typing import TYPE_CHECKING, Final, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from bench.radius_world import BenchUser

ACCESS_REQUEST: Final = 1
ACCESS_ACCEPT: Final = 2
ACCOUNTING_REQUEST: Final = 4
ACCOUNTING_RESPONSE: Final = 5
MESSAGE_AUTHENTICATOR: Final = 80
_ZERO16: Final = bytes(16)
_HEADER: Final = struct.Struct("!BBH")
_BLOCK: Final = 64


class _Hash(Protocol):
    def update(self, data: bytes, /) -> None: ...

    def digest(self) -> bytes: ...

    def copy(self) -> _Hash: ...


def _md5_constructor() -> Callable[[bytes], _Hash]:
    """CPython's built-in MD5 (faster than OpenSSL 3's for packet-sized input)."""
    try:
        constructor: Callable[..., _Hash] = importlib.import_module("_md5").md5
    except ImportError:
        return functools.partial(hashlib.md5, usedforsecurity=False)
    return functools.partial(constructor, usedforsecurity=False)


md5: Final = _md5_constructor()


class Signer:
    """MD5 and HMAC-MD5 keyed with one shared secret, pads prepared once."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret
        key = secret.ljust(_BLOCK, b"\x00")
        self._inner = md5(bytes(b ^ 0x36 for b in key))
        self._outer = md5(bytes(b ^ 0x5C for b in key))
        self._prefix = md5(secret)

    def hmac(self, data: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(data)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def after_secret(self, data: bytes) -> bytes:
        """MD5(secret + data): the PAP keystream."""
        state = self._prefix.copy()
        state.update(data)
        return state.digest()

    def before_secret(self, data: bytes) -> bytes:
        """MD5(data + secret): Request and Response Authenticators."""
        return md5(data + self.secret).digest()


def attribute(kind: int, value: bytes) -> bytes:
    if not 0 < len(value) <= 253:
        raise ValueError(f"attribute {kind}: {len(value)} octets")
    return bytes((kind, len(value) + 2)) + value


def integer(kind: int, value: int) -> bytes:
    return attribute(kind, value.to_bytes(4))


def text(kind: int, value: str) -> bytes:
    return attribute(kind, value.encode())


def address(kind: int, value: str) -> bytes:
    return attribute(kind, ipaddress.IPv4Address(value).packed)


class Traffic(Protocol):
    """A request stream: `request(id)` gives (datagram, request authenticator, expected
    bytes in the reply's attributes)."""

    def request(self, identifier: int) -> tuple[bytes, bytes, bytes]: ...

    def verify(self, reply: bytes, authenticator: bytes, expected: bytes) -> bool: ...


def _find_message_authenticator(reply: bytes) -> int:
    """Offset of the Message-Authenticator value, -1 when absent or the framing is bad."""
    pos, size = 20, len(reply)
    while pos + 2 <= size:
        kind, length = reply[pos], reply[pos + 1]
        if length < 2:
            return -1
        if kind == MESSAGE_AUTHENTICATOR:
            return pos + 2 if length == 18 else -1
        pos += length
    return -1


class _Checker:
    def __init__(self, signer: Signer, code: int, *, signed: bool) -> None:
        self._signer = signer
        self._code = code
        self._signed = signed  # an Access-Accept must carry a Message-Authenticator

    def verify(self, reply: bytes, authenticator: bytes, expected: bytes) -> bool:
        size = len(reply)
        if size < 20 or reply[0] != self._code or _HEADER.unpack_from(reply)[2] != size:
            return False
        head, body = reply[:4], reply[20:]
        signer = self._signer
        if signer.before_secret(head + authenticator + body) != reply[4:20]:
            return False
        if expected and expected not in body:
            return False
        at = 22 if reply[20:21] == b"\x50" and size >= 38 else _find_message_authenticator(reply)
        if at < 0:
            return not self._signed
        # An Access-Accept's is keyed on the request's authenticator, an Accounting-
        # Response's on zeros (RFC 3579 §3.2, as FreeRADIUS and pyrad do).
        vector = authenticator if self._code == ACCESS_ACCEPT else _ZERO16
        zeroed = head + vector + reply[20:at] + _ZERO16 + reply[at + 16 :]
        return signer.hmac(zeroed) == reply[at : at + 16]


class AuthTraffic(_Checker):
    """Access-Requests of the users in turn, like RouterOS's PPPoE ones."""

    def __init__(self, users: Sequence[BenchUser], secret: bytes, nas_identifier: str) -> None:
        super().__init__(Signer(secret), ACCESS_ACCEPT, signed=True)
        common = (
            integer(6, 2)  # Service-Type Framed
            + integer(7, 1)  # Framed-Protocol PPP
            + integer(61, 15)  # NAS-Port-Type Ethernet
            + text(30, "pppoe-bench")  # Called-Station-Id
            + text(32, nas_identifier)
            + address(4, "127.0.0.1")  # NAS-IP-Address
        )
        self._users = []
        for user in users:
            password = user.password.encode()
            if not 0 < len(password) <= 16:
                raise ValueError(f"{user.username}: a bench password has 1 to 16 octets")
            before = text(1, user.username) + integer(5, user.index)
            after = text(31, user.calling_station_id) + text(87, f"<pppoe-{user.index}>") + common
            expected = address(8, user.framed_ip)
            self._users.append(
                (before, int.from_bytes(password.ljust(16, b"\x00")), after, expected)
            )
        self._next = 0
        self._random = random.Random(1812).randbytes

    def request(self, identifier: int) -> tuple[bytes, bytes, bytes]:
        index = self._next
        self._next = index + 1 if index + 1 < len(self._users) else 0
        before, password, after, expected = self._users[index]
        authenticator = self._random(16)
        signer = self._signer
        keystream = int.from_bytes(signer.after_secret(authenticator))
        hidden = (password ^ keystream).to_bytes(16)
        attributes = before + b"\x02\x12" + hidden + after
        head = _HEADER.pack(ACCESS_REQUEST, identifier, 38 + len(attributes))
        ma = signer.hmac(head + authenticator + b"\x50\x12" + _ZERO16 + attributes)
        return head + authenticator + b"\x50\x12" + ma + attributes, authenticator, expected


class AcctTraffic(_Checker):
    """Start, Interim-Update and Stop records of overlapping sessions (module docstring)."""

    def __init__(
        self,
        users: Sequence[BenchUser],
        secret: bytes,
        nas_identifier: str,
        *,
        label: str,
        lag: int = 1000,
    ) -> None:
        super().__init__(Signer(secret), ACCOUNTING_RESPONSE, signed=False)
        self._label = label
        self._lag = lag
        common = (
            text(32, nas_identifier)
            + address(4, "127.0.0.1")
            + integer(61, 15)  # NAS-Port-Type Ethernet
            + integer(6, 2)  # Service-Type Framed
            + integer(7, 1)  # Framed-Protocol PPP
            + integer(45, 1)  # Acct-Authentic RADIUS
            + integer(41, 0)  # Acct-Delay-Time
        )
        self._users = [
            text(1, user.username)
            + integer(5, user.index)
            + address(8, user.framed_ip)
            + text(31, user.calling_station_id)
            + common
            for user in users
        ]
        self._status = (integer(40, 1), integer(40, 3), integer(40, 2))  # Start, Interim, Stop
        self._next = 0

    def _session(self) -> tuple[int, int]:
        """(phase, session number) of the next record: 0 Start, 1 Interim, 2 Stop."""
        while True:
            index = self._next
            self._next = index + 1
            phase, step = index % 3, index // 3
            session = step - phase * self._lag
            if session >= 0:
                return phase, session

    def request(self, identifier: int) -> tuple[bytes, bytes, bytes]:
        phase, session = self._session()
        user = self._users[session % len(self._users)]
        attributes = (
            self._status[phase]
            + text(44, f"{self._label}-{session:x}")  # Acct-Session-Id
            + user
            + integer(55, int(time.time()))  # Event-Timestamp
        )
        if phase:
            octets = (session * 7_654_321) % (1 << 40) * phase  # grows from Interim to Stop
            attributes += (
                integer(46, 300 * phase)  # Acct-Session-Time
                + integer(42, octets & 0xFFFFFFFF)  # Acct-Input-Octets
                + integer(43, (octets * 5) & 0xFFFFFFFF)  # Acct-Output-Octets
                + integer(52, octets >> 32)  # Acct-Input-Gigawords
                + integer(53, (octets * 5) >> 32)  # Acct-Output-Gigawords
                + integer(47, session % 100_000 * phase)  # Acct-Input-Packets
                + integer(48, session % 500_000 * phase)  # Acct-Output-Packets
            )
            if phase == 2:
                attributes += integer(49, 1)  # Acct-Terminate-Cause User-Request
        head = _HEADER.pack(ACCOUNTING_REQUEST, identifier, 20 + len(attributes))
        authenticator = self._signer.before_secret(head + _ZERO16 + attributes)
        return head + authenticator + attributes, authenticator, b""
