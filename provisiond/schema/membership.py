"""pydantic shapes of address lists and RADIUS groups (DESIGN.md §1).

Both carry the membership filter flat at the top level of their JSON; the model keeps it
as one `MembershipFilter`. No `from __future__ import annotations`: pydantic reads these.
"""

from typing import Annotated

from pydantic import Field, StrictBool, StrictStr

from provisiond.model.enums import Delinquency, ReplyOp, StatusClass, UsageClass
from provisiond.model.errors import InvalidError
from provisiond.model.objects import AddressList, MembershipFilter, RadiusGroup, RadiusReply
from provisiond.schema.fields import Id, Int64, ListName, Name
from provisiond.schema.payloads import Mode, Payload, Shape


class FilterPayload(Payload):
    account_status: Annotated[StatusClass, Field(strict=False)] = StatusClass.ALL
    delinquency: Annotated[Delinquency, Field(strict=False)] = Delinquency.ALL
    status_ids: list[Id] = Field(default_factory=list)
    type_ids: list[Id] = Field(default_factory=list)
    group_ids: list[Id] = Field(default_factory=list)
    service_ids: list[Id] = Field(default_factory=list)
    usage_policy_ids: list[Id] = Field(default_factory=list)
    usage: Annotated[UsageClass, Field(strict=False)] = UsageClass.ALL
    devices: list[Name] = Field(default_factory=list)

    def membership(self) -> MembershipFilter:
        # The id filters are sets: a repeated id is harmless and not worth a 422.
        return MembershipFilter(
            account_status=self.account_status,
            delinquency=self.delinquency,
            status_ids=frozenset(self.status_ids),
            type_ids=frozenset(self.type_ids),
            group_ids=frozenset(self.group_ids),
            service_ids=frozenset(self.service_ids),
            usage_policy_ids=frozenset(self.usage_policy_ids),
            usage=self.usage,
        )

    def device_names(self) -> tuple[str, ...]:
        seen: set[str] = set()
        for index, name in enumerate(self.devices):
            if name in seen:
                raise InvalidError(f"device {name!r} is listed twice", field=f"devices.{index}")
            seen.add(name)
        return tuple(self.devices)


class AddressListIn(FilterPayload):
    name: ListName

    def build(self, mode: Mode) -> AddressList:  # noqa: ARG002 - one signature for all kinds
        return AddressList(
            id=self.id_or_zero,
            name=self.name,
            filter=self.membership(),
            devices=self.device_names(),
        )


class ReplyIn(Shape):
    attribute: Name
    op: Annotated[ReplyOp, Field(strict=False)]
    value: StrictStr

    def build(self) -> RadiusReply:
        return RadiusReply(self.attribute, self.op, self.value)


DEFAULT_PRIORITY = 100


class RadiusGroupIn(FilterPayload):
    name: Name
    priority: Int64 = DEFAULT_PRIORITY
    fall_through: StrictBool = True
    replies: list[ReplyIn] = Field(default_factory=list)

    def build(self, mode: Mode) -> RadiusGroup:  # noqa: ARG002 - one signature for all kinds
        return RadiusGroup(
            id=self.id_or_zero,
            name=self.name,
            filter=self.membership(),
            devices=self.device_names(),
            priority=self.priority,
            fall_through=self.fall_through,
            replies=tuple(r.build() for r in self.replies),
        )
