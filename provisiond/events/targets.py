"""Where a webhook may go (DESIGN.md §6), checked where it is sent.

HTTPS only unless the trigger says `allow_http`; no address that is not globally routable
(loopback, link-local, private, shared, reserved, multicast) unless `[webhooks]
allow_hosts` lists it, by host name or by prefix. The check runs on every attempt,
against the addresses the name resolves to then: a name that resolved to a public
address when the trigger was made and to 127.0.0.1 now is refused (DNS rebinding).
`GuardedResolver` is aiohttp's resolver for webhook requests, so the connection goes to
the addresses that were checked, not to a second lookup's. The rule itself is
`provisiond.schema.webhooks`; the API's create-time check (`provisiond.status.webhooks`)
applies it to literal addresses.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp.abc import AbstractResolver
from aiohttp.resolver import DefaultResolver

from provisiond.events.errors import RefusedTargetError
from provisiond.schema import webhooks

if TYPE_CHECKING:
    from collections.abc import Callable

    from aiohttp.abc import ResolveResult

    from provisiond.config.settings import WebhooksSettings
    from provisiond.schema.webhooks import Address


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    host: str  # lower case, without a trailing dot
    address: Address | None  # the host, when it is a literal address


def check_address(address: Address, *, host: str, settings: WebhooksSettings) -> None:
    if not webhooks.allowed(address, host=host, settings=settings):
        raise RefusedTargetError(
            f"{host} is {address}, a loopback, link-local or private address "
            "not listed in [webhooks] allow_hosts"
        )


def check_url(url: str, *, allow_http: bool, settings: WebhooksSettings) -> Target:
    """The URL's target if the scheme and a literal address are allowed; names are
    checked when they resolve (`GuardedResolver`)."""
    problem = webhooks.refusal(url, allow_http=allow_http, settings=settings)
    if problem is not None:
        raise RefusedTargetError(f"the webhook URL {problem}")
    _, host = webhooks.split(url)
    return Target(url, host, webhooks.literal(host))


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
            address = webhooks.literal(result["host"].split("%", 1)[0])
            if address is None:
                raise RefusedTargetError(f"{name} resolved to {result['host']!r}")
            check_address(address, host=name, settings=settings)
        return results

    async def close(self) -> None:
        await self._inner.close()
