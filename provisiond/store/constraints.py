"""The model's integrity rules, checked in code so each error names its field.

The database has UNIQUE and foreign-key constraints as a backstop, but its errors name
a constraint, not the field an admin typed. These checks run inside the write
transaction against an `Index`: what is known to exist once the write is applied. For a
single write the index holds just the rows the object touches (see `lookups.py`); for
an import it holds every stored object overlaid with the imported ones, so a check
sees the union the import will leave behind. The checks themselves are pure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from provisiond.model import objects
from provisiond.model.enums import EventAction
from provisiond.model.errors import ConflictError, InvalidError
from provisiond.store.shapes import FILTER_FIELDS

if TYPE_CHECKING:
    from collections.abc import Iterator

    from provisiond.store.kinds import Model

LABELS: Final = {
    "account_statuses": "account status",
    "account_types": "account type",
    "account_groups": "account group",
    "usage_policies": "usage policy",
    "services": "service",
    "address_lists": "address list",
    "radius_groups": "RADIUS group",
    "triggers": "trigger",
    "accounts": "account",
    "scheduled_events": "scheduled event",
    "vacations": "vacation",
}
NAMED_KINDS: Final = frozenset(LABELS) - {"accounts", "scheduled_events", "vacations"}
STATUS_ACTIONS: Final = frozenset({EventAction.CHANGE_STATUS, EventAction.DISCONNECT})
SERVICE_ACTIONS: Final = frozenset(
    {EventAction.ADD_SERVICE, EventAction.REMOVE_SERVICE, EventAction.SWAP_SERVICE}
)
_FILTER_KINDS: Final = dict(
    zip(
        FILTER_FIELDS,
        ("account_statuses", "account_types", "account_groups", "services", "usage_policies"),
        strict=True,
    )
)


@dataclass(frozen=True, slots=True)
class Reference:
    field: str  # dotted path inside the object, e.g. "group_ids.1"
    kind: str  # the plural kind it must name
    id: int


@dataclass(slots=True)
class Index:
    """Ids, names and RADIUS usernames known to exist after the write."""

    ids: dict[str, set[int]] = field(default_factory=dict)
    names: dict[str, dict[str, int]] = field(default_factory=dict)
    usernames: dict[str, int] = field(default_factory=dict)  # username → account id

    def forget(self, kind: str, obj: Model) -> None:
        """Drop what a stored object held, because the write replaces it."""
        if kind in NAMED_KINDS and self.names.get(kind, {}).get(_name(obj)) == obj.id:
            del self.names[kind][_name(obj)]
        if isinstance(obj, objects.Account):
            for entry in obj.radius_accounts:
                if self.usernames.get(entry.username) == obj.id:
                    del self.usernames[entry.username]

    def claim(self, kind: str, obj: Model, *, prefix: str = "") -> None:
        """Record the object's id, name and usernames, refusing ones another object holds."""
        if kind in NAMED_KINDS:
            names = self.names.setdefault(kind, {})
            holder = names.get(_name(obj))
            if holder is not None and holder != obj.id:
                raise ConflictError(
                    f"the name {_name(obj)!r} is taken by {LABELS[kind]} {holder}",
                    field=f"{prefix}name",
                )
            names[_name(obj)] = obj.id
        if isinstance(obj, objects.Account):
            self._claim_usernames(obj, prefix=prefix)
        self.ids.setdefault(kind, set()).add(obj.id)

    def _claim_usernames(self, account: objects.Account, *, prefix: str) -> None:
        for position, entry in enumerate(account.radius_accounts):
            holder = self.usernames.get(entry.username)
            field_path = f"{prefix}radius_accounts.{position}.username"
            if holder is not None and holder != account.id:
                raise ConflictError(
                    f"the RADIUS username {entry.username!r} belongs to account {holder}",
                    field=field_path,
                )
            if any(e.username == entry.username for e in account.radius_accounts[:position]):
                raise ConflictError(
                    f"the RADIUS username {entry.username!r} is listed twice", field=field_path
                )
            self.usernames[entry.username] = account.id


def _name(obj: Model) -> str:
    name = getattr(obj, "name", None)
    if not isinstance(name, str):
        raise TypeError(f"{type(obj).__name__} has no name")
    return name


def check(
    obj: Model, index: Index, *, allow_multiple_data_services: bool, prefix: str = ""
) -> None:
    """Every rule one object must meet, given what will exist (`index`)."""
    _check_shape(obj, allow_multiple_data_services=allow_multiple_data_services, prefix=prefix)
    for ref in references(obj):
        if ref.id not in index.ids.get(ref.kind, set()):
            raise InvalidError(
                f"{LABELS[ref.kind]} {ref.id} does not exist", field=f"{prefix}{ref.field}"
            )


def _check_shape(obj: Model, *, allow_multiple_data_services: bool, prefix: str) -> None:
    if isinstance(obj, objects.Account):
        if len(obj.service_ids) > 1 and not allow_multiple_data_services:
            raise ConflictError(
                "an account has at most one data service ([model] allow_multiple_data_services)",
                field=f"{prefix}service_ids",
            )
        for position, service_id in enumerate(obj.service_ids):
            if service_id in obj.service_ids[:position]:
                raise InvalidError(
                    f"service {service_id} is listed twice", field=f"{prefix}service_ids.{position}"
                )
        if obj.parent_id is not None and obj.parent_id == obj.id:
            raise InvalidError("an account cannot be its own parent", field=f"{prefix}parent_id")
    if isinstance(obj, objects.ScheduledEvent):
        if obj.action in STATUS_ACTIONS | SERVICE_ACTIONS and obj.object_id is None:
            raise InvalidError(f"{obj.action.value} needs an object_id", field=f"{prefix}object_id")
        if obj.action is EventAction.SWAP_SERVICE and obj.replacement_id is None:
            raise InvalidError(
                "swap_service needs a replacement_id", field=f"{prefix}replacement_id"
            )


def references(obj: Model) -> list[Reference]:
    """The ids an object names, each with its field and the kind it must exist in."""
    return list(_references(obj))


def _references(obj: Model) -> Iterator[Reference]:  # noqa: C901 - one branch per kind
    if isinstance(obj, objects.Service) and obj.usage_policy_id is not None:
        yield Reference("usage_policy_id", "usage_policies", obj.usage_policy_id)
    elif isinstance(obj, objects.Account):
        yield from _account_references(obj)
    elif isinstance(obj, objects.AddressList | objects.RadiusGroup):
        for field_name, kind in _FILTER_KINDS.items():
            for position, ref_id in enumerate(sorted(getattr(obj.filter, field_name))):
                yield Reference(f"{field_name}.{position}", kind, ref_id)
    elif isinstance(obj, objects.ScheduledEvent):
        yield Reference("account_id", "accounts", obj.account_id)
        if obj.object_id is not None and obj.action in STATUS_ACTIONS:
            yield Reference("object_id", "account_statuses", obj.object_id)
        if obj.object_id is not None and obj.action in SERVICE_ACTIONS:
            yield Reference("object_id", "services", obj.object_id)
        if obj.replacement_id is not None:
            yield Reference("replacement_id", "services", obj.replacement_id)
    elif isinstance(obj, objects.Vacation):
        yield Reference("account_id", "accounts", obj.account_id)
        yield Reference("status_id", "account_statuses", obj.status_id)
        yield Reference("service_id", "services", obj.service_id)
        if obj.saved_status_id is not None:
            yield Reference("saved_status_id", "account_statuses", obj.saved_status_id)
        if obj.saved_service_id is not None:
            yield Reference("saved_service_id", "services", obj.saved_service_id)


def _account_references(account: objects.Account) -> Iterator[Reference]:
    yield Reference("status_id", "account_statuses", account.status_id)
    if account.type_id is not None:
        yield Reference("type_id", "account_types", account.type_id)
    # Group ids are a set; the API and the codec list them sorted, so positions match.
    for position, group_id in enumerate(sorted(account.group_ids)):
        yield Reference(f"group_ids.{position}", "account_groups", group_id)
    for position, service_id in enumerate(account.service_ids):
        yield Reference(f"service_ids.{position}", "services", service_id)
    if account.parent_id is not None:
        yield Reference("parent_id", "accounts", account.parent_id)
