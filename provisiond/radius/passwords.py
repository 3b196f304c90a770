"""PAP (RFC 2865 §5.2 User-Password hiding) and CHAP (RFC 1994, RFC 2865 §2.2) checks.

Both compare in constant time. PAP's keystream is MD5(secret + previous block), so the
`SharedSecret`'s precomputed MD5-after-secret state saves hashing the secret per block.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from provisiond.radius.digest import digests_equal, md5_digest
from provisiond.radius.errors import EncodingError, MalformedPacket

if TYPE_CHECKING:
    from provisiond.radius.digest import SharedSecret

_BLOCK: Final = 16
MAX_PAP_SIZE: Final = 128  # RFC 2865 §5.2: the hidden value is 16 to 128 octets
CHAP_PASSWORD_SIZE: Final = 17  # CHAP ident + 16-octet MD5 response


def _xor(left: bytes, right: bytes) -> bytes:
    return (int.from_bytes(left) ^ int.from_bytes(right)).to_bytes(_BLOCK)


def pap_decode(hidden: bytes, secret: SharedSecret, authenticator: bytes) -> bytes:
    """The password in a User-Password value, without its NUL padding."""
    size = len(hidden)
    if size == 0 or size > MAX_PAP_SIZE or size % _BLOCK:
        raise MalformedPacket(f"User-Password of {size} octets (RFC 2865: 16..128, by 16)")
    chain = authenticator
    blocks = []
    for offset in range(0, size, _BLOCK):
        block = hidden[offset : offset + _BLOCK]
        blocks.append(_xor(block, secret.md5_after_secret(chain)))
        chain = block
    return b"".join(blocks).rstrip(b"\x00")


def pap_encode(password: bytes, secret: SharedSecret, authenticator: bytes) -> bytes:
    """Hide a password as a client does (for the NAS simulator and the tests)."""
    if not 0 < len(password) <= MAX_PAP_SIZE:
        raise EncodingError(f"a PAP password has 1..128 octets, not {len(password)}")
    padded = password.ljust(-(-len(password) // _BLOCK) * _BLOCK, b"\x00")
    chain = authenticator
    blocks = []
    for offset in range(0, len(padded), _BLOCK):
        chain = _xor(padded[offset : offset + _BLOCK], secret.md5_after_secret(chain))
        blocks.append(chain)
    return b"".join(blocks)


def pap_verify(hidden: bytes, password: bytes, secret: SharedSecret, authenticator: bytes) -> bool:
    """Whether a User-Password value hides `password`; a malformed value does not."""
    try:
        decoded = pap_decode(hidden, secret, authenticator)
    except MalformedPacket:
        return False
    return digests_equal(decoded, password)


def pap_block(password: bytes) -> int | None:
    """A password that fits one User-Password block, NUL-padded, as an int: what
    `pap_verify_block` compares against (computed once per user, not per request).

    None for a password that needs `pap_verify`: longer than 16 octets, or ending in NUL
    (which the padding would hide, and which `pap_verify` never matches).
    """
    if len(password) > _BLOCK or password.endswith(b"\x00"):
        return None
    return int.from_bytes(password.ljust(_BLOCK, b"\x00"))


def pap_verify_block(hidden: bytes, block: int, secret: SharedSecret, authenticator: bytes) -> bool:
    """`pap_verify` for the common case, a 16-octet User-Password and a password of one
    block (`block` from `pap_block`): the password is hidden as the NAS hid it and the two
    compared in constant time, one MD5 and no decoding (0.6 µs against 1.1 µs).

    Equivalent to `pap_verify` because the decoded block matches a password with no
    trailing NUL exactly when it is that password followed by NUL padding.
    """
    if len(hidden) != _BLOCK:
        raise ValueError("pap_verify_block takes a one-block (16-octet) User-Password")
    keystream = secret.prefix.copy()  # secret.md5_after_secret, inlined (see SharedSecret)
    keystream.update(authenticator)
    return digests_equal(hidden, (block ^ int.from_bytes(keystream.digest())).to_bytes(_BLOCK))


def chap_response(ident: int, password: bytes, challenge: bytes) -> bytes:
    """The CHAP response MD5(ident + password + challenge) (RFC 1994 §4.1)."""
    return md5_digest(bytes((ident,)) + password + challenge)


def chap_verify(
    chap_password: bytes, password: bytes, *, chap_challenge: bytes | None, authenticator: bytes
) -> bool:
    """Check a CHAP-Password; the challenge is CHAP-Challenge, else the Request Authenticator.

    RFC 2865 §2.2 lets a NAS with a 16-octet challenge put it in the Request
    Authenticator instead of sending CHAP-Challenge.
    """
    if len(chap_password) != CHAP_PASSWORD_SIZE:
        return False
    challenge = authenticator if chap_challenge is None else chap_challenge
    expected = chap_response(chap_password[0], password, challenge)
    return digests_equal(expected, chap_password[1:])
