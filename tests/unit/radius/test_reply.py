from __future__ import annotations

from typing import TYPE_CHECKING, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyrad import packet as pyrad_packet

from provisiond.radius.attributes import encode_attributes
from provisiond.radius.errors import EncodingError, InvalidReplyError, MalformedPacket
from provisiond.radius.packet import parse
from provisiond.radius.reply import PreparedReply, build_reply, parse_reply
from provisiond.radius.request import build_request
from provisiond.radius.wire import (
    MESSAGE_AUTHENTICATOR,
    PROXY_STATE,
    Code,
    ErrorCause,
    encode_attribute,
)
from tests.unit.radius.support import (
    AUTHENTICATOR,
    SECRET,
    SHARED,
    access_request,
    hashed_request,
    raw,
)

if TYPE_CHECKING:
    from pyrad.dictionary import Dictionary

ACCEPT = [
    ("Framed-IP-Address", "100.64.0.10"),
    ("Acct-Interim-Interval", "300"),
    ("Mikrotik-Rate-Limit", "20M/100M"),
]


def attribute_types(datagram: bytes) -> list[int]:
    types, pos = [], 20
    while pos < len(datagram):
        types.append(datagram[pos])
        pos += datagram[pos + 1]
    return types


def test_access_accept_verifies_with_pyrad(dictionary: Dictionary) -> None:
    request = access_request(dictionary, proxy_state=(b"one", b"two"), User_Name="alice")
    cached = encode_attributes(dictionary, ACCEPT)
    datagram = build_reply(parse(raw(request)), Code.ACCESS_ACCEPT, SHARED, cached)
    assert attribute_types(datagram) == [MESSAGE_AUTHENTICATOR, 8, 85, 26, PROXY_STATE, PROXY_STATE]
    assert datagram[-10:] == encode_attribute(PROXY_STATE, b"one") + encode_attribute(
        PROXY_STATE, b"two"
    )
    reply = request.CreateReply(packet=datagram)
    assert request.VerifyReply(reply, datagram, enforce_ma=True)
    assert reply["Mikrotik-Rate-Limit"] == ["20M/100M"]
    assert reply["Framed-IP-Address"] == ["100.64.0.10"]
    assert reply["Proxy-State"] == [b"one", b"two"]


def test_access_reject_without_attributes_is_signed(dictionary: Dictionary) -> None:
    request = access_request(dictionary, User_Name="alice")
    datagram = build_reply(parse(raw(request)), Code.ACCESS_REJECT, SHARED)
    assert attribute_types(datagram) == [MESSAGE_AUTHENTICATOR]
    assert request.VerifyReply(request.CreateReply(packet=datagram), datagram, enforce_ma=True)


def test_status_server_reply_is_signed(dictionary: Dictionary) -> None:
    request = pyrad_packet.AcctPacket(
        code=pyrad_packet.StatusServer, id=4, secret=SECRET, dict=dictionary
    )
    request_datagram = cast("bytes", request.RequestPacket())
    datagram = build_reply(parse(request_datagram), Code.ACCOUNTING_RESPONSE, SHARED)
    assert attribute_types(datagram) == [MESSAGE_AUTHENTICATOR]
    assert request.VerifyReply(request.CreateReply(packet=datagram), datagram, enforce_ma=True)


@pytest.mark.parametrize(
    ("code", "reply_code"),
    [
        (pyrad_packet.AccountingRequest, Code.ACCOUNTING_RESPONSE),
        (pyrad_packet.CoARequest, Code.COA_ACK),
        (pyrad_packet.DisconnectRequest, Code.DISCONNECT_NAK),
    ],
)
def test_replies_to_hashed_requests_verify_with_pyrad(
    dictionary: Dictionary, code: int, reply_code: int
) -> None:
    request = hashed_request(dictionary, code, proxy_state=(b"ps",), User_Name="alice")
    datagram = build_reply(parse(raw(request)), reply_code, SHARED)
    assert attribute_types(datagram) == [PROXY_STATE]
    assert request.VerifyReply(request.CreateReply(packet=datagram), datagram)


def test_a_signed_coa_nak_verifies_with_pyrad(dictionary: Dictionary) -> None:
    request = hashed_request(dictionary, pyrad_packet.CoARequest, User_Name="alice")
    cause = encode_attributes(dictionary, [("Error-Cause", "Session-Context-Not-Found")])
    datagram = build_reply(
        parse(raw(request)), Code.COA_NAK, SHARED, cause, message_authenticator=True
    )
    reply = request.CreateReply(packet=datagram)
    assert request.VerifyReply(reply, datagram)
    assert reply["Error-Cause"] == ["Session-Context-Not-Found"]


def test_a_reply_over_4096_octets_is_refused(dictionary: Dictionary) -> None:
    request = parse(raw(access_request(dictionary, User_Name="alice")))
    with pytest.raises(EncodingError):
        build_reply(request, Code.ACCESS_ACCEPT, SHARED, encode_attribute(25, bytes(253)) * 16)


@pytest.mark.parametrize(
    "code", [Code.COA_REQUEST, Code.DISCONNECT_REQUEST, Code.ACCOUNTING_REQUEST]
)
@pytest.mark.parametrize("message_authenticator", [False, True])
def test_hashed_requests_verify_with_pyrad(
    dictionary: Dictionary, code: int, *, message_authenticator: bool
) -> None:
    attributes = encode_attributes(
        dictionary,
        [("User-Name", "alice"), ("Acct-Session-Id", "81a00003"), ("Mikrotik-Rate-Limit", "1M/1M")],
    )
    datagram = build_request(
        code, 17, SHARED, attributes, message_authenticator=message_authenticator
    )
    cls = pyrad_packet.AcctPacket if code == Code.ACCOUNTING_REQUEST else pyrad_packet.CoAPacket
    received = cls(packet=datagram, secret=SECRET, dict=dictionary)
    if code == Code.ACCOUNTING_REQUEST:
        assert received.VerifyAcctRequest()
    else:
        assert received.VerifyCoARequest()
    if message_authenticator:
        assert attribute_types(datagram)[0] == MESSAGE_AUTHENTICATOR
        assert received.verify_message_authenticator()
    assert received["User-Name"] == ["alice"]
    assert received.id == 17


@pytest.mark.parametrize("code", [Code.ACCESS_REQUEST, Code.STATUS_SERVER])
def test_random_authenticator_requests_verify_with_pyrad(dictionary: Dictionary, code: int) -> None:
    attributes = encode_attributes(dictionary, [("User-Name", "alice")])
    datagram = build_request(
        code, 3, SHARED, attributes, authenticator=AUTHENTICATOR, message_authenticator=True
    )
    received = pyrad_packet.AuthPacket(packet=datagram, secret=SECRET, dict=dictionary)
    assert received.authenticator == AUTHENTICATOR
    assert received.verify_message_authenticator()


@pytest.mark.parametrize(
    ("code", "authenticator"),
    [
        (Code.COA_REQUEST, AUTHENTICATOR),
        (Code.ACCESS_REQUEST, None),
        (Code.ACCESS_REQUEST, bytes(15)),
        (Code.COA_ACK, None),
    ],
)
def test_build_request_refuses_wrong_authenticators(code: int, authenticator: bytes | None) -> None:
    with pytest.raises(EncodingError):
        build_request(code, 1, SHARED, b"", authenticator=authenticator)


def test_parse_reply_round_trip_with_a_pyrad_nas(dictionary: Dictionary) -> None:
    attributes = encode_attributes(dictionary, [("User-Name", "alice")])
    datagram = build_request(Code.DISCONNECT_REQUEST, 9, SHARED, attributes)
    # The NAS side, as pyrad's server answers a Disconnect-Request.
    received = pyrad_packet.CoAPacket(packet=datagram, secret=SECRET, dict=dictionary)
    answer = received.CreateReply()
    answer.code = pyrad_packet.DisconnectNAK
    answer["Error-Cause"] = "Session-Context-Not-Found"
    reply_datagram = cast("bytes", answer.ReplyPacket())
    request = parse(datagram)
    reply = parse_reply(
        reply_datagram,
        SHARED,
        request_code=request.code,
        request_identifier=request.identifier,
        request_authenticator=request.authenticator,
    )
    assert reply.code == Code.DISCONNECT_NAK
    assert reply.error_cause == ErrorCause.SESSION_CONTEXT_NOT_FOUND
    with pytest.raises(InvalidReplyError):
        parse_reply(
            reply_datagram,
            SHARED,
            request_code=request.code,
            request_identifier=request.identifier,
            request_authenticator=bytes(16),
        )
    with pytest.raises(MalformedPacket):
        parse_reply(
            reply_datagram[:19],
            SHARED,
            request_code=request.code,
            request_identifier=request.identifier,
            request_authenticator=request.authenticator,
        )


@given(
    code=st.sampled_from([Code.ACCESS_REQUEST, Code.STATUS_SERVER]),
    identifier=st.integers(0, 255),
    authenticator=st.binary(min_size=16, max_size=16),
    attributes=st.binary(max_size=300),
    proxy_state=st.lists(st.binary(min_size=1, max_size=20), max_size=2),
    reply_code=st.sampled_from([Code.ACCESS_ACCEPT, Code.ACCESS_REJECT]),
)
def test_a_prepared_reply_is_build_reply_byte_for_byte(
    *,
    code: int,
    identifier: int,
    authenticator: bytes,
    attributes: bytes,
    proxy_state: list[bytes],
    reply_code: int,
) -> None:
    body = b"".join(encode_attribute(PROXY_STATE, value) for value in proxy_state)
    request = parse(bytes((code, identifier)) + (20 + len(body)).to_bytes(2) + authenticator + body)
    prepared = PreparedReply(reply_code, attributes)
    assert prepared.build(request, SHARED) == build_reply(request, reply_code, SHARED, attributes)


def test_a_prepared_reply_over_4096_octets_is_refused(dictionary: Dictionary) -> None:
    request = parse(raw(access_request(dictionary, User_Name="alice")))
    prepared = PreparedReply(Code.ACCESS_ACCEPT, encode_attribute(18, b"x" * 253) * 17)
    with pytest.raises(EncodingError):
        prepared.build(request, SHARED)
