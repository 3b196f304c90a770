"""The §1 membership rule, and the properties the rule promises."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from provisiond.model.enums import Delinquency, StatusClass, UsageClass
from provisiond.model.objects import Account, MembershipFilter, Service, UsagePolicy
from provisiond.policy.membership import Signature, account_matches, matches, signature

ids = st.frozensets(st.integers(1, 4), max_size=3)

signatures = st.builds(
    Signature,
    status_id=st.integers(1, 4),
    delinquent=st.booleans(),
    type_id=st.none() | st.integers(1, 4),
    group_ids=ids,
    service_ids=ids,
    usage_policy_id=st.none() | st.integers(1, 4),
    over_cap=st.booleans(),
)
filters = st.builds(
    MembershipFilter,
    account_status=st.sampled_from(StatusClass),
    delinquency=st.sampled_from(Delinquency),
    status_ids=ids,
    type_ids=ids,
    group_ids=ids,
    service_ids=ids,
    usage_policy_ids=ids,
    usage=st.sampled_from(UsageClass),
)


@pytest.mark.parametrize(
    ("rule", "activates", "delinquent", "expected"),
    [
        (MembershipFilter(), False, True, True),
        (MembershipFilter(account_status=StatusClass.ACTIVE), True, False, True),
        (MembershipFilter(account_status=StatusClass.ACTIVE), False, False, False),
        (MembershipFilter(account_status=StatusClass.INACTIVE), False, False, True),
        (MembershipFilter(delinquency=Delinquency.DELINQUENT), True, True, True),
        (MembershipFilter(delinquency=Delinquency.DELINQUENT), True, False, False),
        (MembershipFilter(delinquency=Delinquency.CURRENT), True, True, False),
    ],
)
def test_status_class_and_delinquency(
    rule: MembershipFilter,
    activates: bool,  # noqa: FBT001 - a parametrized value
    delinquent: bool,  # noqa: FBT001 - a parametrized value
    expected: bool,  # noqa: FBT001 - a parametrized value
) -> None:
    facts = Signature(1, delinquent, None, frozenset(), frozenset(), None, over_cap=False)
    assert matches(rule, facts, activates=activates) is expected


def test_optional_filters_are_and_across_or_within() -> None:
    facts = Signature(
        status_id=1,
        delinquent=False,
        type_id=2,
        group_ids=frozenset({5, 6}),
        service_ids=frozenset({7}),
        usage_policy_id=9,
        over_cap=False,
    )
    within = MembershipFilter(group_ids=frozenset({1, 6}))  # OR: one of the groups is enough
    assert matches(within, facts, activates=True)
    across = MembershipFilter(group_ids=frozenset({6}), type_ids=frozenset({3}))
    assert not matches(across, facts, activates=True)
    assert matches(MembershipFilter(usage_policy_ids=frozenset({9})), facts, activates=True)
    assert matches(MembershipFilter(status_ids=frozenset({1})), facts, activates=True)
    assert not matches(MembershipFilter(service_ids=frozenset({8})), facts, activates=True)


def test_an_account_without_a_cap_is_under_cap_never_over() -> None:
    services = {1: Service(1, "capless", 1000, 1000), 2: Service(2, "capped", 1000, 1000, None, 1)}
    policies = {1: UsagePolicy(1, "100 GB", 100)}
    capless = Account(1, "a", 1, service_ids=(1,))
    facts = signature(capless, services=services, policy_ids=policies, over_cap=True)
    assert not matches(MembershipFilter(usage=UsageClass.OVER_CAP), facts, activates=True)
    assert matches(MembershipFilter(usage=UsageClass.UNDER_CAP), facts, activates=True)
    capped = Account(2, "b", 1, service_ids=(2,))
    facts = signature(capped, services=services, policy_ids=policies, over_cap=True)
    assert matches(MembershipFilter(usage=UsageClass.OVER_CAP), facts, activates=True)
    assert not account_matches(
        MembershipFilter(usage=UsageClass.OVER_CAP),
        capless,
        activates=True,
        usage_policy_id=None,
        over_cap=True,
    )


def test_usage_policy_filter_reads_the_primary_service_only() -> None:
    services = {1: Service(1, "a", 1000, 1000), 2: Service(2, "b", 1000, 1000, None, 7)}
    secondary = Account(1, "a", 1, service_ids=(1, 2))
    facts = signature(secondary, services=services, policy_ids={7}, over_cap=False)
    assert not matches(MembershipFilter(usage_policy_ids=frozenset({7})), facts, activates=True)
    assert matches(MembershipFilter(service_ids=frozenset({2})), facts, activates=True)


@settings(max_examples=100)
@given(signatures, st.sampled_from(StatusClass), st.sampled_from(Delinquency), st.booleans())
def test_a_list_without_optional_filters_matches_by_status_class_and_delinquency(
    facts: Signature,
    status_class: StatusClass,
    delinquency: Delinquency,
    activates: bool,  # noqa: FBT001 - a generated value
) -> None:
    rule = MembershipFilter(account_status=status_class, delinquency=delinquency)
    status_fits = (
        status_class is StatusClass.ALL or (status_class is StatusClass.ACTIVE) is activates
    )
    delinquency_fits = (
        delinquency is Delinquency.ALL
        or (delinquency is Delinquency.DELINQUENT) is facts.delinquent
    )
    assert matches(rule, facts, activates=activates) is (status_fits and delinquency_fits)


def _narrowed(rule: MembershipFilter, field: str, value: object) -> MembershipFilter:
    current = getattr(rule, field)
    if isinstance(current, frozenset):
        # Adding a filter: an empty one becomes non-empty, a non-empty one shrinks (an empty
        # intersection would mean "no restriction", which is not a narrower filter).
        assert isinstance(value, frozenset)
        narrowed: dict[str, Any] = {field: current & value if current else value}
        assume(narrowed[field])
        return dataclasses.replace(rule, **narrowed)
    default = getattr(MembershipFilter(), field)
    changed: dict[str, Any] = {field: value if current == default else current}
    return dataclasses.replace(rule, **changed)


@settings(max_examples=100)
@given(
    filters,
    signatures,
    st.booleans(),
    st.sampled_from(
        [
            "account_status",
            "delinquency",
            "usage",
            "status_ids",
            "type_ids",
            "group_ids",
            "service_ids",
            "usage_policy_ids",
        ]
    ),
    st.data(),
)
def test_adding_a_filter_never_adds_members(
    rule: MembershipFilter,
    facts: Signature,
    activates: bool,  # noqa: FBT001 - a generated value
    field: str,
    data: st.DataObject,
) -> None:
    value: object
    if field == "account_status":
        value = data.draw(st.sampled_from(StatusClass))
    elif field == "delinquency":
        value = data.draw(st.sampled_from(Delinquency))
    elif field == "usage":
        value = data.draw(st.sampled_from(UsageClass))
    else:
        value = data.draw(ids.filter(bool))
    narrower = _narrowed(rule, field, value)
    if matches(narrower, facts, activates=activates):
        assert matches(rule, facts, activates=activates)
