"""The password check of each scheme and what the answer carries."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from provisiond.model.enums import RadiusKind
from provisiond.radius import mschap
from provisiond.radius.authenticate import answer, prepared_answer
from provisiond.radius.clients import NasClient
from provisiond.radius.decisions import Decision, DecisionCache
from provisiond.radius.packet import parse
from provisiond.radius.passwords import pap_encode
from provisiond.radius.wire import (
    MS_CHAP2_SUCCESS,
    MS_CHAP_ERROR,
    USER_PASSWORD,
    VENDOR_MICROSOFT,
    Code,
    encode_attribute,
    vendor_key,
)
from tests.unit.radius import world
from tests.unit.radius.requests import RequestBuilder

if TYPE_CHECKING:
    from collections.abc import Callable

    from pyrad.dictionary import Dictionary

    from provisiond.radius.packet import Packet

NAS = RequestBuilder(world.NAS_SECRET)
CLIENT = NasClient("core", NAS.secret)


@pytest.fixture
def cache(dictionary: Dictionary) -> DecisionCache:
    return DecisionCache(world.engine(), dictionary)


def decide(cache: DecisionCache, request: bytes) -> tuple[int, bytes, str]:
    packet = parse(request)
    decision: Decision = cache.get("core", packet.user_name or b"")
    result = answer(packet, CLIENT, decision, salt=0x1234)
    return result.code, result.attributes, result.reason


def read_back(attributes: bytes) -> Packet:
    """Attributes in an Access-Accept frame, parsed with the codec."""
    return parse(
        bytes((Code.ACCESS_ACCEPT, 0)) + (20 + len(attributes)).to_bytes(2) + bytes(16) + attributes
    )


def test_pap(cache: DecisionCache) -> None:
    code, attributes, reason = decide(cache, NAS.pap("alice", world.ALICE_PASSWORD))
    assert (code, reason) == (Code.ACCESS_ACCEPT, "")
    assert attributes == cache.get("core", b"alice").attributes
    assert decide(cache, NAS.pap("alice", "wrong")) == (Code.ACCESS_REJECT, b"", "wrong_password")


def test_chap(cache: DecisionCache) -> None:
    assert decide(cache, NAS.chap("bob", world.BOB_PASSWORD))[0] == Code.ACCESS_ACCEPT
    assert decide(cache, NAS.chap("bob", "wrong"))[2] == "wrong_password"


def test_no_credentials_at_all_is_a_wrong_password(cache: DecisionCache) -> None:
    assert decide(cache, NAS.access_request("alice"))[2] == "wrong_password"


def test_policy_rejects_come_first(cache: DecisionCache) -> None:
    assert decide(cache, NAS.pap("carol", "c"))[2] == "inactive"
    assert decide(cache, NAS.pap("nobody", "x"))[2] == "unknown_user"


def test_ms_chap_v2_success_and_keys(cache: DecisionCache) -> None:
    challenge, peer = os.urandom(16), os.urandom(16)
    code, attributes, _ = decide(cache, NAS.mschapv2("bob", world.BOB_PASSWORD, challenge, peer))
    assert code == Code.ACCESS_ACCEPT
    reply = read_back(attributes)  # the attributes, read back with the codec
    success = reply.get(vendor_key(VENDOR_MICROSOFT, MS_CHAP2_SUCCESS))
    assert success is not None
    assert success.startswith(b"\x01S=")
    microsoft = [v for v in reply.vendor_specific if int.from_bytes(v[:4]) == VENDOR_MICROSOFT]
    assert len(microsoft) == 1 + 2 + 2  # success, the two keys, policy and types


def test_ms_chap_v2_failure_carries_ms_chap_error(cache: DecisionCache) -> None:
    code, attributes, reason = decide(cache, NAS.mschapv2("bob", "x", os.urandom(16), bytes(16)))
    assert (code, reason) == (Code.ACCESS_REJECT, "wrong_password")
    error = read_back(attributes).get(vendor_key(VENDOR_MICROSOFT, MS_CHAP_ERROR))
    assert error is not None
    assert error.startswith(b"\x01E=691 R=0 C=")


@pytest.mark.parametrize(
    "request_for",
    [
        lambda: NAS.pap(world.MAC, "anything"),
        lambda: NAS.chap("aa:bb:cc:dd:ee:0f", "whatever"),
        lambda: NAS.access_request("aabb.ccdd.ee0f"),
    ],
)
def test_mac_accounts_ignore_pap_and_chap(cache: DecisionCache, request_for: object) -> None:
    assert callable(request_for)
    assert decide(cache, request_for())[0] == Code.ACCESS_ACCEPT


def test_mac_accounts_cannot_do_ms_chap_v2(cache: DecisionCache) -> None:
    request = NAS.mschapv2(world.MAC, "x", os.urandom(16), bytes(16))
    assert decide(cache, request)[2] == "wrong_password"


def test_the_ms_chap_v2_proof_matches_rfc_2759(cache: DecisionCache) -> None:
    challenge, peer = bytes(range(16)), bytes(range(16, 32))
    _, attributes, _ = decide(cache, NAS.mschapv2("bob", world.BOB_PASSWORD, challenge, peer))
    password_hash = mschap.nt_password_hash(world.BOB_PASSWORD)
    nt_response = mschap.generate_nt_response(challenge, peer, b"bob", password_hash)
    proof = mschap.generate_authenticator_response(
        password_hash, nt_response, peer, challenge, b"bob"
    )
    reply = read_back(attributes)
    assert reply.get(vendor_key(VENDOR_MICROSOFT, MS_CHAP2_SUCCESS)) == b"\x01" + proof.encode()


def padded_pap(username: str, password: bytes) -> bytes:
    """PAP whose User-Password is two blocks: a NAS padding a short password further."""

    def hidden(authenticator: bytes) -> bytes:
        return encode_attribute(USER_PASSWORD, pap_encode(password, NAS.secret, authenticator))

    return NAS.access_request(username, build_credentials=hidden)


PREPARED_CASES = [
    pytest.param(lambda: NAS.pap("alice", world.ALICE_PASSWORD), id="pap"),
    pytest.param(lambda: NAS.pap("alice", "wrong"), id="pap wrong"),
    pytest.param(lambda: NAS.pap("alice", world.ALICE_PASSWORD[:-1]), id="pap prefix"),
    pytest.param(
        lambda: padded_pap("alice", world.ALICE_PASSWORD.encode() + bytes(20)), id="pap 2 blocks"
    ),
    pytest.param(lambda: NAS.chap("bob", world.BOB_PASSWORD), id="chap"),
    pytest.param(lambda: NAS.chap("bob", "wrong"), id="chap wrong"),
    pytest.param(lambda: NAS.access_request("alice"), id="no credentials"),
    pytest.param(lambda: NAS.pap("carol", "c"), id="inactive"),
    pytest.param(lambda: NAS.pap("nobody", "x"), id="unknown"),
    pytest.param(lambda: NAS.pap(world.MAC, "anything"), id="mac pap"),
    pytest.param(lambda: NAS.access_request("aabb.ccdd.ee0f"), id="mac bare"),
    pytest.param(
        lambda: NAS.mschapv2(world.MAC, "x", os.urandom(16), bytes(16)), id="mac ms-chap-v2"
    ),
]


@pytest.mark.parametrize("request_for", PREPARED_CASES)
def test_a_prepared_answer_is_the_answer(
    cache: DecisionCache, request_for: Callable[[], bytes]
) -> None:
    packet = parse(request_for())
    decision = cache.get("core", packet.user_name or b"")
    expected = answer(packet, CLIENT, decision, salt=0)
    prepared = prepared_answer(packet, CLIENT, decision)
    if packet.ms_chap2_response is not None and decision.accepted:
        assert prepared is None  # computed per request: `answer` makes it
        return
    assert prepared is not None
    assert (prepared.code, prepared.attributes, prepared.reason) == tuple(expected)


def test_ms_chap_v2_is_left_to_answer(cache: DecisionCache) -> None:
    request = NAS.mschapv2("bob", world.BOB_PASSWORD, os.urandom(16), os.urandom(16))
    packet = parse(request)
    assert prepared_answer(packet, CLIENT, cache.get("core", b"bob")) is None


@pytest.mark.parametrize(
    "password", ["", "sixteen-octets!!", "seventeen-octets!", "x" * 40, "ends-in-nul\x00"]
)
def test_prepared_pap_agrees_with_pap_verify_for_any_password(password: str) -> None:
    decision = Decision(kind=RadiusKind.PASSWORD, password=password, attributes=b"\x08\x06abcd")
    for tried in (password, password + "x", password[:-1]):
        packet = parse(NAS.pap("someone", tried) if tried else NAS.access_request("someone"))
        expected = answer(packet, CLIENT, decision, salt=0)
        prepared = prepared_answer(packet, CLIENT, decision)
        assert prepared is not None
        assert (prepared.code, prepared.reason) == (expected.code, expected.reason), tried
