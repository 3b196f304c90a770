"""Parsers for the config's structured strings; each raises ValueError with the message.

They are plain functions of text so `Table.convert` can attach the key and line.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from provisiond.model.network import InvalidPrefixError, Prefix, parse_prefix

MAX_PORT: Final = 65_535

_HOST_LABEL: Final = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_TAG: Final = re.compile(r"[A-Za-z0-9_.-]+")
# MikroTik rate: a number with an optional k/M/G suffix (decimal, as RouterOS reads it).
_RATE: Final = r"\d+(?:\.\d+)?[kKMG]?"
_PAIR: Final = rf"{_RATE}(?:/{_RATE})?"
_TIMES: Final = r"\d+s?(?:/\d+s?)?"
# rx/tx [burst-rx/tx threshold-rx/tx burst-time [priority [min-rx/tx]]], upload first.
_RATE_LIMIT: Final = re.compile(rf"{_PAIR}(?: {_PAIR} {_PAIR} {_TIMES}(?: [1-8](?: {_PAIR})?)?)?")
_MAX_HOST_NAME: Final = 253


def prefix(text: str) -> Prefix:
    """A canonical prefix; host bits set is an error (see `model.network`)."""
    try:
        return parse_prefix(text)
    except InvalidPrefixError as exc:
        raise ValueError(f"{text!r} is not an address or a prefix with host bits clear") from exc


def ip_address(text: str) -> str:
    """A bare IP address, returned in its compressed canonical form."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not an IP address") from exc


def host(text: str) -> str:
    """An IP address (canonical) or a DNS host name (lower case)."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        pass
    labels = text.rstrip(".").split(".")
    if len(text) > _MAX_HOST_NAME or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"{text!r} is not an IP address or a host name")
    return text.lower()


def host_or_prefix(text: str) -> str:
    """`[webhooks] allow_hosts` entry: a canonical prefix, or a host name."""
    try:
        return str(parse_prefix(text))
    except InvalidPrefixError:
        pass
    if "/" in text or ":" in text:
        raise ValueError(f"{text!r} is not a host name or a prefix with host bits clear")
    return host(text)


def listen(text: str) -> tuple[str, int]:
    """`host:port`, with an IPv6 host in brackets: `[::1]:8080`."""
    if text.startswith("["):
        address, _, port = text[1:].partition("]:")
        if ":" not in address:
            raise ValueError(f"{text!r} is not host:port (brackets are for IPv6 only)")
    else:
        address, _, port = text.rpartition(":")
        if ":" in address:
            raise ValueError(f"{text!r} is not host:port; write IPv6 as [addr]:port")
    # Port 0 asks the OS for a free port: tests start daemons side by side that way.
    if not address or not port.isdigit() or not 0 <= int(port) <= MAX_PORT:
        raise ValueError(f"{text!r} is not host:port with a port in 0..{MAX_PORT}")
    return host(address), int(port)


def is_loopback(host_name: str) -> bool:
    """Loopback addresses and `localhost`; any other name may resolve anywhere."""
    if host_name == "localhost":
        return True
    try:
        return ipaddress.ip_address(host_name).is_loopback
    except ValueError:
        return False


def rate_limit(text: str) -> str:
    """A MikroTik rate-limit string such as `"1M/1M"` or `"512k/2M"`."""
    if not _RATE_LIMIT.fullmatch(text):
        raise ValueError(f'{text!r} is not a MikroTik rate (upload/download, e.g. "512k/2M")')
    return text


def timezone(text: str) -> str:
    """An IANA time-zone name known to this system's tz database."""
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"{text!r} is not an IANA time zone (e.g. 'Europe/Berlin')") from exc
    return text


def name(text: str) -> str:
    """A device name: it appears in URLs, metrics labels and other keys' values."""
    if not _NAME.fullmatch(text):
        raise ValueError(f"{text!r} is not a name (letters, digits, '_', '-', '.')")
    return text


def tag(text: str) -> str:
    """`comment_prefix`: no ':' (it ends the tag) and no spaces."""
    if not _TAG.fullmatch(text):
        raise ValueError(f"{text!r} is not a tag (letters, digits, '_', '-', '.')")
    return text
