"""The registry of stored kinds: which tables hold each model class, and its row shape.

A `KindSpec` says how one model class is spread over a main table (one row per object,
keyed by `id`) and child tables (its lists, keyed by the owner's id). `rows.py` does
the generic reading and writing; `shapes.py` and `account_shape.py` know the shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Generic, TypeAlias, TypeVar, cast

from provisiond.model import objects
from provisiond.store import account_shape, shapes, tables

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    import sqlalchemy as sa
    from sqlalchemy.engine import RowMapping

    from provisiond.store.crypto import SecretColumns
    from provisiond.store.shapes import ChildRows, RowDict

Model: TypeAlias = (
    objects.AccountStatus
    | objects.AccountType
    | objects.AccountGroup
    | objects.UsagePolicy
    | objects.Service
    | objects.AddressList
    | objects.RadiusGroup
    | objects.Trigger
    | objects.Account
    | objects.ScheduledEvent
    | objects.Vacation
)
M = TypeVar("M", bound=Model)


@dataclass(frozen=True, slots=True)
class Child:
    table: sa.Table
    owner: str  # the column holding the owner's id


@dataclass(frozen=True, slots=True)
class KindSpec(Generic[M]):
    name: str  # plural kind name, as in the API, the import file and the audit log
    model: type[M]
    table: sa.Table
    to_rows: Callable[[M, SecretColumns], tuple[RowDict, ChildRows]]
    from_rows: Callable[[RowMapping, Mapping[str, Sequence[RowMapping]], SecretColumns], M]
    children: tuple[Child, ...] = ()


# Any: each spec is typed by its own class; the registry holds them side by side.
SPECS: Final[tuple[KindSpec[Any], ...]] = (  # dependency order: referenced kinds first
    KindSpec("account_statuses", objects.AccountStatus, tables.account_statuses,
             shapes.status_rows, shapes.status),
    KindSpec("account_types", objects.AccountType, tables.account_types,
             shapes.named_rows, shapes.account_type),
    KindSpec("account_groups", objects.AccountGroup, tables.account_groups,
             shapes.named_rows, shapes.account_group),
    KindSpec("usage_policies", objects.UsagePolicy, tables.usage_policies,
             shapes.policy_rows, shapes.policy,
             (Child(tables.usage_policy_free_periods, "usage_policy_id"),)),
    KindSpec("services", objects.Service, tables.services, shapes.service_rows, shapes.service),
    KindSpec("address_lists", objects.AddressList, tables.address_lists,
             shapes.list_rows, shapes.address_list,
             (Child(tables.address_list_filters, "owner_id"),)),
    KindSpec("radius_groups", objects.RadiusGroup, tables.radius_groups,
             shapes.rgroup_rows, shapes.radius_group,
             (Child(tables.radius_group_filters, "owner_id"),
              Child(tables.radius_group_replies, "radius_group_id"))),
    KindSpec("triggers", objects.Trigger, tables.triggers, shapes.trigger_rows, shapes.trigger),
    KindSpec("accounts", objects.Account, tables.accounts,
             account_shape.account_rows, account_shape.account,
             (Child(tables.account_group_members, "account_id"),
              Child(tables.account_services, "account_id"),
              Child(tables.ip_assignments, "account_id"),
              Child(tables.radius_accounts, "account_id"))),
    KindSpec("scheduled_events", objects.ScheduledEvent, tables.scheduled_events,
             shapes.event_rows, shapes.event),
    KindSpec("vacations", objects.Vacation, tables.vacations,
             shapes.vacation_rows, shapes.vacation),
)  # fmt: skip

BY_NAME: Final[dict[str, KindSpec[Any]]] = {spec.name: spec for spec in SPECS}
_BY_MODEL: Final[dict[type, KindSpec[Any]]] = {spec.model: spec for spec in SPECS}


def spec_of(kind: type[M]) -> KindSpec[M]:
    spec = _BY_MODEL.get(kind)
    if spec is None:
        raise TypeError(f"{kind.__name__} is not a stored kind")
    return cast("KindSpec[M]", spec)


def kind_name(obj: Model) -> str:
    return spec_of(type(obj)).name
