from __future__ import annotations

from typing import TYPE_CHECKING, cast

import pytest
from pyrad import packet as pyrad_packet

from provisiond.radius import auth
from provisiond.radius.digest import SharedSecret
from provisiond.radius.errors import InvalidReplyError
from provisiond.radius.packet import parse
from provisiond.radius.wire import Code
from tests.unit.radius.support import (
    SECRET,
    SHARED,
    access_request,
    hashed_request,
    raw,
)

if TYPE_CHECKING:
    from pyrad.dictionary import Dictionary

OTHER = SharedSecret(b"not-the-secret")


def tamper(datagram: bytes, at: int) -> bytes:
    return datagram[:at] + bytes((datagram[at] ^ 1,)) + datagram[at + 1 :]


def test_access_request_message_authenticator_agrees_with_pyrad(dictionary: Dictionary) -> None:
    datagram = raw(access_request(dictionary, User_Name="alice", NAS_Identifier="n"))
    reference = pyrad_packet.AuthPacket(packet=datagram, secret=SECRET, dict=dictionary)
    assert reference.verify_message_authenticator()
    packet = parse(datagram)
    assert auth.verify_request_message_authenticator(packet, SHARED)
    assert not auth.verify_request_message_authenticator(packet, OTHER)
    assert not auth.verify_request_message_authenticator(parse(tamper(datagram, 40)), SHARED)
    # The Request Authenticator of an Access-Request is random, not a hash.
    assert not auth.verify_request_authenticator(packet, SHARED)


def test_a_request_without_message_authenticator_fails_its_check(dictionary: Dictionary) -> None:
    packet = parse(raw(access_request(dictionary, message_authenticator=False, User_Name="a")))
    assert not auth.verify_request_message_authenticator(packet, SHARED)


def test_message_authenticator_anywhere_in_the_packet(dictionary: Dictionary) -> None:
    # RouterOS before 7.15 and some proxies do not put it first; its position is free.
    request = access_request(dictionary, message_authenticator=False, User_Name="alice")
    request[80] = [bytes(16)]
    body = request._PktEncodeAttributes()
    head = bytes((1, 7)) + (20 + len(body)).to_bytes(2)
    value = SHARED.hmac_md5(head, request.authenticator, body)
    datagram = head + request.authenticator + body[:-16] + value
    assert auth.verify_request_message_authenticator(parse(datagram), SHARED)


def test_status_server_message_authenticator(dictionary: Dictionary) -> None:
    request = pyrad_packet.AuthPacket(
        code=pyrad_packet.StatusServer, id=3, secret=SECRET, dict=dictionary
    )
    request.add_message_authenticator()
    packet = parse(cast("bytes", request.RequestPacket()))
    assert auth.verify_request_message_authenticator(packet, SHARED)


@pytest.mark.parametrize(
    "code",
    [pyrad_packet.AccountingRequest, pyrad_packet.CoARequest, pyrad_packet.DisconnectRequest],
)
@pytest.mark.parametrize("message_authenticator", [False, True])
def test_hashed_request_authenticators_agree_with_pyrad(
    dictionary: Dictionary, code: int, *, message_authenticator: bool
) -> None:
    request = hashed_request(
        dictionary,
        code,
        message_authenticator=message_authenticator,
        User_Name="alice",
        Acct_Session_Id="s1",
    )
    datagram = raw(request)
    packet = parse(datagram)
    assert auth.verify_request_authenticator(packet, SHARED)
    assert not auth.verify_request_authenticator(packet, OTHER)
    assert not auth.verify_request_authenticator(parse(tamper(datagram, 30)), SHARED)
    if message_authenticator:
        reference = pyrad_packet.Packet(packet=datagram, secret=SECRET, dict=dictionary)
        assert reference.verify_message_authenticator()
        assert auth.verify_request_message_authenticator(packet, SHARED)


def pyrad_reply(
    request: pyrad_packet.Packet, dictionary: Dictionary, code: int, **attributes: object
) -> bytes:
    """The reply pyrad's server would send to `request` (decoded as a server does)."""
    received = type(request)(packet=raw(request), secret=SECRET, dict=dictionary)
    reply = received.CreateReply(**attributes)
    reply.code = code
    return cast("bytes", reply.ReplyPacket())


def test_verify_reply_accepts_pyrad_access_accept(dictionary: Dictionary) -> None:
    request = access_request(dictionary, proxy_state=(b"ps",), User_Name="alice")
    datagram = pyrad_reply(request, dictionary, Code.ACCESS_ACCEPT, Session_Timeout=60)
    reply = parse(datagram)
    assert reply.message_authenticator_at == 22  # pyrad signs replies, first attribute
    auth.verify_reply(
        reply,
        SHARED,
        request_code=Code.ACCESS_REQUEST,
        request_identifier=request.id,
        request_authenticator=request.authenticator,
        require_message_authenticator=True,
    )


@pytest.mark.parametrize(
    ("code", "reply_code"),
    [
        (pyrad_packet.AccountingRequest, Code.ACCOUNTING_RESPONSE),
        (pyrad_packet.CoARequest, Code.COA_NAK),
        (pyrad_packet.DisconnectRequest, Code.DISCONNECT_ACK),
    ],
)
def test_verify_reply_accepts_pyrad_replies(
    dictionary: Dictionary, code: int, reply_code: int
) -> None:
    request = hashed_request(dictionary, code, User_Name="alice")
    datagram = pyrad_reply(request, dictionary, reply_code)
    auth.verify_reply(
        parse(datagram),
        SHARED,
        request_code=code,
        request_identifier=request.id,
        request_authenticator=request.authenticator,
    )


@pytest.mark.parametrize(
    ("damage", "secret", "identifier_offset", "request_code", "authenticator"),
    [
        pytest.param(None, SHARED, 1, Code.ACCESS_REQUEST, None, id="identifier"),
        pytest.param(None, SHARED, 0, Code.COA_REQUEST, None, id="code"),
        pytest.param(None, SHARED, 0, Code.ACCESS_REQUEST, bytes(16), id="authenticator"),
        pytest.param(None, OTHER, 0, Code.ACCESS_REQUEST, None, id="secret"),
        pytest.param(25, SHARED, 0, Code.ACCESS_REQUEST, None, id="tampered"),
    ],
)
def test_verify_reply_rejects_what_does_not_answer(
    dictionary: Dictionary,
    *,
    damage: int | None,
    secret: SharedSecret,
    identifier_offset: int,
    request_code: int,
    authenticator: bytes | None,
) -> None:
    request = access_request(dictionary, User_Name="alice")
    datagram = pyrad_reply(request, dictionary, Code.ACCESS_REJECT)
    if damage is not None:
        datagram = tamper(datagram, damage)
    with pytest.raises(InvalidReplyError):
        auth.verify_reply(
            parse(datagram),
            secret,
            request_code=request_code,
            request_identifier=request.id + identifier_offset,
            request_authenticator=request.authenticator if authenticator is None else authenticator,
        )


def test_verify_reply_can_require_message_authenticator(dictionary: Dictionary) -> None:
    request = access_request(dictionary, User_Name="alice")
    received = pyrad_packet.AuthPacket(packet=raw(request), secret=SECRET, dict=dictionary)
    reply = received.CreateReply(message_authenticator=False)
    reply.code = Code.ACCESS_ACCEPT
    unsigned = parse(cast("bytes", reply.ReplyPacket()))
    kwargs = {
        "request_code": Code.ACCESS_REQUEST,
        "request_identifier": request.id,
        "request_authenticator": request.authenticator,
    }
    auth.verify_reply(unsigned, SHARED, **kwargs)
    with pytest.raises(InvalidReplyError):
        auth.verify_reply(unsigned, SHARED, **kwargs, require_message_authenticator=True)


def test_reply_vector_is_zero_for_accounting_responses_only() -> None:
    vector = bytes(range(16))
    assert auth.reply_vector(Code.ACCOUNTING_RESPONSE, Code.ACCOUNTING_REQUEST, vector) == bytes(16)
    assert auth.reply_vector(Code.ACCOUNTING_RESPONSE, Code.STATUS_SERVER, vector) == vector
    assert auth.reply_vector(Code.COA_ACK, Code.COA_REQUEST, vector) == vector
