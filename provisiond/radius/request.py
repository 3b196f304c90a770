"""Requests we send: CoA-Request and Disconnect-Request (the CoA sender and relay), and the
Access-, Accounting- and Status-Server requests of the NAS simulator and the benchmarks.

CoA, Disconnect and Accounting requests have a Request Authenticator computed over the
packet (RFC 5176 §3.3, RFC 2866 §3), so a relay re-signs a forwarded request for the
NAS's secret rather than forwarding its bytes. Access-Request and Status-Server carry a
random one, which the caller supplies: this module reads no clock and no entropy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provisiond.radius.auth import HASHED_REQUESTS, RANDOM_REQUESTS
from provisiond.radius.errors import EncodingError
from provisiond.radius.reply import (
    MESSAGE_AUTHENTICATOR_HEADER,
    MESSAGE_AUTHENTICATOR_PLACEHOLDER,
    header,
)
from provisiond.radius.wire import AUTHENTICATOR_SIZE, ZERO_AUTHENTICATOR

if TYPE_CHECKING:
    from provisiond.radius.digest import SharedSecret


def build_request(
    code: int,
    identifier: int,
    secret: SharedSecret,
    attributes: bytes,
    *,
    authenticator: bytes | None = None,
    message_authenticator: bool = False,
) -> bytes:
    """The request datagram, Message-Authenticator (when asked for) first.

    `authenticator` is the random Request Authenticator of an Access-Request or
    Status-Server and must be None for the requests whose authenticator is computed.
    """
    body = MESSAGE_AUTHENTICATOR_PLACEHOLDER + attributes if message_authenticator else attributes
    head = header(code, identifier, body)
    vector = _vector(code, authenticator)
    if message_authenticator:
        body = MESSAGE_AUTHENTICATOR_HEADER + secret.hmac_md5(head, vector, body) + attributes
    if code in HASHED_REQUESTS:
        vector = secret.md5_before_secret(head, ZERO_AUTHENTICATOR, body)
    return head + vector + body


def _vector(code: int, authenticator: bytes | None) -> bytes:
    """The authenticator field used while signing: zeros, or the caller's random one."""
    if code in HASHED_REQUESTS:
        if authenticator is not None:
            raise EncodingError(f"code {code} has a computed Request Authenticator")
        return ZERO_AUTHENTICATOR
    if code not in RANDOM_REQUESTS:
        raise EncodingError(f"code {code} is not a request")
    if authenticator is None or len(authenticator) != AUTHENTICATOR_SIZE:
        raise EncodingError(f"code {code} needs a random 16-octet Request Authenticator")
    return authenticator
