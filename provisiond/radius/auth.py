"""Authenticators: Message-Authenticator (RFC 2869 §5.14, RFC 3579 §3.2, RFC 5176 §3.3),
Request Authenticators of Accounting, CoA and Disconnect requests (RFC 2866 §3,
RFC 5176 §3.3) and Response Authenticators (RFC 2865 §3).

The Message-Authenticator is HMAC-MD5 over the packet with its own value zeroed and with
an authenticator field that depends on the packet: the packet's own (random) one for
Access-Request and Status-Server, sixteen zeros for requests whose Request Authenticator
is itself a hash of the packet, and the request's authenticator for a reply. Like
FreeRADIUS and pyrad, an Accounting-Response uses zeros unless it answers a Status-Server
(RFC 5997 §3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from provisiond.radius.digest import digests_equal
from provisiond.radius.errors import InvalidReplyError
from provisiond.radius.wire import AUTHENTICATOR_SIZE, HEADER_SIZE, ZERO_AUTHENTICATOR, Code

if TYPE_CHECKING:
    from collections.abc import Mapping

    from provisiond.radius.digest import SharedSecret
    from provisiond.radius.packet import Packet

# Requests whose Request Authenticator is MD5 over the packet and the secret.
HASHED_REQUESTS: Final = frozenset(
    {Code.ACCOUNTING_REQUEST, Code.COA_REQUEST, Code.DISCONNECT_REQUEST}
)
# Requests with a random Request Authenticator; their replies carry Message-Authenticator.
RANDOM_REQUESTS: Final = frozenset({Code.ACCESS_REQUEST, Code.STATUS_SERVER})

# The reply codes that may answer each request code.
ANSWERS: Final[Mapping[int, frozenset[int]]] = {
    Code.ACCESS_REQUEST: frozenset({Code.ACCESS_ACCEPT, Code.ACCESS_REJECT, Code.ACCESS_CHALLENGE}),
    Code.ACCOUNTING_REQUEST: frozenset({Code.ACCOUNTING_RESPONSE}),
    Code.STATUS_SERVER: frozenset(
        {Code.ACCESS_ACCEPT, Code.ACCESS_REJECT, Code.ACCOUNTING_RESPONSE}
    ),
    Code.COA_REQUEST: frozenset({Code.COA_ACK, Code.COA_NAK}),
    Code.DISCONNECT_REQUEST: frozenset({Code.DISCONNECT_ACK, Code.DISCONNECT_NAK}),
}


def request_vector(code: int, authenticator: bytes) -> bytes:
    """The authenticator field a request's Message-Authenticator is computed with."""
    return ZERO_AUTHENTICATOR if code in HASHED_REQUESTS else authenticator


def reply_vector(code: int, request_code: int, request_authenticator: bytes) -> bytes:
    """The authenticator field a reply's Message-Authenticator is computed with."""
    if code == Code.ACCOUNTING_RESPONSE and request_code != Code.STATUS_SERVER:
        return ZERO_AUTHENTICATOR
    return request_authenticator


def message_authenticator_matches(packet: Packet, secret: SharedSecret, vector: bytes) -> bool:
    """Whether the packet's Message-Authenticator is right for `vector`; False when absent."""
    at = packet.message_authenticator_at
    if at < 0:
        return False
    raw = packet.raw
    expected = secret.hmac_md5(
        raw[:4], vector, raw[HEADER_SIZE:at], ZERO_AUTHENTICATOR, raw[at + AUTHENTICATOR_SIZE :]
    )
    return digests_equal(expected, raw[at : at + AUTHENTICATOR_SIZE])


def verify_request_message_authenticator(packet: Packet, secret: SharedSecret) -> bool:
    """Message-Authenticator of a received request (BlastRADIUS: required per NAS)."""
    at = packet.message_authenticator_at
    if packet.code in HASHED_REQUESTS or at < 0:
        return message_authenticator_matches(packet, secret, ZERO_AUTHENTICATOR)
    # Access-Request, Status-Server: the vector is the packet's own authenticator, so the
    # HMAC covers the datagram as received with the value zeroed (every Access-Request).
    raw = packet.raw
    end = at + AUTHENTICATOR_SIZE
    inner = secret.hmac_inner.copy()  # secret.hmac_md5, inlined (see SharedSecret)
    inner.update(raw[:at] + ZERO_AUTHENTICATOR + raw[end:])
    outer = secret.hmac_outer.copy()
    outer.update(inner.digest())
    return digests_equal(outer.digest(), raw[at:end])


def verify_request_authenticator(packet: Packet, secret: SharedSecret) -> bool:
    """Request Authenticator of an Accounting-, CoA- or Disconnect-Request.

    MD5(Code + Identifier + Length + 16 zero octets + attributes + secret); an
    Access-Request or Status-Server has a random one, so it never passes this check.
    """
    if packet.code not in HASHED_REQUESTS:
        return False
    raw = packet.raw
    expected = secret.md5_before_secret(raw[:4], ZERO_AUTHENTICATOR, raw[HEADER_SIZE:])
    return digests_equal(expected, packet.authenticator)


def response_authenticator(
    header: bytes, request_authenticator: bytes, attributes: bytes, secret: SharedSecret
) -> bytes:
    """MD5(Code + Identifier + Length + Request Authenticator + attributes + secret)."""
    return secret.md5_before_secret(header, request_authenticator, attributes)


def verify_reply(
    reply: Packet,
    secret: SharedSecret,
    *,
    request_code: int,
    request_identifier: int,
    request_authenticator: bytes,
    require_message_authenticator: bool = False,
) -> None:
    """Check that `reply` answers our request; raise `InvalidReplyError` saying why not.

    A Message-Authenticator present is always checked. A reply to Access-Request or
    Status-Server must carry one when `require_message_authenticator` (BlastRADIUS).
    """
    if reply.identifier != request_identifier:
        raise InvalidReplyError(f"identifier {reply.identifier}, expected {request_identifier}")
    if reply.code not in ANSWERS.get(request_code, frozenset()):
        raise InvalidReplyError(f"code {reply.code} does not answer code {request_code}")
    raw = reply.raw
    expected = response_authenticator(raw[:4], request_authenticator, raw[HEADER_SIZE:], secret)
    if not digests_equal(expected, reply.authenticator):
        raise InvalidReplyError("bad Response Authenticator")
    _check_reply_message_authenticator(
        reply, secret, request_code, request_authenticator, required=require_message_authenticator
    )


def _check_reply_message_authenticator(
    reply: Packet,
    secret: SharedSecret,
    request_code: int,
    request_authenticator: bytes,
    *,
    required: bool,
) -> None:
    if reply.message_authenticator_at < 0:
        if required and request_code in RANDOM_REQUESTS:
            raise InvalidReplyError("no Message-Authenticator in the reply")
        return
    vector = reply_vector(reply.code, request_code, request_authenticator)
    if not message_authenticator_matches(reply, secret, vector):
        raise InvalidReplyError("bad Message-Authenticator")
