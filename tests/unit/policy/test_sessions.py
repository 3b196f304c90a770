"""Accounting's hot path into the engine: `set_sessions`, and which usernames a change names.

A username left out of `Dirty.usernames` keeps its cached RADIUS reply (radius/decisions.py),
so leaving one out wrongly is a user stuck with an old reply; naming one needlessly costs a
reply rebuilt. Session addresses are read by no reply, so `set_sessions` names none, and a
session that moves no entry (on the account's own address) returns an empty `Dirty`.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisiond.model.device_state import DeviceScope, SessionAddress
from provisiond.model.enums import UsageClass
from provisiond.model.objects import (
    AccountStatus,
    AddressList,
    MembershipFilter,
    RadiusAccount,
    RadiusGroup,
    Service,
    UsagePolicy,
)
from provisiond.policy.engine import Dirty
from tests.unit.policy import factory
from tests.unit.policy.factory import account, dataset, engine, net, reply
from tests.unit.policy.strategies import (
    NAS,
    accounts,
    definitions,
    operations,
    radius_groups,
    services,
    sessions,
)
from tests.unit.policy.test_incremental import BASE, Model, covered, moved, snapshot

if TYPE_CHECKING:
    from provisiond.model.objects import Account
    from provisiond.policy.definitions import Definition
    from provisiond.policy.engine import PolicyEngine

EVERYONE = AddressList(1, "subscribers")
STATIC = "100.64.0.10/32"
POOL = "100.64.0.200/32"
CAPPED = Service(3, "capped", download_kbps=100_000, upload_kbps=20_000, usage_policy_id=1)
SLOW_WHEN_OVER = RadiusGroup(
    1,
    "over-cap",
    MembershipFilter(usage=UsageClass.OVER_CAP),
    replies=(reply("Mikrotik-Rate-Limit", ":=", "1M/1M"),),
)
# Stored spellings, as `Dirty.usernames` names them (strategies.accounts makes these).
STORED_USERNAMES = [f"u{n}" for n in range(1, 7)] + [f"02:00:00:00:00:0{n}" for n in range(1, 7)]


def session(account_id: int, prefix: str, nas: str = "core") -> tuple[SessionAddress, ...]:
    return (SessionAddress(account_id, nas, net(prefix)),)


def loaded(
    *parts: Account, devices: tuple[DeviceScope, ...] = (DeviceScope("core"),)
) -> PolicyEngine:
    """An engine with its first journal taken, so a later take shows only what moved."""
    policy = engine(dataset(address_lists=(EVERYONE,), accounts=parts), devices=devices)
    for device in policy.devices:
        policy.take_changes(device)
    return policy


# -- set_sessions --------------------------------------------------------------------------


def test_a_session_on_a_fixed_address_moves_nothing() -> None:
    framed = RadiusAccount("user1", framed_ip=ipaddress.IPv4Address("100.64.0.11"))
    policy = loaded(account(1, STATIC, radius_accounts=(framed,)))
    before = (policy.desired("core"), policy.effective(1))
    for prefix in (STATIC, "100.64.0.11/32"):  # an ip_assignment; a RADIUS framed IP
        assert policy.set_sessions(1, session(1, prefix)) == Dirty()
        assert policy.set_sessions(1, ()) == Dirty()
    assert (policy.desired("core"), policy.effective(1)) == before
    assert not policy.take_changes("core")


def test_a_pool_address_adds_and_removes_its_entries_and_names_no_username() -> None:
    policy = loaded(account(1, STATIC))
    before = policy.desired("core")

    started = policy.set_sessions(1, session(1, POOL))
    assert started == Dirty(frozenset({"core"}), frozenset(), frozenset({1}))
    assert (4, "subscribers", "100.64.0.200") in policy.desired("core").addresses
    assert policy.effective(1).addresses == ("100.64.0.10", "100.64.0.200")
    assert policy.take_changes("core").addresses == {(4, "subscribers", "100.64.0.200")}

    assert policy.set_sessions(1, session(1, POOL)) == Dirty()  # the same address again
    stopped = policy.set_sessions(1, ())
    assert stopped == Dirty(frozenset({"core"}), frozenset(), frozenset({1}))
    assert policy.desired("core") == before
    assert policy.take_changes("core").addresses == {(4, "subscribers", "100.64.0.200")}


def test_a_session_moving_to_another_address_swaps_only_its_entries() -> None:
    policy = loaded(account(1, STATIC))
    policy.set_sessions(1, session(1, POOL))
    policy.take_changes("core")
    moved_to = policy.set_sessions(1, session(1, "100.64.0.201/32"))
    assert moved_to.devices == {"core"}
    assert not moved_to.usernames
    assert policy.take_changes("core").addresses == {
        (4, "subscribers", "100.64.0.200"),
        (4, "subscribers", "100.64.0.201"),
    }
    assert set(policy.desired("core").addresses) == {
        (4, "subscribers", "100.64.0.10"),
        (4, "subscribers", "100.64.0.201"),
    }


def test_a_session_no_device_takes_changes_only_effective() -> None:
    """A NAS no device takes sessions from: no entry, but `/effective` lists the address."""
    policy = loaded(account(1, STATIC))
    assert policy.set_sessions(1, session(1, POOL, nas="elsewhere")) == Dirty(
        account_ids=frozenset({1})
    )
    assert policy.effective(1).addresses == ("100.64.0.10", "100.64.0.200")
    assert not policy.take_changes("core")


def test_the_same_address_from_another_nas_may_change_out_of_scope() -> None:
    devices = (DeviceScope("edge", subnets=(net("100.64.0.0/25"),), session_sources=("a",)),)
    policy = loaded(account(1, STATIC), devices=devices)
    wide = "100.64.0.0/24"  # only overlaps the edge's subnet
    assert policy.set_sessions(1, session(1, wide, nas="b")) == Dirty(account_ids=frozenset({1}))
    assert policy.effective(1).out_of_scope == ()
    assert policy.set_sessions(1, session(1, wide, nas="a")) == Dirty(account_ids=frozenset({1}))
    assert [o.prefix for o in policy.effective(1).out_of_scope] == [wide]


def test_a_session_on_another_accounts_address_is_a_clash_not_a_device_change() -> None:
    policy = loaded(account(1, STATIC), account(2, "100.64.0.20/32"))
    dirty = policy.set_sessions(2, session(2, STATIC))
    assert dirty == Dirty(account_ids=frozenset({1, 2}))  # the owner stays account 1
    assert [(c.owner_account_id, c.loser_account_id) for c in policy.clashes("core")] == [(1, 2)]
    assert policy.set_sessions(2, ()) == Dirty(account_ids=frozenset({1, 2}))
    assert policy.clashes("core") == ()


def test_sessions_of_an_unknown_account_wait_for_it() -> None:
    policy = loaded()
    assert policy.set_sessions(1, session(1, POOL)) == Dirty()
    added = policy.put_account(account(1, STATIC))
    assert (4, "subscribers", "100.64.0.200") in policy.desired("core").addresses
    assert added.usernames == {"user1"}


def test_a_recompute_keeps_the_session_addresses() -> None:
    policy = loaded(account(1, STATIC))
    policy.set_sessions(1, session(1, POOL))
    policy.put_account(account(1, STATIC, delinquent=True))
    assert (4, "subscribers", "100.64.0.200") in policy.desired("core").addresses
    policy.set_sessions(1, ())
    assert set(policy.desired("core").addresses) == {(4, "subscribers", "100.64.0.10")}


# -- which usernames a recompute names ------------------------------------------------------


def capped_engine(*groups: RadiusGroup) -> PolicyEngine:
    over_cap_list = AddressList(2, "over-cap", MembershipFilter(usage=UsageClass.OVER_CAP))
    data = dataset(
        services=(factory.TIER_100, CAPPED),
        usage_policies=(UsagePolicy(1, "100 GB", 100),),
        address_lists=(EVERYONE, over_cap_list),
        radius_groups=groups,
        accounts=(account(1, STATIC, service_ids=(3,)), account(2, "100.64.0.20/32")),
    )
    return engine(data)


def test_over_cap_names_the_usernames_when_a_group_follows_usage() -> None:
    policy = capped_engine(SLOW_WHEN_OVER)
    before = policy.authorize("user1", "core")
    dirty = policy.set_over_cap(1, over=True)
    assert dirty.usernames == {"user1"}
    assert policy.authorize("user1", "core") != before


def test_over_cap_names_no_username_when_no_reply_follows_usage() -> None:
    policy = capped_engine()
    dirty = policy.set_over_cap(1, over=True)
    assert dirty.devices == {"core"}  # the over-cap list does follow it
    assert not dirty.usernames
    assert policy.set_over_cap(2, over=True) == Dirty(account_ids=frozenset({2}))  # no cap


def test_an_unchanged_account_names_no_username_and_a_changed_one_does() -> None:
    policy = loaded(account(1, STATIC))
    assert not policy.put_account(account(1, STATIC)).usernames
    renamed = policy.put_account(account(1, STATIC, username="alice"))
    assert renamed.usernames == {"user1", "alice"}  # the old name must stop answering


def test_a_status_that_stops_activating_names_its_accounts_usernames() -> None:
    policy = engine(
        dataset(accounts=(account(1, STATIC), account(2, status_id=3))), reject_inactive=True
    )
    dirty = policy.put_definition(AccountStatus(1, "Active", activates_account=False))
    assert dirty.usernames == {"user1"}
    assert policy.authorize("user1", "core") != policy.authorize("user2", "core")


def test_a_group_edit_then_an_unrelated_recompute_names_the_usernames_once() -> None:
    """The group edit drops the replies; the account's later recompute need not again."""
    policy = capped_engine(SLOW_WHEN_OVER)
    edited = dataclasses.replace(SLOW_WHEN_OVER, filter=MembershipFilter())
    assert policy.put_definition(edited).usernames == {"user1", "user2"}
    assert not policy.set_over_cap(1, over=True).usernames  # the group matches either way


# -- properties ----------------------------------------------------------------------------


# Beside `test_incremental.BASE` (ops never touch these ids): a capped service and a group
# that follows usage, so over-cap flips move replies (`on_watched_services` uses service 4).
CAPPED_BASE: tuple[Definition, ...] = (
    UsagePolicy(7, "capped", 100),
    Service(4, "capped", 50_000, 10_000, usage_policy_id=7),
    RadiusGroup(
        8,
        "over-cap",
        MembershipFilter(usage=UsageClass.OVER_CAP),
        priority=20,
        replies=(reply("Class", "+=", "over"),),
    ),
)
# The changes that move replies without moving the account, oftener than `operations` has
# them, beside accounting's two.
reply_movers = st.one_of(
    st.tuples(st.just("put_definition"), services()),
    st.tuples(st.just("put_definition"), radius_groups()),
    st.tuples(
        st.just("put_definition"),
        st.builds(AccountStatus, st.integers(1, 3), st.just("s"), st.booleans()),
    ),
    st.tuples(
        st.just("put_definition"),
        st.builds(UsagePolicy, st.integers(1, 2), st.just("p"), st.just(1.0)),
    ),
)


def on_watched_services(drawn: Account) -> Account:
    """By id: on service 1 (which `reply_movers` redefines, so the rate moves), on the capped
    service (over-cap flips move the groups), or on none (`default_rate` then follows the
    status's activation)."""
    primary = (None, 1, 4)[drawn.id % 3]
    if primary is None:
        return dataclasses.replace(drawn, service_ids=())
    rest = tuple(service for service in drawn.service_ids if service != primary)
    return dataclasses.replace(drawn, service_ids=(primary, *rest))


watched_accounts = accounts().map(on_watched_services)
session_heavy = st.one_of(
    operations,
    st.tuples(st.just("put_account"), watched_accounts),
    reply_movers,
    st.tuples(st.just("set_sessions"), st.integers(1, 6), sessions),
    st.tuples(st.just("set_over_cap"), st.integers(1, 6), st.booleans()),
    st.tuples(st.just("set_over_cap"), st.sampled_from((2, 5)), st.booleans()),  # capped ids
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(definitions, min_size=2, max_size=10),
    st.lists(watched_accounts, min_size=2, max_size=5),
    st.lists(session_heavy, min_size=1, max_size=20),
)
def test_a_reply_cache_dropping_only_dirty_usernames_is_never_stale(
    initial_definitions: list[Definition], initial_accounts: list[Account], ops: list[Any]
) -> None:
    """The RADIUS server's cache: every answer kept since any earlier change is still the
    answer now, unless a Dirty in between named its username. And `set_sessions` names no
    username and covers everything it moved."""
    model = Model()
    for definition in (*BASE, *CAPPED_BASE, *initial_definitions):
        model.definitions[type(definition), definition.id] = definition
    for item in initial_accounts:
        model.accounts[item.id] = item
    policy = model.fresh()
    cache = {(name, nas): policy.authorize(name, nas) for name in STORED_USERNAMES for nas in NAS}
    before = snapshot(policy)
    for op in ops:
        dirty = model.apply(policy, op)
        cache = {key: answer for key, answer in cache.items() if key[0] not in dirty.usernames}
        for (name, nas), answer in cache.items():
            assert policy.authorize(name, nas) == answer, (op, name, nas)
        for name in STORED_USERNAMES:  # the next requests fill the cache again
            for nas in NAS:
                cache.setdefault((name, nas), policy.authorize(name, nas))
        after = snapshot(policy)
        if op[0] == "set_sessions":
            assert not dirty.usernames, op
            assert moved(before, after) <= covered(dirty), op
        before = after
    assert before == snapshot(model.fresh())
