"""Which trigger events an account change raises (DESIGN.md §6): the one place that
compares an account before and after.

Pure: the trigger engine feeds it the versions the audit log recorded and the statuses
(for "activates account"); it returns each event with its `data`, `{before, after}` of
the fields that changed (`before` is null for a new account). A deleted account raises
nothing: there is no event for it, and its services and addresses did not change, the
account went away.

`account.activated` is a candidate here (first move into an activating status of an
account that was never activated); the engine confirms it against the stored
`activated_at`, which is what makes it fire once per account ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from provisiond.model.enums import TriggerEvent

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from provisiond.model.objects import Account, AccountStatus

    Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Fired:
    event: TriggerEvent
    data: dict[str, Any]


def _activates(status_id: int, statuses: Mapping[int, AccountStatus]) -> bool:
    status = statuses.get(status_id)
    return status is not None and status.activates_account


def _radius_addresses(account: Account) -> list[Json]:
    """The static addresses of the RADIUS entries that have any, by username."""
    found = []
    for entry in account.radius_accounts:
        addresses = {
            "framed_ip": entry.framed_ip,
            "framed_ipv6_prefix": entry.framed_ipv6_prefix,
            "delegated_ipv6_prefix": entry.delegated_ipv6_prefix,
        }
        if any(value is not None for value in addresses.values()):
            texts = {name: None if v is None else str(v) for name, v in addresses.items()}
            found.append({"username": entry.username, **texts})
    return found


def _fields(account: Account) -> Json:
    """The compared fields, in their API spelling."""
    return {
        "status_id": account.status_id,
        "delinquent": account.delinquent,
        "service_ids": list(account.service_ids),
        # The account's own addresses; session addresses come and go with sessions.
        "ip_assignments": [str(prefix) for prefix in account.ip_assignments],
        "radius_addresses": _radius_addresses(account),
    }


def _change(before: Json | None, after: Json, names: tuple[str, ...]) -> Json | None:
    """`{before, after}` of those of `names` that changed, or None if none did.

    For a new account (`before` None) the fields that are set count as changed.
    """
    if before is None:
        changed = [name for name in names if after[name]]
    else:
        changed = [name for name in names if before[name] != after[name]]
    if not changed:
        return None
    return {
        "before": None if before is None else {name: before[name] for name in changed},
        "after": {name: after[name] for name in changed},
    }


def _activated(
    before: Account | None, after: Account, statuses: Mapping[int, AccountStatus]
) -> Json | None:
    if after.activated_at is not None or (before is not None and before.activated_at):
        return None
    if not _activates(after.status_id, statuses):
        return None
    if before is not None and _activates(before.status_id, statuses):
        return None
    return {
        "before": None if before is None else {"status_id": before.status_id},
        "after": {"status_id": after.status_id},
    }


def _delinquency(before: Json | None, after: Json, *, now: bool) -> Json | None:
    """Delinquency became `now`; a new account can become delinquent, not cleared."""
    was = False if before is None else before["delinquent"]
    if after["delinquent"] is not now or was is now:
        return None
    return {
        "before": None if before is None else {"delinquent": was},
        "after": {"delinquent": now},
    }


_COMPARED: tuple[tuple[TriggerEvent, Callable[[Json | None, Json], Json | None]], ...] = (
    (TriggerEvent.ACCOUNT_STATUS_CHANGED, lambda b, a: _change(b, a, ("status_id",))),
    (TriggerEvent.ACCOUNT_DELINQUENT, lambda b, a: _delinquency(b, a, now=True)),
    (TriggerEvent.ACCOUNT_DELINQUENCY_CLEARED, lambda b, a: _delinquency(b, a, now=False)),
    (TriggerEvent.ACCOUNT_SERVICES_CHANGED, lambda b, a: _change(b, a, ("service_ids",))),
    (
        TriggerEvent.ACCOUNT_ADDRESSES_CHANGED,
        lambda b, a: _change(b, a, ("ip_assignments", "radius_addresses")),
    ),
)


def _compared(before: Json | None, after: Json) -> Iterator[Fired]:
    for event, compare in _COMPARED:
        data = compare(before, after)
        if data is not None:
            yield Fired(event, data)


def events_for(
    before: Account | None, after: Account | None, statuses: Mapping[int, AccountStatus]
) -> list[Fired]:
    """The events of one account change, `account.activated` first."""
    if after is None:
        return []
    fired: list[Fired] = []
    activated = _activated(before, after, statuses)
    if activated is not None:
        fired.append(Fired(TriggerEvent.ACCOUNT_ACTIVATED, activated))
    fired.extend(_compared(None if before is None else _fields(before), _fields(after)))
    return fired
