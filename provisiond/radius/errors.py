"""The radius layer's exceptions: one root, so callers can count and drop by class."""

from __future__ import annotations


class RadiusError(Exception):
    """Root of every error raised by `provisiond.radius`."""


class MalformedPacket(RadiusError):  # noqa: N818 - the name the RADIUS contract (issue 7) uses
    """A datagram or attribute value that breaks RFC 2865 framing; the packet is dropped."""


class EncodingError(RadiusError, ValueError):
    """An attribute value or a packet that cannot be encoded (unknown name, bad value, too long)."""


class InvalidReplyError(RadiusError):
    """A reply that does not answer our request: wrong id or code, or a bad authenticator."""


class RadiusBindError(RadiusError):
    """The RADIUS sockets cannot be bound: a port is taken (another instance) or locked."""
