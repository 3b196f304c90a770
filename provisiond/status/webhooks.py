"""The create-time half of the webhook SSRF rules (DESIGN.md §6): a trigger whose
`webhook_url` could only be refused at delivery is a 422 (`webhook_url`) now.

HTTPS unless `allow_http`; a literal address or a `localhost` name that is loopback,
link-local, private or otherwise not globally routable, unless `[webhooks] allow_hosts`
lists it. Names are not resolved here (DNS answers change; an API write should not wait
on them): the sender resolves and checks every attempt (`provisiond.events.targets`,
the same rule, which this package may not import).
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from provisiond.model.errors import InvalidError

if TYPE_CHECKING:
    from provisiond.config.settings import WebhooksSettings
    from provisiond.model.objects import Trigger


def _internal(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True  # RFC 6761: always the loopback
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def _listed(host: str, settings: WebhooksSettings) -> bool:
    if host in settings.allowed_names():
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in settings.allowed_networks())


def check_trigger(trigger: Trigger, settings: WebhooksSettings, *, prefix: str = "") -> None:
    """Refuse a `webhook_url` the sender would refuse whatever DNS says."""
    field = f"{prefix}webhook_url"
    parts = urlsplit(trigger.webhook_url)
    if parts.scheme != "https" and not trigger.allow_http:
        raise InvalidError("must be an https:// URL unless allow_http is true", field=field)
    host = (parts.hostname or "").rstrip(".").lower()
    if _internal(host) and not _listed(host, settings):
        raise InvalidError(
            f"{host} is a loopback, link-local or private address; "
            "list it in [webhooks] allow_hosts to allow it",
            field=field,
        )
