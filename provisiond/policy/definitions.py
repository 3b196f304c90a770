"""The definitions the membership rule and the replies read, held by id."""

from __future__ import annotations

from typing import Any, TypeAlias

from provisiond.model.objects import (
    AccountGroup,
    AccountStatus,
    AccountType,
    AddressList,
    RadiusGroup,
    Service,
    UsagePolicy,
)
from provisiond.policy.rates import Rate
from provisiond.policy.replies import CompiledGroup, compile_group

Definition: TypeAlias = (
    AccountStatus | AccountType | AccountGroup | UsagePolicy | Service | AddressList | RadiusGroup
)
DEFINITION_KINDS: tuple[type[Definition], ...] = (
    AccountStatus,
    AccountType,
    AccountGroup,
    UsagePolicy,
    Service,
    AddressList,
    RadiusGroup,
)


class Definitions:
    """Plain tables; what a change means for accounts is the engine's business."""

    __slots__ = (
        "account_groups",
        "account_types",
        "lists",
        "policies",
        "radius_groups",
        "rates",
        "services",
        "statuses",
    )

    def __init__(self) -> None:
        self.statuses: dict[int, AccountStatus] = {}
        self.account_types: dict[int, AccountType] = {}
        self.account_groups: dict[int, AccountGroup] = {}
        self.policies: dict[int, UsagePolicy] = {}
        self.services: dict[int, Service] = {}
        self.rates: dict[int, Rate] = {}  # one shared Rate per service, not one per account
        self.lists: dict[int, AddressList] = {}
        self.radius_groups: dict[int, CompiledGroup] = {}

    def activates(self, status_id: int) -> bool:
        """An unknown status (deleted under an account) does not activate."""
        status = self.statuses.get(status_id)
        return status is not None and status.activates_account

    def rate_of(self, service_id: int | None) -> Rate | None:
        return None if service_id is None else self.rates.get(service_id)

    def put(self, obj: Definition) -> None:
        """Raises `TemplateError` for a RADIUS group whose reply values do not compile."""
        match obj:
            case RadiusGroup():
                self.radius_groups[obj.id] = compile_group(obj)
            case Service():
                self.services[obj.id] = obj
                self.rates[obj.id] = Rate.of_service(obj)
            case _:
                self._table(type(obj))[obj.id] = obj

    def remove(self, kind: type[Definition], definition_id: int) -> None:
        if kind is Service:
            self.rates.pop(definition_id, None)
        self._table(kind).pop(definition_id, None)

    def _table(self, kind: type[Definition]) -> dict[int, Any]:
        tables: dict[type[Definition], dict[int, Any]] = {
            AccountStatus: self.statuses,
            AccountType: self.account_types,
            AccountGroup: self.account_groups,
            UsagePolicy: self.policies,
            Service: self.services,
            AddressList: self.lists,
            RadiusGroup: self.radius_groups,
        }
        try:
            return tables[kind]
        except KeyError:
            raise TypeError(
                f"{kind.__name__} is not a definition the policy engine holds"
            ) from None
