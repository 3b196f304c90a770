"""The RADIUS load generator's requests and checks, cross-checked with provisiond's codec.

The generator (bench/radius_traffic.py) is written on the RFCs independently of
provisiond/radius, so each side checks the other: what the generator sends must pass
provisiond's checks, and the checker must accept provisiond's replies and nothing else.
"""

from __future__ import annotations

import collections
import ipaddress

import pytest

from bench import radius_world
from bench.radius_traffic import AcctTraffic, AuthTraffic
from provisiond.radius.auth import (
    verify_request_authenticator,
    verify_request_message_authenticator,
)
from provisiond.radius.digest import SharedSecret
from provisiond.radius.packet import parse
from provisiond.radius.passwords import pap_decode
from provisiond.radius.reply import build_reply
from provisiond.radius.wire import FRAMED_IP_ADDRESS, AcctStatusType, Code, encode_attribute

SECRET = b"bench-test-secret"
USERS = radius_world.users(20)


def _framed_ip(user: radius_world.BenchUser) -> bytes:
    return encode_attribute(FRAMED_IP_ADDRESS, ipaddress.IPv4Address(user.framed_ip).packed)


def test_an_access_request_is_signed_and_hides_the_users_password() -> None:
    traffic = AuthTraffic(USERS, SECRET, "nas-1")
    secret = SharedSecret(SECRET)
    for identifier, user in enumerate(USERS):
        datagram, authenticator, _ = traffic.request(identifier)
        packet = parse(datagram)
        assert (packet.code, packet.identifier) == (Code.ACCESS_REQUEST, identifier)
        assert packet.authenticator == authenticator
        assert packet.message_authenticator_at == 22  # first, as BlastRADIUS asks
        assert verify_request_message_authenticator(packet, secret)
        assert packet.user_name == user.username.encode()
        assert packet.user_password is not None
        assert pap_decode(packet.user_password, secret, authenticator) == user.password.encode()


def test_the_checker_accepts_provisionds_access_accept_and_nothing_else() -> None:
    traffic = AuthTraffic(USERS, SECRET, "nas-1")
    secret = SharedSecret(SECRET)
    datagram, authenticator, expected = traffic.request(7)
    request = parse(datagram)
    accept = build_reply(request, Code.ACCESS_ACCEPT, secret, _framed_ip(USERS[0]))
    assert traffic.verify(accept, authenticator, expected)

    tampered = accept[:-1] + bytes([accept[-1] ^ 1])
    unsigned = build_reply(
        request, Code.ACCESS_ACCEPT, secret, _framed_ip(USERS[0]), message_authenticator=False
    )
    someone_else = build_reply(request, Code.ACCESS_ACCEPT, secret, _framed_ip(USERS[1]))
    reject = build_reply(request, Code.ACCESS_REJECT, secret)
    wrong_secret = build_reply(
        request, Code.ACCESS_ACCEPT, SharedSecret(b"other"), _framed_ip(USERS[0])
    )
    for bad in (tampered, unsigned, someone_else, reject, wrong_secret, accept[:19]):
        assert not traffic.verify(bad, authenticator, expected)
    assert not traffic.verify(accept, bytes(16), expected)  # not the answer to this request


def test_accounting_requests_carry_a_valid_request_authenticator() -> None:
    traffic = AcctTraffic(USERS, SECRET, "nas-1", label="t", lag=3)
    secret = SharedSecret(SECRET)
    for identifier in range(30):
        datagram, authenticator, expected = traffic.request(identifier)
        packet = parse(datagram)
        assert packet.code == Code.ACCOUNTING_REQUEST
        assert verify_request_authenticator(packet, secret)
        response = build_reply(packet, Code.ACCOUNTING_RESPONSE, secret)
        assert traffic.verify(response, authenticator, expected)
        tampered = response[:-1] + bytes([response[-1] ^ 1])
        assert not traffic.verify(tampered, authenticator, expected)
        assert not traffic.verify(response, bytes(16), expected)


@pytest.mark.parametrize("lag", [1, 5])
def test_every_session_starts_updates_and_stops_in_that_order(lag: int) -> None:
    traffic = AcctTraffic(USERS, SECRET, "nas-1", label="run", lag=lag)
    seen: dict[str, list[int]] = collections.defaultdict(list)
    for identifier in range(300):
        packet = parse(traffic.request(identifier & 0xFF)[0])
        session_id = packet.acct_session_id
        status = packet.acct_status_type
        assert session_id is not None
        assert status is not None
        assert session_id.startswith("run-")
        seen[session_id].append(status)
        if status != AcctStatusType.START:
            assert packet.acct_input_octets64 is not None
    complete = [statuses for statuses in seen.values() if len(statuses) == 3]
    assert len(complete) >= 300 // 3 - 2 * lag
    for statuses in seen.values():
        order = [AcctStatusType.START, AcctStatusType.INTERIM_UPDATE, AcctStatusType.STOP]
        assert statuses == order[: len(statuses)]
