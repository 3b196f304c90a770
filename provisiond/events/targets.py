"""Where a webhook may go (DESIGN.md §6), checked where it is sent.

HTTPS only unless the trigger says `allow_http`; no address that is not globally routable
(loopback, link-local, private, shared, reserved, multicast) unless `[webhooks]
allow_hosts` lists it, by host name or by prefix. The check runs on every attempt,
against the addresses the name resolves to then: a name that resolved to a public
address when the trigger was made and to 127.0.0.1 now is refused (DNS rebinding).
`GuardedResolver` is aiohttp's resolver for webhook requests, so the connection goes to
the addresses that were checked, not to a second lookup's. The API's create-time check
(`provisiond.status.webhooks`) applies the same rule to literal addresses.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, TypeAlias
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver
from aiohttp.resolver import DefaultResolver

from provisiond.events.errors import RefusedTargetError

if TYPE_CHECKING:
    from collections.abc import Callable

    from aiohttp.abc import ResolveResult

    from provisiond.config.settings import WebhooksSettings

Address: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address

# Numeric hosts that are not canonical addresses (`127.1`, `0x7f.1`): socket libraries map
# them onto addresses, so they must not pass as names.
_NUMERIC_HOST: Final = re.compile(r"[0-9.]+|0x[0-9a-fx.]+")


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    host: str  # lower case, without a trailing dot
    address: Address | None  # the host, when it is a literal address


def is_internal(address: Address) -> bool:
    """Not a public unicast address; an IPv4-mapped IPv6 address counts as its IPv4 one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def allowed(address: Address, *, host: str, settings: WebhooksSettings) -> bool:
    if not is_internal(address) or host in settings.allowed_names():
        return True
    return any(address in network for network in settings.allowed_networks())


def check_address(address: Address, *, host: str, settings: WebhooksSettings) -> None:
    if not allowed(address, host=host, settings=settings):
        raise RefusedTargetError(
            f"{host} is {address}, a loopback, link-local or private address "
            "not listed in [webhooks] allow_hosts"
        )


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def check_url(url: str, *, allow_http: bool, settings: WebhooksSettings) -> Target:
    """The URL's target if the scheme and a literal address are allowed; names are
    checked when they resolve (`GuardedResolver`)."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and allow_http):
        raise RefusedTargetError("the webhook URL must be https:// unless allow_http is set")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise RefusedTargetError("the webhook URL has no host")
    address = _literal(host)
    if address is None and _NUMERIC_HOST.fullmatch(host):
        raise RefusedTargetError(f"{host} is not a canonical IP address")
    if address is not None:
        check_address(address, host=host, settings=settings)
    return Target(url, host, address)


class GuardedResolver(AbstractResolver):
    """Resolves with `inner`, then refuses the name if any address it got is refused."""

    def __init__(
        self,
        settings: Callable[[], WebhooksSettings],
        inner: AbstractResolver | None = None,
    ) -> None:
        self._settings = settings
        self._inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        name = host.rstrip(".").lower()
        settings = self._settings()
        for result in results:
            address = _literal(result["host"].split("%", 1)[0])
            if address is None:
                raise RefusedTargetError(f"{name} resolved to {result['host']!r}")
            check_address(address, host=name, settings=settings)
        return results

    async def close(self) -> None:
        await self._inner.close()
