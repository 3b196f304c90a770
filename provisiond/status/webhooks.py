"""The create-time half of the webhook SSRF rules (DESIGN.md §6): a trigger whose
`webhook_url` could only be refused at delivery is a 422 (`webhook_url`) now.

HTTPS unless `allow_http`; a literal address or a `localhost` name that is loopback,
link-local, private or otherwise not globally routable, unless `[webhooks] allow_hosts`
lists it (the rule is `provisiond.schema.webhooks`, shared with the sender). Names are
not resolved here (DNS answers change; an API write should not wait on them): the sender
resolves and checks every attempt (`provisiond.events.targets`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provisiond.model.errors import InvalidError
from provisiond.schema import webhooks

if TYPE_CHECKING:
    from provisiond.config.settings import WebhooksSettings
    from provisiond.model.objects import Trigger


def _refused(host: str, settings: WebhooksSettings) -> bool:
    if webhooks.is_loopback_name(host):
        return host not in settings.allowed_names()
    address = webhooks.literal(host)
    return address is not None and not webhooks.allowed(address, host=host, settings=settings)


def check_trigger(trigger: Trigger, settings: WebhooksSettings, *, prefix: str = "") -> None:
    """Refuse a `webhook_url` the sender would refuse whatever DNS says."""
    field = f"{prefix}webhook_url"
    parts, host = webhooks.split(trigger.webhook_url)
    if parts.scheme != "https" and not trigger.allow_http:
        raise InvalidError("must be an https:// URL unless allow_http is true", field=field)
    if _refused(host, settings):
        raise InvalidError(
            f"{host} is a loopback, link-local or private address; "
            "list it in [webhooks] allow_hosts to allow it",
            field=field,
        )
