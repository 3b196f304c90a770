"""The attributes of the requests the lab's NAS sends, encoded with provisiond's codec.

Pure: the caller supplies the random Request Authenticator (PAP hides the password
with it) and the CHAP challenge, so these are plain functions of their arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from provisiond.radius.attributes import encode_attributes
from provisiond.radius.passwords import chap_response, pap_encode
from provisiond.radius.wire import CHAP_CHALLENGE, CHAP_PASSWORD, USER_PASSWORD, encode_attribute

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pyrad.dictionary import Dictionary

    from provisiond.radius.digest import SharedSecret

_LOW_32: Final = 0xFFFF_FFFF
CHAP_IDENT: Final = 1


@dataclass(frozen=True, slots=True)
class NasIdentity:
    """What the NAS says about itself in every request."""

    nas_ip_address: str | None = "127.0.0.1"
    nas_identifier: str | None = None

    def pairs(self) -> list[tuple[str, str | int]]:
        found: list[tuple[str, str | int]] = []
        if self.nas_ip_address:
            found.append(("NAS-IP-Address", self.nas_ip_address))
        if self.nas_identifier:
            found.append(("NAS-Identifier", self.nas_identifier))
        return found


@dataclass(frozen=True, slots=True)
class Usage:
    """Counters of an Interim-Update or Stop; octets are 64-bit (split into Gigawords)."""

    input_octets: int = 0  # from the subscriber
    output_octets: int = 0  # to the subscriber
    session_time: int = 0  # seconds

    def pairs(self) -> list[tuple[str, str | int]]:
        if min(self.input_octets, self.output_octets, self.session_time) < 0:
            raise ValueError("octets and session time cannot be negative")
        return [
            ("Acct-Input-Octets", self.input_octets & _LOW_32),
            ("Acct-Input-Gigawords", self.input_octets >> 32),
            ("Acct-Output-Octets", self.output_octets & _LOW_32),
            ("Acct-Output-Gigawords", self.output_octets >> 32),
            ("Acct-Session-Time", self.session_time),
        ]


def pap(
    dictionary: Dictionary,
    secret: SharedSecret,
    authenticator: bytes,
    *,
    username: str,
    password: str,
    pairs: Sequence[tuple[str, str | int]],
) -> bytes:
    """User-Name, the other pairs, and User-Password hidden with `authenticator`."""
    hidden = pap_encode(password.encode(), secret, authenticator)
    return encode_attributes(dictionary, [("User-Name", username), *pairs]) + encode_attribute(
        USER_PASSWORD, hidden
    )


def chap(
    dictionary: Dictionary,
    challenge: bytes,
    *,
    username: str,
    password: str,
    pairs: Sequence[tuple[str, str | int]],
) -> bytes:
    """User-Name, the other pairs, CHAP-Password and CHAP-Challenge (RFC 2865 §5.3, §5.40)."""
    response = bytes((CHAP_IDENT,)) + chap_response(CHAP_IDENT, password.encode(), challenge)
    return (
        encode_attributes(dictionary, [("User-Name", username), *pairs])
        + encode_attribute(CHAP_PASSWORD, response)
        + encode_attribute(CHAP_CHALLENGE, challenge)
    )


def accounting(
    dictionary: Dictionary,
    status: str,
    pairs: Sequence[tuple[str, str | int]],
) -> bytes:
    """An Accounting-Request's attributes: Acct-Status-Type (a VALUE name) first."""
    return encode_attributes(dictionary, [("Acct-Status-Type", status), *pairs])


def session_pairs(
    acct_session_id: str, username: str, framed_ip: str | None
) -> list[tuple[str, str | int]]:
    found: list[tuple[str, str | int]] = [
        ("Acct-Session-Id", acct_session_id),
        ("User-Name", username),
    ]
    if framed_ip is not None:
        found.append(("Framed-IP-Address", framed_ip))
    return found
