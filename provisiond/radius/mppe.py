"""MS-MPPE keys for an MS-CHAPv2 Access-Accept (RFC 3079 §3, RFC 2548 §2.4.2-2.4.3).

The NAS encrypts the PPP link with MPPE; its keys derive from the MS-CHAPv2 exchange,
which only the RADIUS server can see in full. We send the two 128-bit start keys, as
FreeRADIUS does: MS-MPPE-Send-Key is the NAS's send key (the PPP server side), and
MS-MPPE-Recv-Key its receive key.

On the wire each key is hidden with the shared secret, the Request Authenticator and a
salt (RFC 2548 §2.4.2). That is the same construction as Tunnel-Password (RFC 2868 §3.5),
so pyrad's `encrypt=2` flag on these dictionary entries decrypts them in the tests.
"""

from __future__ import annotations

import hashlib
import struct
from typing import TYPE_CHECKING, Final

from provisiond.radius.errors import MalformedPacket
from provisiond.radius.mschap import hash_nt_password_hash
from provisiond.radius.wire import (
    MS_MPPE_RECV_KEY,
    MS_MPPE_SEND_KEY,
    VENDOR_MICROSOFT,
    encode_vendor_attribute,
)

if TYPE_CHECKING:
    from provisiond.radius.digest import SharedSecret

KEY_SIZE: Final = 16  # 128-bit keys
_SALT_SIZE: Final = 2
_BLOCK: Final = 16

# RFC 3079 §3.4 constants.
_MASTER_MAGIC: Final = b"This is the MPPE Master Key"
_MAGIC_CLIENT_SEND: Final = (
    b"On the client side, this is the send key; on the server side, it is the receive key."
)
_MAGIC_CLIENT_RECEIVE: Final = (
    b"On the client side, this is the receive key; on the server side, it is the send key."
)
_SHS_PAD1: Final = bytes(40)
_SHS_PAD2: Final = b"\xf2" * 40


def _sha1(data: bytes) -> bytes:
    return hashlib.sha1(data, usedforsecurity=False).digest()


def get_master_key(password_hash_hash: bytes, nt_response: bytes) -> bytes:
    """GetMasterKey (RFC 3079 §3.4)."""
    return _sha1(password_hash_hash + nt_response + _MASTER_MAGIC)[:KEY_SIZE]


def get_asymmetric_start_key(
    master_key: bytes, length: int, *, is_send: bool, is_server: bool
) -> bytes:
    """GetAsymmetricStartKey (RFC 3079 §3.4): the client's send key is the server's receive key."""
    client_send = is_send != is_server
    magic = _MAGIC_CLIENT_SEND if client_send else _MAGIC_CLIENT_RECEIVE
    return _sha1(master_key + _SHS_PAD1 + magic + _SHS_PAD2)[:length]


def server_keys(password_hash: bytes, nt_response: bytes) -> tuple[bytes, bytes]:
    """The NAS's (send, receive) start keys from the stored NT hash and the peer's response."""
    master = get_master_key(hash_nt_password_hash(password_hash), nt_response)
    send = get_asymmetric_start_key(master, KEY_SIZE, is_send=True, is_server=True)
    receive = get_asymmetric_start_key(master, KEY_SIZE, is_send=False, is_server=True)
    return send, receive


def _xor(left: bytes, right: bytes) -> bytes:
    return (int.from_bytes(left) ^ int.from_bytes(right)).to_bytes(_BLOCK)


def encrypt_key(
    key: bytes, *, secret: SharedSecret, request_authenticator: bytes, salt: int
) -> bytes:
    """Hide a key for MS-MPPE-Send-Key / -Recv-Key (RFC 2548 §2.4.2).

    `salt` must have its top bit set and differ between the attributes of one packet;
    `key_attributes` takes care of both.
    """
    plain = bytes((len(key),)) + key
    plain = plain.ljust(-(-len(plain) // _BLOCK) * _BLOCK, b"\x00")
    salt_bytes = struct.pack("!H", salt)
    chain = request_authenticator + salt_bytes
    out = [salt_bytes]
    for offset in range(0, len(plain), _BLOCK):
        block = _xor(plain[offset : offset + _BLOCK], secret.md5_after_secret(chain))
        out.append(block)
        chain = block
    return b"".join(out)


def decrypt_key(value: bytes, *, secret: SharedSecret, request_authenticator: bytes) -> bytes:
    """Reverse `encrypt_key`; MalformedPacket for a value of impossible size."""
    body = value[_SALT_SIZE:]
    if not body or len(body) % _BLOCK:
        raise MalformedPacket("MS-MPPE key: the encrypted part is not a multiple of 16 octets")
    chain = request_authenticator + value[:_SALT_SIZE]
    plain = []
    for offset in range(0, len(body), _BLOCK):
        block = body[offset : offset + _BLOCK]
        plain.append(_xor(block, secret.md5_after_secret(chain)))
        chain = block
    joined = b"".join(plain)
    if joined[0] > len(joined) - 1:
        raise MalformedPacket("MS-MPPE key: the length octet exceeds the value")
    return joined[1 : 1 + joined[0]]


def key_attributes(
    *,
    send_key: bytes,
    recv_key: bytes,
    secret: SharedSecret,
    request_authenticator: bytes,
    salt: int,
) -> bytes:
    """The encoded MS-MPPE-Send-Key and MS-MPPE-Recv-Key attributes of one Access-Accept.

    `salt` is any 16-bit random number: the top bit is forced on and the lowest bit tells
    the two attributes apart, which meets RFC 2548's "unique per packet" rule.
    """
    base = (salt | 0x8000) & 0xFFFE
    send = encrypt_key(
        send_key, secret=secret, request_authenticator=request_authenticator, salt=base
    )
    receive = encrypt_key(
        recv_key, secret=secret, request_authenticator=request_authenticator, salt=base | 1
    )
    return encode_vendor_attribute(
        VENDOR_MICROSOFT, MS_MPPE_SEND_KEY, send
    ) + encode_vendor_attribute(VENDOR_MICROSOFT, MS_MPPE_RECV_KEY, receive)
