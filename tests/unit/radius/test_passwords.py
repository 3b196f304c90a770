from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyrad import packet as pyrad_packet

from provisiond.radius import passwords
from provisiond.radius.errors import EncodingError, MalformedPacket
from tests.unit.radius.support import AUTHENTICATOR, SECRET, SHARED, access_request

if TYPE_CHECKING:
    from pyrad.dictionary import Dictionary

# A password never ends in NUL: PAP pads with NULs, so a trailing one is indistinguishable.
pap_passwords = st.binary(min_size=1, max_size=128).filter(lambda p: not p.endswith(b"\x00"))


@given(password=pap_passwords, authenticator=st.binary(min_size=16, max_size=16))
def test_pap_round_trips_and_agrees_with_pyrad(password: bytes, authenticator: bytes) -> None:
    hidden = passwords.pap_encode(password, SHARED, authenticator)
    assert len(hidden) == max(16, -(-len(password) // 16) * 16)
    assert passwords.pap_decode(hidden, SHARED, authenticator) == password
    reference = pyrad_packet.AuthPacket(secret=SECRET, authenticator=authenticator)
    assert reference.PwCrypt(password) == hidden
    assert passwords.pap_verify(hidden, password, SHARED, authenticator)


def test_pap_decodes_a_pyrad_request(dictionary: Dictionary) -> None:
    request = access_request(dictionary)
    hidden = request.PwCrypt("a multi-block password, longer than sixteen octets")
    assert passwords.pap_decode(hidden, SHARED, AUTHENTICATOR) == (
        b"a multi-block password, longer than sixteen octets"
    )


def test_pap_rejects_a_wrong_password_or_secret() -> None:
    hidden = passwords.pap_encode(b"secret-pw", SHARED, AUTHENTICATOR)
    assert not passwords.pap_verify(hidden, b"secret-pX", SHARED, AUTHENTICATOR)
    assert not passwords.pap_verify(hidden, b"secret-p", SHARED, AUTHENTICATOR)
    assert not passwords.pap_verify(hidden, b"secret-pw", SHARED, bytes(16))


@pytest.mark.parametrize("size", [0, 15, 17, 144])
def test_pap_rejects_impossible_sizes(size: int) -> None:
    with pytest.raises(MalformedPacket):
        passwords.pap_decode(bytes(size), SHARED, AUTHENTICATOR)
    assert not passwords.pap_verify(bytes(size), b"x", SHARED, AUTHENTICATOR)


@pytest.mark.parametrize("password", [b"", b"x" * 129])
def test_pap_encode_refuses_impossible_passwords(password: bytes) -> None:
    with pytest.raises(EncodingError):
        passwords.pap_encode(password, SHARED, AUTHENTICATOR)


def chap_request(
    dictionary: Dictionary, password: bytes, *, challenge: bytes | None
) -> pyrad_packet.AuthPacket:
    request = access_request(dictionary)
    used = AUTHENTICATOR if challenge is None else challenge
    request["CHAP-Password"] = b"\x11" + passwords.chap_response(0x11, password, used)
    if challenge is not None:
        request["CHAP-Challenge"] = challenge
    return request


@pytest.mark.parametrize("challenge", [None, b"0123456789abcdefXYZ"])
def test_chap_agrees_with_pyrad(dictionary: Dictionary, challenge: bytes | None) -> None:
    request = chap_request(dictionary, b"hunter2", challenge=challenge)
    assert request.VerifyChapPasswd(b"hunter2")
    chap_password = request["CHAP-Password"][0]
    assert passwords.chap_verify(
        chap_password, b"hunter2", chap_challenge=challenge, authenticator=AUTHENTICATOR
    )
    assert not passwords.chap_verify(
        chap_password, b"hunter3", chap_challenge=challenge, authenticator=AUTHENTICATOR
    )


def test_chap_rejects_a_malformed_chap_password() -> None:
    assert not passwords.chap_verify(
        bytes(16), b"pw", chap_challenge=None, authenticator=AUTHENTICATOR
    )


@given(
    password=st.binary(max_size=20),
    sent=st.binary(min_size=1, max_size=16),
    authenticator=st.binary(min_size=16, max_size=16),
    tamper=st.booleans(),
)
def test_the_one_block_pap_check_agrees_with_pap_verify(
    password: bytes, sent: bytes, authenticator: bytes, *, tamper: bool
) -> None:
    block = passwords.pap_block(password)
    if len(password) > 16 or password.endswith(b"\x00"):
        assert block is None  # left to pap_verify
        return
    assert block is not None
    for candidate in (sent, password or b"x"):
        hidden = bytearray(passwords.pap_encode(candidate, SHARED, authenticator))
        if tamper:
            hidden[0] ^= 1
        expected = passwords.pap_verify(bytes(hidden), password, SHARED, authenticator)
        assert passwords.pap_verify_block(bytes(hidden), block, SHARED, authenticator) == expected


def test_the_one_block_pap_check_takes_one_block_only() -> None:
    with pytest.raises(ValueError, match="one-block"):
        passwords.pap_verify_block(bytes(32), 0, SHARED, AUTHENTICATOR)
