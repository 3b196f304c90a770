"""How the API writes: checked first, one at a time, and applied before it answers.

A write is refused before it reaches the store if the in-memory state could not take it
(a RADIUS group whose reply template does not compile), so the store never holds what
the daemon cannot apply. After the store commits, the handler waits for the daemon's
state to catch up (`ApiContext.wait_applied`), so the answer and every later read agree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from provisiond.config.settings import WebhooksSettings
from provisiond.model.errors import InvalidError
from provisiond.model.objects import RadiusGroup, Trigger
from provisiond.policy.errors import TemplateError
from provisiond.policy.templates import validate_template
from provisiond.status import keys, webhooks

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable

    from aiohttp import web

    from provisiond.model.objects import Dataset
    from provisiond.schema.kinds import ModelObject

T = TypeVar("T")


def actor(request: web.Request) -> str:
    """The audit name of the caller (the auth middleware has set it on every API path)."""
    return request[keys.PRINCIPAL].actor


def webhook_settings(request: web.Request) -> WebhooksSettings:
    return request.app[keys.API].webhooks()


def check(obj: ModelObject, *, prefix: str = "", hooks: WebhooksSettings | None = None) -> None:
    """Rules the schema cannot see but the policy engine needs; `prefix` locates `obj`.

    `hooks` is `[webhooks]`, for a trigger's URL (the defaults allow no internal target).
    """
    if isinstance(obj, Trigger):
        webhooks.check_trigger(obj, hooks or WebhooksSettings(), prefix=prefix)
    if isinstance(obj, RadiusGroup):
        for index, reply in enumerate(obj.replies):
            try:
                validate_template(reply.value)
            except TemplateError as exc:
                raise InvalidError(str(exc), field=f"{prefix}replies.{index}.value") from exc


def check_dataset(dataset: Dataset, *, hooks: WebhooksSettings | None = None) -> None:
    groups: Iterable[RadiusGroup] = dataset.radius_groups
    for index, group in enumerate(groups):
        check(group, prefix=f"radius_groups.{index}.")
    for index, trigger in enumerate(dataset.triggers):
        check(trigger, prefix=f"triggers.{index}.", hooks=hooks)


async def commit(request: web.Request, write: Callable[[], Awaitable[T]]) -> T:
    """Run `write` alone among API writes, then wait until the daemon has applied it."""
    api = request.app[keys.API]
    async with request.app[keys.WRITE_LOCK]:
        result = await write()
        await api.wait_applied()
    return result
