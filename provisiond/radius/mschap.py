"""MS-CHAPv2 (RFC 2759) as the RADIUS server side sees it (RFC 2548 attributes).

The NAS forwards MS-CHAP-Challenge (the authenticator challenge it sent the peer) and
MS-CHAP2-Response (the peer's answer); we recompute the NT-Response from the stored
password and, on success, answer with MS-CHAP2-Success carrying the authenticator
response that proves to the peer that we know the password too.

DES and MD4 are what RFC 2759 specifies; they are not our choice. DES comes from
`cryptography`'s "decrepit" TripleDES, which exists for legacy protocols like this one:
with the 56-bit key repeated three times, 3DES-EDE is exactly single DES. The 24-octet
key is passed on purpose: an 8-octet key would make `cryptography` >= 47 emit a
`CryptographyDeprecationWarning` (single-key TripleDES), which the test suite turns into
an error and which the project's warning policy would otherwise have to silence.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from provisiond.radius.digest import digests_equal
from provisiond.radius.md4 import md4

CHALLENGE_SIZE: Final = 16
RESPONSE_SIZE: Final = 50  # MS-CHAP2-Response: ident, flags, peer challenge, reserved, response
NT_RESPONSE_SIZE: Final = 24
_DES_KEY_SIZE: Final = 7

# RFC 2759 §8.7: the constants mixed into the authenticator response.
_MAGIC1: Final = b"Magic server to client signing constant"
_MAGIC2: Final = b"Pad to make it do more than one iteration"


@dataclass(frozen=True, slots=True)
class ChapResponse:
    """The fields of an MS-CHAP2-Response attribute value (RFC 2548 §2.3.2)."""

    ident: int
    flags: int
    peer_challenge: bytes
    nt_response: bytes


def parse_response(value: bytes) -> ChapResponse | None:
    """Split an MS-CHAP2-Response value; None when it has the wrong size."""
    if len(value) != RESPONSE_SIZE:
        return None
    return ChapResponse(
        ident=value[0], flags=value[1], peer_challenge=value[2:18], nt_response=value[26:50]
    )


def user_part(username: bytes) -> bytes:
    """The name without a prepended Windows domain (`DOMAIN\\user` -> `user`).

    RFC 2759 §8.2: only the user name, "excluding any prepended domain name", enters the
    challenge hash; peers hash it that way, so a server that does not strip fails them.
    """
    return username.rpartition(b"\\")[2]


def nt_password_hash(password: str) -> bytes:
    """NtPasswordHash (RFC 2759 §8.3): MD4 of the UTF-16LE (Unicode) password."""
    return md4(password.encode("utf-16-le"))


def hash_nt_password_hash(password_hash: bytes) -> bytes:
    """HashNtPasswordHash (RFC 2759 §8.4)."""
    return md4(password_hash)


def challenge_hash(peer_challenge: bytes, authenticator_challenge: bytes, username: bytes) -> bytes:
    """ChallengeHash (RFC 2759 §8.2): the 8-octet challenge the NT-Response answers."""
    digest = hashlib.sha1(
        peer_challenge + authenticator_challenge + user_part(username), usedforsecurity=False
    ).digest()
    return digest[:8]


def _expand_des_key(key7: bytes) -> bytes:
    """Spread 56 key bits over 8 octets, 7 per octet, leaving the ignored parity bit clear."""
    bits = int.from_bytes(key7)
    return bytes(((bits >> (49 - 7 * i)) & 0x7F) << 1 for i in range(8))


def des_encrypt(clear: bytes, key7: bytes) -> bytes:
    """DesEncrypt (RFC 2759 §8.6): one DES block in ECB mode with a 7-octet key."""
    key = _expand_des_key(key7)
    # RFC 2759 mandates single DES in ECB on one block; 3DES with K1=K2=K3 is single DES.
    cipher = Cipher(TripleDES(key * 3), modes.ECB())  # noqa: S305 - MS-CHAPv2 mandates DES-ECB
    encryptor = cipher.encryptor()
    return encryptor.update(clear) + encryptor.finalize()


def challenge_response(challenge: bytes, password_hash: bytes) -> bytes:
    """ChallengeResponse (RFC 2759 §8.5): three DES blocks keyed by the zero-padded hash."""
    key = password_hash.ljust(21, b"\x00")
    return b"".join(
        des_encrypt(challenge, key[i : i + _DES_KEY_SIZE]) for i in range(0, 21, _DES_KEY_SIZE)
    )


def generate_nt_response(
    authenticator_challenge: bytes, peer_challenge: bytes, username: bytes, password_hash: bytes
) -> bytes:
    """GenerateNTResponse (RFC 2759 §8.1), from the stored NT hash rather than the password."""
    challenge = challenge_hash(peer_challenge, authenticator_challenge, username)
    return challenge_response(challenge, password_hash)


def generate_authenticator_response(
    password_hash: bytes,
    nt_response: bytes,
    peer_challenge: bytes,
    authenticator_challenge: bytes,
    username: bytes,
) -> str:
    """GenerateAuthenticatorResponse (RFC 2759 §8.7): `S=` and 40 uppercase hex digits."""
    hash_hash = hash_nt_password_hash(password_hash)
    digest = hashlib.sha1(hash_hash + nt_response + _MAGIC1, usedforsecurity=False).digest()
    challenge = challenge_hash(peer_challenge, authenticator_challenge, username)
    digest = hashlib.sha1(digest + challenge + _MAGIC2, usedforsecurity=False).digest()
    return "S=" + digest.hex().upper()


@dataclass(frozen=True, slots=True)
class Verified:
    """A successful MS-CHAPv2 check: what the Access-Accept needs."""

    success: bytes  # the MS-CHAP2-Success value: ident + "S=..."
    nt_response: bytes  # input of the MPPE keys (RFC 3079 §3.4)


def verify(
    *, authenticator_challenge: bytes, response: bytes, username: bytes, password_hash: bytes
) -> Verified | None:
    """Check an MS-CHAP2-Response against the stored NT hash; None on any mismatch."""
    parsed = parse_response(response)
    if parsed is None or len(authenticator_challenge) != CHALLENGE_SIZE:
        return None
    expected = generate_nt_response(
        authenticator_challenge, parsed.peer_challenge, username, password_hash
    )
    if not digests_equal(expected, parsed.nt_response):
        return None
    proof = generate_authenticator_response(
        password_hash, parsed.nt_response, parsed.peer_challenge, authenticator_challenge, username
    )
    return Verified(success=bytes((parsed.ident,)) + proof.encode(), nt_response=expected)


def error_value(ident: int, challenge: bytes, *, code: int = 691) -> bytes:
    """An MS-CHAP-Error value (RFC 2759 §6): 691 is "authentication failure", no retry.

    The `C=` field (32 hex digits) must be present; with `R=0` the peer never answers it,
    so any 16 octets do, e.g. the authenticator challenge of the request.
    """
    text = f"E={code} R=0 C={challenge.hex().upper()} V=3 M=Authentication failed"
    return bytes((ident,)) + text.encode()
