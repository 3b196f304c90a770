"""The create-time half of the webhook SSRF rules (DESIGN.md §6): a trigger whose
`webhook_url` could only be refused at delivery is a 422 (`webhook_url`) now.

HTTPS unless `allow_http`; no host that is not a canonical address (`127.1`); no literal
address or `localhost` name that is loopback, link-local, private or otherwise not
globally routable, unless `[webhooks] allow_hosts` lists it. The rule is
`provisiond.schema.webhooks.refusal`, shared with the sender. Names are not resolved
here (DNS answers change; an API write should not wait on them): the sender resolves and
checks every attempt (`provisiond.events.targets`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provisiond.model.errors import InvalidError
from provisiond.schema import webhooks

if TYPE_CHECKING:
    from provisiond.config.settings import WebhooksSettings
    from provisiond.model.objects import Trigger


def check_trigger(trigger: Trigger, settings: WebhooksSettings, *, prefix: str = "") -> None:
    """Refuse a `webhook_url` the sender would refuse whatever DNS says."""
    problem = webhooks.refusal(
        trigger.webhook_url, allow_http=trigger.allow_http, settings=settings
    )
    if problem is not None:
        raise InvalidError(problem, field=f"{prefix}webhook_url")
