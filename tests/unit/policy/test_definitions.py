"""Definition changes recompute only what uses them, and say exactly what moved."""

from __future__ import annotations

import dataclasses

import pytest

from provisiond.model.device_state import DeviceScope
from provisiond.model.enums import Delinquency, StatusClass, UsageClass
from provisiond.model.objects import (
    AccountGroup,
    AccountStatus,
    AccountType,
    AddressList,
    MembershipFilter,
    RadiusGroup,
    Service,
    UsagePolicy,
)
from provisiond.policy.auth import Accept, Reject, RejectReason
from provisiond.policy.engine import Dirty
from tests.unit.policy.factory import account, dataset, engine, reply

LATE = AddressList(1, "late", MembershipFilter(delinquency=Delinquency.DELINQUENT))
ACTIVE = AddressList(2, "active", MembershipFilter(account_status=StatusClass.ACTIVE))
DEVICES = (DeviceScope("core", queues=True),)


def sample() -> dict[str, object]:
    return {
        "address_lists": (LATE, ACTIVE),
        "accounts": (
            account(1, "100.64.0.1/32"),
            account(2, "100.64.0.2/32", delinquent=True),
            account(3, "100.64.0.3/32", service_ids=(2,)),
        ),
    }


def keys(device_keys: object) -> set[tuple[int, str, str]]:
    assert isinstance(device_keys, dict)
    return set(device_keys)


def test_a_list_change_moves_only_its_members() -> None:
    policy = engine(dataset(**sample()), devices=DEVICES)
    dirty = policy.put_definition(dataclasses.replace(LATE, name="overdue"))
    assert dirty == Dirty(frozenset({"core"}), frozenset(), frozenset({2}))
    assert set(policy.desired("core").addresses) == {
        (4, "overdue", "100.64.0.2"),
        (4, "active", "100.64.0.1"),
        (4, "active", "100.64.0.2"),
        (4, "active", "100.64.0.3"),
    }
    # An edit that moves nobody touches nothing.
    assert not policy.put_definition(dataclasses.replace(LATE, name="overdue", id=1))


def test_removing_a_list_removes_its_entries() -> None:
    policy = engine(dataset(**sample()))
    dirty = policy.remove_definition(AddressList, 2)
    assert dirty.devices == {"core"}
    assert dirty.account_ids == {1, 2, 3}
    assert set(policy.desired("core").addresses) == {(4, "late", "100.64.0.2")}


def test_a_group_change_drops_only_its_members_replies() -> None:
    group = RadiusGroup(1, "late", LATE.filter, replies=(reply("Class", "=", "late"),))
    policy = engine(dataset(radius_groups=(group,), **sample()))
    dirty = policy.put_definition(dataclasses.replace(group, replies=()))
    assert dirty == Dirty(frozenset(), frozenset({"user2"}), frozenset({2}))
    dirty = policy.put_definition(dataclasses.replace(group, filter=MembershipFilter()))
    assert dirty.usernames == {"user1", "user2", "user3"}
    assert dirty.devices == frozenset()


def test_a_status_change_recomputes_accounts_with_that_status() -> None:
    policy = engine(dataset(**sample()), devices=DEVICES)
    assert set(policy.desired("core").queues) == {"provisiond-1", "provisiond-2", "provisiond-3"}
    dirty = policy.put_definition(AccountStatus(1, "Active", activates_account=False))
    assert dirty.devices == {"core"}
    assert dirty.account_ids == {1, 2, 3}
    assert policy.desired("core").queues == {}
    assert policy.authorize("user1", "core") == Reject(RejectReason.INACTIVE)
    assert not policy.put_definition(AccountStatus(3, "Unused", activates_account=False))


def test_a_service_change_recomputes_its_primary_accounts_only() -> None:
    policy = engine(dataset(**sample()), devices=DEVICES)
    dirty = policy.put_definition(Service(2, "slow", 2_000, 1_000))
    assert dirty.account_ids == {3}
    assert dirty.usernames == {"user3"}
    assert policy.desired("core").queues["provisiond-3"].max_limit == "1000000/2000000"
    answer = policy.authorize("user3", "core")
    assert isinstance(answer, Accept)
    assert ("Mikrotik-Rate-Limit", "1M/2M") in answer.attributes


def test_a_usage_policy_gives_a_cap_and_so_over_cap_matters() -> None:
    throttled = AddressList(3, "throttled", MembershipFilter(usage=UsageClass.OVER_CAP))
    capped = Service(1, "capped", 100_000, 20_000, usage_policy_id=5)
    data = dataset(
        services=(capped,), address_lists=(throttled,), accounts=(account(1, "100.64.0.1/32"),)
    )
    policy = engine(data)
    assert not policy.set_over_cap(1, over=True).devices  # no such policy yet: no cap
    dirty = policy.put_definition(UsagePolicy(5, "100 GB", 100))
    assert dirty.devices == {"core"}
    assert set(policy.desired("core").addresses) == {(4, "throttled", "100.64.0.1")}
    assert policy.set_over_cap(1, over=False).devices == {"core"}
    assert not policy.desired("core").addresses


def test_names_only_definitions_change_nothing() -> None:
    policy = engine(dataset(**sample()))
    assert not policy.put_definition(AccountType(1, "Residential"))
    assert not policy.put_definition(AccountGroup(1, "Tower 1"))
    assert not policy.remove_definition(AccountGroup, 1)


def test_an_unknown_definition_kind_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        engine().remove_definition(int, 1)  # type: ignore[arg-type]


def test_load_reports_what_was_and_what_is() -> None:
    policy = engine(dataset(**sample()))
    dirty = policy.load(dataset(accounts=(account(9, username="new"),)))
    assert dirty.devices == {"core"}
    assert dirty.account_ids == {1, 2, 3, 9}
    assert dirty.usernames == {"user1", "user2", "user3", "new"}


def test_dirty_combines_and_is_false_when_empty() -> None:
    assert not Dirty()
    combined = Dirty(frozenset({"a"})) | Dirty(
        usernames=frozenset({"u"}), account_ids=frozenset({1})
    )
    assert combined == Dirty(frozenset({"a"}), frozenset({"u"}), frozenset({1}))
    assert combined


def test_removing_an_unknown_account_changes_nothing() -> None:
    assert not engine(dataset()).remove_account(42)
    assert not engine(dataset()).set_sessions(42, [])
