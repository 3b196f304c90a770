"""What one account gets now: the `/api/v1/accounts/{id}/effective` body (DESIGN.md §7)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from provisiond.model.device_state import OutOfScope
from provisiond.policy import accounts

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from provisiond.model.device_state import AddressClash, AddressKey
    from provisiond.policy.accounts import AccountState
    from provisiond.policy.claims import ClaimTable
    from provisiond.policy.rates import Rate
    from provisiond.policy.replies import CompiledGroup
    from provisiond.policy.scope import Scope

Wanted = set[tuple[int, "AddressKey"]]


@dataclass(frozen=True, slots=True)
class Effective:
    """`address_lists`: per device that syncs address lists, the lists the account has an
    entry in there (empty when none). `radius_groups`: every group whose filter matches, in
    application order, ignoring the groups' NAS filter. `rate_limit`: the Mikrotik-Rate-Limit
    the account is given (its primary service's, else `default_rate` when it activates).
    `addresses`: all its canonical addresses. `clashes`: keys it shares with another account
    on a device. `out_of_scope`: addresses that only overlap a device's subnets."""

    address_lists: Mapping[str, tuple[str, ...]]
    radius_groups: tuple[str, ...]
    rate_limit: str | None
    addresses: tuple[str, ...]
    clashes: tuple[AddressClash, ...]
    out_of_scope: tuple[OutOfScope, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "address_lists": {device: list(names) for device, names in self.address_lists.items()},
            "radius_groups": list(self.radius_groups),
            "rate_limit": self.rate_limit,
            "addresses": list(self.addresses),
            "clashes": [
                {
                    "device": clash.device,
                    "family": clash.key[0],
                    "list": clash.key[1],
                    "address": clash.key[2],
                    "owner_account_id": clash.owner_account_id,
                    "loser_account_id": clash.loser_account_id,
                }
                for clash in self.clashes
            ],
            "out_of_scope": [{"device": o.device, "prefix": o.prefix} for o in self.out_of_scope],
        }


def build(
    state: AccountState,
    *,
    scopes: tuple[Scope, ...],
    tables: tuple[ClaimTable, ...],
    groups: Iterable[CompiledGroup],
    rate: Rate | None,
) -> Effective:
    """`groups`: the account's matching groups in order; `rate`: the one its replies carry."""
    wanted = set(accounts.claims(state))
    return Effective(
        address_lists=_lists_by_device(wanted, scopes),
        radius_groups=tuple(group.group.name for group in groups),
        rate_limit=None if rate is None else rate.mikrotik(),
        addresses=tuple(text for (_, text, _, _), _ in state.placed),
        clashes=_clashes(state.account.id, wanted, scopes, tables),
        out_of_scope=_out_of_scope(state, scopes),
    )


def _lists_by_device(wanted: Wanted, scopes: tuple[Scope, ...]) -> dict[str, tuple[str, ...]]:
    names: dict[int, set[str]] = {s.index: set() for s in scopes if s.device.address_lists}
    for index, (_, list_name, _) in wanted:
        names[index].add(list_name)
    return {scopes[index].device.name: tuple(sorted(found)) for index, found in names.items()}


def _clashes(
    account_id: int, wanted: Wanted, scopes: tuple[Scope, ...], tables: tuple[ClaimTable, ...]
) -> tuple[AddressClash, ...]:
    found: list[AddressClash] = []
    for index, key in sorted(wanted):
        if key in tables[index].contested:
            found.extend(
                clash
                for clash in tables[index].clashes_of(scopes[index].device.name, key)
                if account_id in (clash.owner_account_id, clash.loser_account_id)
            )
    return tuple(found)


def _out_of_scope(state: AccountState, scopes: tuple[Scope, ...]) -> tuple[OutOfScope, ...]:
    """Per device that syncs anything: the addresses it would take but that only overlap its
    subnets (session addresses only from the NAS devices it takes them from)."""
    fixed = [addr for addr, _ in state.fixed]
    found: list[OutOfScope] = []
    for scope in scopes:
        if not (scope.device.address_lists or scope.device.queues):
            continue
        sessions = (addr for nas, addr in state.sessions if nas in scope.sources)
        candidates = dict.fromkeys((*fixed, *sessions))
        found.extend(
            OutOfScope(scope.device.name, addr[1])
            for addr in candidates
            if scope.overlaps_only(addr)
        )
    return tuple(found)
