"""Incremental = full: after any sequence of changes, the engine answers exactly as a fresh
engine loaded with the final data, and each change's `Dirty` covers everything it moved."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisiond.model.device_state import SessionAddress
from provisiond.model.enums import ReplyOp
from provisiond.model.objects import (
    Account,
    AccountGroup,
    AccountStatus,
    AccountType,
    AddressList,
    Dataset,
    RadiusGroup,
    RadiusReply,
    Service,
    UsagePolicy,
)
from provisiond.policy.engine import Dirty, PolicyEngine, PolicySettings
from provisiond.policy.errors import UnknownAccountError
from tests.unit.policy.strategies import DEVICES, NAS, accounts, definitions, operations

if TYPE_CHECKING:
    from provisiond.policy.definitions import Definition

SETTINGS = PolicySettings(default_rate="1M/1M", reject_inactive=False)


@dataclass
class Model:
    """The data as a store would hold it after the same changes."""

    definitions: dict[tuple[type, int], Definition] = field(default_factory=dict)
    accounts: dict[int, Account] = field(default_factory=dict)
    sessions: dict[int, list[SessionAddress]] = field(default_factory=dict)
    over_cap: set[int] = field(default_factory=set)

    def apply(self, policy: PolicyEngine, op: tuple[Any, ...]) -> Dirty:
        name = op[0]
        if name == "put_account":
            self.accounts[op[1].id] = op[1]
            return policy.put_account(op[1])
        if name == "remove_account":
            self.accounts.pop(op[1], None)
            return policy.remove_account(op[1])
        if name == "put_definition":
            self.definitions[type(op[1]), op[1].id] = op[1]
            return policy.put_definition(op[1])
        if name == "remove_definition":
            self.definitions.pop((op[1], op[2]), None)
            return policy.remove_definition(op[1], op[2])
        if name == "set_sessions":
            found = [SessionAddress(op[1], s.nas, s.prefix) for s in op[2]]
            self.sessions[op[1]] = found
            return policy.set_sessions(op[1], found)
        (self.over_cap.add if op[2] else self.over_cap.discard)(op[1])
        return policy.set_over_cap(op[1], op[2])

    def dataset(self) -> Dataset:
        def of(kind: type) -> tuple[Any, ...]:
            return tuple(
                d for (k, _), d in sorted(self.definitions.items(), key=_order) if k is kind
            )

        return Dataset(
            account_statuses=of(AccountStatus),
            account_types=of(AccountType),
            account_groups=of(AccountGroup),
            usage_policies=of(UsagePolicy),
            services=of(Service),
            address_lists=of(AddressList),
            radius_groups=of(RadiusGroup),
            accounts=tuple(self.accounts.values()),
        )

    def fresh(self) -> PolicyEngine:
        policy = PolicyEngine(settings=SETTINGS, devices=DEVICES)
        live = [s for found in self.sessions.values() for s in found]
        policy.load(self.dataset(), sessions=live, over_cap=self.over_cap)
        return policy


def _order(item: tuple[tuple[type, int], object]) -> tuple[str, int]:
    return (item[0][0].__name__, item[0][1])


BASE: tuple[Definition, ...] = (
    AccountStatus(1, "active", activates_account=True),  # ops may change or remove these
    Service(1, "svc", 100_000, 20_000),
    AddressList(9, "everyone"),
    RadiusGroup(9, "base", priority=30, replies=(RadiusReply("Class", ReplyOp.APPEND, "base"),)),
)
USERNAMES = [f"u{n}" for n in range(1, 7)] + [f"02-00-00-00-00-0{n}" for n in range(1, 7)]


def snapshot(policy: PolicyEngine) -> dict[str, Any]:
    """Everything observable, keyed so a difference names what moved."""
    seen: dict[str, Any] = {}
    for device in policy.devices:
        desired = policy.desired(device)
        seen[f"device:{device}"] = (dict(desired.addresses), dict(desired.queues))
        # A new clash loser changes no entry, so no device sync: each account's
        # `effective` carries its clashes, and `account_ids` covers those.
        seen[f"clashes:{device}"] = policy.clashes(device)
    for username in USERNAMES:
        seen[f"user:{username}"] = tuple(policy.authorize(username, nas) for nas in NAS)
    for account_id in range(1, 7):
        try:
            seen[f"account:{account_id}"] = policy.effective(account_id)
        except UnknownAccountError:
            seen[f"account:{account_id}"] = None
    return seen


def moved(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    return {k for k in before if before[k] != after[k] and not k.startswith("clashes:")}


def covered(dirty: Dirty) -> set[str]:
    names = {f"device:{d}" for d in dirty.devices} | {f"account:{a}" for a in dirty.account_ids}
    for username in USERNAMES:
        if username in dirty.usernames or username.replace("-", ":") in dirty.usernames:
            names.add(f"user:{username}")
    return names


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(definitions, min_size=2, max_size=10),
    st.lists(accounts(), max_size=5),
    st.lists(operations, min_size=1, max_size=15),
)
def test_incremental_equals_full_and_dirty_covers_every_change(
    initial_definitions: list[Definition], initial_accounts: list[Account], ops: list[Any]
) -> None:
    model = Model()
    # A list and a group that match everyone (ops use ids 1-3 and never touch them), an
    # activating status and a service, so nearly every example has entries, clashes,
    # queues and replies to compare.
    for definition in BASE:
        model.definitions[type(definition), definition.id] = definition
    for definition in initial_definitions:
        model.definitions[type(definition), definition.id] = definition
    for account in initial_accounts:
        model.accounts[account.id] = account
    policy = model.fresh()
    before = snapshot(policy)
    for op in ops:
        dirty = model.apply(policy, op)
        after = snapshot(policy)
        assert moved(before, after) <= covered(dirty), op
        before = after
    assert before == snapshot(model.fresh())
