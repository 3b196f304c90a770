"""The eleven kinds of DESIGN.md §1/§3, keyed by their plural import key, in import order.

The order is the one an import document lists them in and the one a store should load
them in: definitions before the accounts that reference them, accounts before their
scheduled events and vacations.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Final, TypeAlias

from provisiond.model.objects import (
    Account,
    AccountGroup,
    AccountStatus,
    AccountType,
    AddressList,
    RadiusGroup,
    ScheduledEvent,
    Service,
    Trigger,
    UsagePolicy,
    Vacation,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

ModelObject: TypeAlias = (
    AccountStatus
    | AccountType
    | AccountGroup
    | UsagePolicy
    | Service
    | AddressList
    | RadiusGroup
    | Trigger
    | Account
    | ScheduledEvent
    | Vacation
)

KINDS: Final[Mapping[str, type[ModelObject]]] = MappingProxyType(
    {
        "account_statuses": AccountStatus,
        "account_types": AccountType,
        "account_groups": AccountGroup,
        "usage_policies": UsagePolicy,
        "services": Service,
        "address_lists": AddressList,
        "radius_groups": RadiusGroup,
        "triggers": Trigger,
        "accounts": Account,
        "scheduled_events": ScheduledEvent,
        "vacations": Vacation,
    }
)

_KIND_OF_CLASS: Final[Mapping[type[ModelObject], str]] = MappingProxyType(
    {cls: kind for kind, cls in KINDS.items()}
)


def kind_of(obj_or_class: ModelObject | type[ModelObject]) -> str:
    """The plural import key of a model object or class (`Account` → `"accounts"`)."""
    cls = obj_or_class if isinstance(obj_or_class, type) else type(obj_or_class)
    try:
        return _KIND_OF_CLASS[cls]
    except KeyError:
        raise TypeError(f"{cls.__name__} is not a kind of DESIGN.md §1") from None
