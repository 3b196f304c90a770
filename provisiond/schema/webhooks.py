"""Where a webhook may go (DESIGN.md §6): the pure rule, shared by the API's create-time
check (`provisiond.status.webhooks`) and the sender (`provisiond.events.targets`).

No address that is not globally routable (loopback, link-local, private, shared,
reserved, multicast) unless `[webhooks] allow_hosts` lists it, by host name or by prefix;
a `localhost` name is always the loopback. Nothing here resolves a name: the sender
resolves and checks every attempt.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Final, TypeAlias
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from urllib.parse import SplitResult

    from provisiond.config.settings import WebhooksSettings

Address: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address

# Numeric hosts that are not canonical addresses (`127.1`, `0x7f.1`): socket libraries map
# them onto addresses, so they must not pass as names.
_NUMERIC_HOST: Final = re.compile(r"[0-9.]+|0x[0-9a-fx.]+")


def split(url: str) -> tuple[SplitResult, str]:
    """The URL's parts and its host: lower case, without a trailing dot."""
    parts = urlsplit(url)
    return parts, (parts.hostname or "").rstrip(".").lower()


def literal(host: str) -> Address | None:
    """The host as an address, when it is a literal one."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def is_numeric_name(host: str) -> bool:
    """Digits and dots (or hex) that are not a canonical address, like `127.1`."""
    return literal(host) is None and _NUMERIC_HOST.fullmatch(host) is not None


def is_loopback_name(host: str) -> bool:
    """RFC 6761: `localhost` and its subdomains are always the loopback."""
    return host == "localhost" or host.endswith(".localhost")


def is_internal(address: Address) -> bool:
    """Not a public unicast address; an IPv4-mapped IPv6 address counts as its IPv4 one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def allowed(address: Address, *, host: str, settings: WebhooksSettings) -> bool:
    """Public, or `host` (the name it was reached by) or its prefix is allow-listed."""
    if not is_internal(address) or host in settings.allowed_names():
        return True
    return any(address in network for network in settings.allowed_networks())


_LOOPBACK: Final = ipaddress.IPv4Address("127.0.0.1")


def refusal(url: str, *, allow_http: bool, settings: WebhooksSettings) -> str | None:
    """Why the URL is refused whatever DNS says, or None: the one rule both the API (a
    422 at create) and the sender (a failed delivery) apply, so they never disagree."""
    parts, host = split(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and allow_http):
        return "must be an https:// URL unless allow_http is true"
    if not host:
        return "has no host"
    if is_numeric_name(host):
        return f"{host} is not a canonical IP address"
    address = literal(host)
    if address is None and is_loopback_name(host):
        address = _LOOPBACK  # what the name always resolves to (RFC 6761)
    if address is not None and not allowed(address, host=host, settings=settings):
        return (
            f"{host} is a loopback, link-local or private address; "
            "list it in [webhooks] allow_hosts to allow it"
        )
    return None
