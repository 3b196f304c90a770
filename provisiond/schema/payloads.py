"""pydantic shapes of the simple kinds of DESIGN.md §1, and the base every payload shares.

A payload is validated field by field by pydantic (strict types, unknown fields refused),
then `build()` applies the rules that span fields and returns the frozen model value.
Rules that span fields raise `InvalidError` naming the field to fix, because a pydantic
model validator could only name the whole object.

No `from __future__ import annotations` here: pydantic reads these annotations at runtime.
"""

from abc import abstractmethod
from dataclasses import dataclass
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from provisiond.model.enums import TriggerEvent, Weekday
from provisiond.model.errors import InvalidError
from provisiond.model.objects import (
    AccountGroup,
    AccountStatus,
    AccountType,
    Burst,
    FreePeriod,
    Service,
    Trigger,
    UsagePolicy,
)
from provisiond.model.secret import Secret
from provisiond.schema.fields import (
    EndMinute,
    Id,
    Kbps,
    Name,
    NonEmptyStr,
    Seconds,
    StartMinute,
    WebhookUrl,
)
from provisiond.schema.kinds import ModelObject


@dataclass(frozen=True, slots=True, kw_only=True)
class Mode:
    """What the caller allows beyond an API create.

    `read_only_allowed`: import and merge patch carry whole objects, read-only fields too.
    `passwords_required`: an API create or patch must give each new "password" entry its
    password; an import may omit it and let the store keep the stored one.
    """

    read_only_allowed: bool
    passwords_required: bool


class Shape(BaseModel):
    """Strict JSON: no coercion from strings or bools, no unknown fields.

    Enum fields say `Field(strict=False)`: strict mode would want enum instances where JSON
    has strings, and lax enum validation still accepts only the exact values.
    """

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Payload(Shape):
    """A top-level object. `id` absent means "the store assigns one" (built as 0)."""

    read_only: ClassVar[frozenset[str]] = frozenset()

    id: Id | None = None

    @property
    def id_or_zero(self) -> int:
        return 0 if self.id is None else self.id

    @abstractmethod
    def build(self, mode: Mode) -> ModelObject:
        """The model value; raises `InvalidError` for rules that span fields."""


class AccountStatusIn(Payload):
    name: Name
    activates_account: StrictBool

    def build(self, mode: Mode) -> AccountStatus:  # noqa: ARG002 - one signature for all kinds
        return AccountStatus(self.id_or_zero, self.name, self.activates_account)


class AccountTypeIn(Payload):
    name: Name

    def build(self, mode: Mode) -> AccountType:  # noqa: ARG002 - one signature for all kinds
        return AccountType(self.id_or_zero, self.name)


class AccountGroupIn(Payload):
    name: Name

    def build(self, mode: Mode) -> AccountGroup:  # noqa: ARG002 - one signature for all kinds
        return AccountGroup(self.id_or_zero, self.name)


class FreePeriodIn(Shape):
    day: Annotated[Weekday, Field(strict=False)]
    start: StartMinute
    end: EndMinute

    def build(self) -> FreePeriod:
        return FreePeriod(self.day, self.start, self.end)


class UsagePolicyIn(Payload):
    name: Name
    cap_gb: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    free_periods: list[FreePeriodIn] = Field(default_factory=list)

    def build(self, mode: Mode) -> UsagePolicy:  # noqa: ARG002 - one signature for all kinds
        periods = tuple(p.build() for p in self.free_periods)
        return UsagePolicy(self.id_or_zero, self.name, float(self.cap_gb), periods)


class BurstIn(Shape):
    download_kbps: Kbps
    upload_kbps: Kbps
    threshold_download_kbps: Kbps
    threshold_upload_kbps: Kbps
    seconds: Seconds

    def build(self) -> Burst:
        return Burst(
            download_kbps=self.download_kbps,
            upload_kbps=self.upload_kbps,
            threshold_download_kbps=self.threshold_download_kbps,
            threshold_upload_kbps=self.threshold_upload_kbps,
            seconds=self.seconds,
        )


class ServiceIn(Payload):
    name: Name
    download_kbps: Kbps
    upload_kbps: Kbps
    burst: BurstIn | None = None
    usage_policy_id: Id | None = None

    def build(self, mode: Mode) -> Service:  # noqa: ARG002 - one signature for all kinds
        return Service(
            id=self.id_or_zero,
            name=self.name,
            download_kbps=self.download_kbps,
            upload_kbps=self.upload_kbps,
            burst=None if self.burst is None else self.burst.build(),
            usage_policy_id=self.usage_policy_id,
        )


MAX_PERCENT = 1000


class TriggerIn(Payload):
    name: Name
    event: Annotated[TriggerEvent, Field(strict=False)]
    percent: Annotated[float, Field(gt=0, le=MAX_PERCENT, allow_inf_nan=False)] | None = None
    webhook_url: WebhookUrl
    secret: NonEmptyStr | None = None
    allow_http: StrictBool = False

    def build(self, mode: Mode) -> Trigger:  # noqa: ARG002 - one signature for all kinds
        usage = self.event is TriggerEvent.ACCOUNT_USAGE_THRESHOLD
        if usage and self.percent is None:
            raise InvalidError("required for account.usage_threshold", field="percent")
        if not usage and self.percent is not None:
            raise InvalidError("only account.usage_threshold takes a percent", field="percent")
        # The scheme rule needs only this object; where the host may be is the SSRF policy's.
        if self.webhook_url.lower().startswith("http:") and not self.allow_http:
            raise InvalidError("must be https:// unless allow_http is true", field="webhook_url")
        return Trigger(
            id=self.id_or_zero,
            name=self.name,
            event=self.event,
            webhook_url=self.webhook_url,
            percent=None if self.percent is None else float(self.percent),
            secret=None if self.secret is None else Secret(self.secret),
            allow_http=self.allow_http,
        )
