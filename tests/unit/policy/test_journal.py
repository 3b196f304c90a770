"""The per-device journal (`take_changes`): after any changes it names every address key
whose owner moved and every queue whose entry moved, and a take clears it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisiond.model.objects import AddressList
from provisiond.policy.claims import Changes
from tests.unit.policy import factory
from tests.unit.policy.strategies import DEVICES, accounts, definitions, operations
from tests.unit.policy.test_incremental import BASE, Model

if TYPE_CHECKING:
    from provisiond.model.objects import Account
    from provisiond.policy.definitions import Definition
    from provisiond.policy.engine import PolicyEngine


def owners(policy: PolicyEngine, device: str) -> dict[Any, int]:
    return {key: entry.account_id for key, entry in policy.desired(device).addresses.items()}


def moved_keys(before: dict[Any, Any], after: dict[Any, Any]) -> set[Any]:
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(definitions, min_size=2, max_size=10),
    st.lists(accounts(), max_size=5),
    st.lists(st.lists(operations, min_size=0, max_size=5), min_size=1, max_size=4),
)
def test_journal_covers_every_moved_key_and_a_take_clears_it(
    initial_definitions: list[Definition], initial_accounts: list[Account], batches: list[Any]
) -> None:
    model = Model()
    for definition in (*BASE, *initial_definitions):
        model.definitions[type(definition), definition.id] = definition
    for account in initial_accounts:
        model.accounts[account.id] = account
    policy = model.fresh()
    devices = [scope.name for scope in DEVICES]
    for device in devices:  # a loaded engine: everything moved
        assert policy.take_changes(device) == Changes(full=True)
        assert policy.take_changes(device) == Changes()
    for ops in batches:
        before = {d: (owners(policy, d), dict(policy.desired(d).queues)) for d in devices}
        for op in ops:
            model.apply(policy, op)
        for device in devices:
            changes = policy.take_changes(device)
            assert not changes.full
            addresses, queues = before[device]
            assert moved_keys(addresses, owners(policy, device)) <= changes.addresses
            assert moved_keys(queues, dict(policy.desired(device).queues)) <= changes.queues
            assert not policy.take_changes(device)


def test_load_marks_the_journal_full() -> None:
    model = Model()
    for definition in BASE:
        model.definitions[type(definition), definition.id] = definition
    policy = model.fresh()
    device = DEVICES[0].name
    policy.take_changes(device)
    policy.load(model.dataset())
    assert policy.take_changes(device).full
    assert not policy.take_changes(device)


def test_desired_view_shows_the_engine_without_copying() -> None:
    everyone = AddressList(1, "subscribers")
    policy = factory.engine(
        factory.dataset(address_lists=(everyone,), accounts=(factory.account(1, "100.64.0.1/32"),))
    )
    policy.take_changes("core")
    view = policy.desired_view("core")
    assert dict(view.addresses) == dict(policy.desired("core").addresses)
    policy.put_account(factory.account(2, "100.64.0.2/32"))
    assert (4, "subscribers", "100.64.0.2") in view.addresses  # live: no copy
    assert view.addresses[4, "subscribers", "100.64.0.2"].account_id == 2
    assert policy.take_changes("core") == Changes(
        frozenset({(4, "subscribers", "100.64.0.2")}), frozenset()
    )
