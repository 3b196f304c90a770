"""Packets built with pyrad, the reference our codec must agree with byte for byte."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from pyrad import packet as pyrad_packet

from provisiond.radius.digest import SharedSecret

if TYPE_CHECKING:
    from pyrad.dictionary import Dictionary

SECRET = b"testing123"
SHARED = SharedSecret(SECRET)
AUTHENTICATOR = bytes(range(16))


def access_request(
    dictionary: Dictionary,
    *,
    identifier: int = 7,
    message_authenticator: bool = True,
    proxy_state: tuple[bytes, ...] = (),
    **attributes: object,
) -> pyrad_packet.AuthPacket:
    """An Access-Request as a client builds it; `raw(...)` encodes it."""
    request = pyrad_packet.AuthPacket(
        code=pyrad_packet.AccessRequest,
        id=identifier,
        secret=SECRET,
        authenticator=AUTHENTICATOR,
        dict=dictionary,
    )
    for name, value in attributes.items():
        request.AddAttribute(name.replace("_", "-"), value)
    for value in proxy_state:
        request.AddAttribute("Proxy-State", value)
    if message_authenticator:
        request.add_message_authenticator()
    return request


def hashed_request(
    dictionary: Dictionary,
    code: int,
    *,
    identifier: int = 9,
    message_authenticator: bool = False,
    proxy_state: tuple[bytes, ...] = (),
    **attributes: object,
) -> pyrad_packet.Packet:
    """An Accounting-, CoA- or Disconnect-Request with its computed authenticator."""
    cls = (
        pyrad_packet.AcctPacket
        if code == pyrad_packet.AccountingRequest
        else pyrad_packet.CoAPacket
    )
    request = cls(code=code, id=identifier, secret=SECRET, dict=dictionary)
    for name, value in attributes.items():
        request.AddAttribute(name.replace("_", "-"), value)
    for value in proxy_state:
        request.AddAttribute("Proxy-State", value)
    if message_authenticator:
        request.add_message_authenticator()
    return request


def raw(request: pyrad_packet.Packet) -> bytes:
    return cast("bytes", request.RequestPacket())


def decode(dictionary: Dictionary, datagram: bytes) -> pyrad_packet.Packet:
    """pyrad's own decoding of a datagram, with our secret."""
    return pyrad_packet.Packet(packet=datagram, secret=SECRET, dict=dictionary)
