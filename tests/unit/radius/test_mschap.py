from __future__ import annotations

import pytest

from provisiond.radius import mschap

# RFC 2759 §9.2 "Hash example" test vectors.
USERNAME = b"User"
PASSWORD = "clientPass"
AUTHENTICATOR_CHALLENGE = bytes.fromhex("5B5D7C7D7B3F2F3E3C2C602132262628")
PEER_CHALLENGE = bytes.fromhex("21402324255E262A28295F2B3A337C7E")
CHALLENGE = bytes.fromhex("D02E4386BCE91226")
PASSWORD_HASH = bytes.fromhex("44EBBA8D5312B8D611474411F56989AE")
NT_RESPONSE = bytes.fromhex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF")
PASSWORD_HASH_HASH = bytes.fromhex("41C00C584BD2D91C4017A2A12FA59F3F")
AUTHENTICATOR_RESPONSE = "S=407A5589115FD0D6209F510FE9C04566932CDA56"


def ms_chap2_response(ident: int = 1, nt_response: bytes = NT_RESPONSE) -> bytes:
    return bytes((ident, 0)) + PEER_CHALLENGE + bytes(8) + nt_response


def test_password_is_utf16le() -> None:
    assert PASSWORD.encode("utf-16-le") == bytes.fromhex("63006C00690065006E0074005000610073007300")


def test_rfc_2759_vectors() -> None:
    assert mschap.challenge_hash(PEER_CHALLENGE, AUTHENTICATOR_CHALLENGE, USERNAME) == CHALLENGE
    assert mschap.nt_password_hash(PASSWORD) == PASSWORD_HASH
    assert mschap.challenge_response(CHALLENGE, PASSWORD_HASH) == NT_RESPONSE
    assert (
        mschap.generate_nt_response(
            AUTHENTICATOR_CHALLENGE, PEER_CHALLENGE, USERNAME, PASSWORD_HASH
        )
        == NT_RESPONSE
    )
    assert mschap.hash_nt_password_hash(PASSWORD_HASH) == PASSWORD_HASH_HASH
    assert (
        mschap.generate_authenticator_response(
            PASSWORD_HASH, NT_RESPONSE, PEER_CHALLENGE, AUTHENTICATOR_CHALLENGE, USERNAME
        )
        == AUTHENTICATOR_RESPONSE
    )


def test_des_uses_the_seven_to_eight_octet_key_expansion() -> None:
    # The classic DES example: key 0123456789ABCDEF encrypts "Now is t" to
    # 3FA40E8A984D4815. Without its 8 parity bits (bit 0 of each octet, which DES
    # ignores) the key is the 56 bits 00 45 13 38 95 73 77.
    key7 = bytes.fromhex("00451338957377")
    assert mschap.des_encrypt(b"Now is t", key7) == bytes.fromhex("3FA40E8A984D4815")


def test_verify_accepts_the_rfc_exchange() -> None:
    verified = mschap.verify(
        authenticator_challenge=AUTHENTICATOR_CHALLENGE,
        response=ms_chap2_response(ident=0x2A),
        username=USERNAME,
        password_hash=PASSWORD_HASH,
    )
    assert verified is not None
    assert verified.success == b"\x2a" + AUTHENTICATOR_RESPONSE.encode()
    assert verified.nt_response == NT_RESPONSE


def test_a_windows_domain_does_not_enter_the_challenge_hash() -> None:
    verified = mschap.verify(
        authenticator_challenge=AUTHENTICATOR_CHALLENGE,
        response=ms_chap2_response(),
        username=b"EXAMPLE\\User",
        password_hash=PASSWORD_HASH,
    )
    assert verified is not None
    assert verified.success[1:] == AUTHENTICATOR_RESPONSE.encode()


@pytest.mark.parametrize(
    ("challenge", "response", "password_hash"),
    [
        (AUTHENTICATOR_CHALLENGE, ms_chap2_response(), mschap.nt_password_hash("wrong")),
        (AUTHENTICATOR_CHALLENGE, ms_chap2_response(nt_response=bytes(24)), PASSWORD_HASH),
        (bytes(16), ms_chap2_response(), PASSWORD_HASH),
        (AUTHENTICATOR_CHALLENGE[:8], ms_chap2_response(), PASSWORD_HASH),
        (AUTHENTICATOR_CHALLENGE, ms_chap2_response()[:-1], PASSWORD_HASH),
    ],
)
def test_verify_rejects_mismatches(challenge: bytes, response: bytes, password_hash: bytes) -> None:
    assert (
        mschap.verify(
            authenticator_challenge=challenge,
            response=response,
            username=USERNAME,
            password_hash=password_hash,
        )
        is None
    )


def test_parse_response_splits_the_fields() -> None:
    parsed = mschap.parse_response(ms_chap2_response(ident=5))
    assert parsed is not None
    assert (parsed.ident, parsed.flags) == (5, 0)
    assert parsed.peer_challenge == PEER_CHALLENGE
    assert parsed.nt_response == NT_RESPONSE
    assert mschap.parse_response(b"\x00" * 49) is None


def test_error_value_is_rfc_2759_section_6() -> None:
    value = mschap.error_value(3, AUTHENTICATOR_CHALLENGE)
    assert value == (
        b"\x03E=691 R=0 C=5B5D7C7D7B3F2F3E3C2C602132262628 V=3 M=Authentication failed"
    )
