"""The §1 membership rule shared by address lists and RADIUS groups.

An account matches a filter when its status class, its delinquency and its usage class fit,
and every non-empty optional filter holds one of its values: AND across filters, OR within
one, an empty filter does not restrict.

The rule only reads a few facts of an account, gathered in a `Signature`. Most accounts
share a signature with thousands of others, so the engine evaluates each filter once per
signature instead of once per account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from provisiond.model.enums import Delinquency, StatusClass, UsageClass

if TYPE_CHECKING:
    from collections.abc import Container, Mapping

    from provisiond.model.objects import Account, MembershipFilter, Service


class Signature(NamedTuple):
    """What the membership rule reads of an account (status activation is looked up by id)."""

    status_id: int
    delinquent: bool
    type_id: int | None
    group_ids: frozenset[int]
    service_ids: frozenset[int]
    usage_policy_id: int | None  # of the primary data service
    over_cap: bool  # only ever true when that usage policy exists, i.e. there is a cap


def signature(
    account: Account,
    *,
    services: Mapping[int, Service],
    policy_ids: Container[int],
    over_cap: bool,
) -> Signature:
    """Gather the facts; an account without a cap is never over it, whatever `over_cap` says."""
    primary_id = account.primary_service_id
    primary = services.get(primary_id) if primary_id is not None else None
    policy_id = primary.usage_policy_id if primary is not None else None
    capped = policy_id is not None and policy_id in policy_ids
    return Signature(
        account.status_id,
        account.delinquent,
        account.type_id,
        account.group_ids,
        frozenset(account.service_ids),
        policy_id,
        over_cap and capped,
    )


def matches(rule: MembershipFilter, facts: Signature, *, activates: bool) -> bool:
    """The membership rule; `activates` is whether the account's status activates accounts."""
    return (
        _status_class_fits(rule.account_status, activates=activates)
        and _delinquency_fits(rule.delinquency, delinquent=facts.delinquent)
        and _usage_fits(rule.usage, over_cap=facts.over_cap)
        and (not rule.status_ids or facts.status_id in rule.status_ids)
        and (not rule.type_ids or facts.type_id in rule.type_ids)
        and (not rule.group_ids or not rule.group_ids.isdisjoint(facts.group_ids))
        and (not rule.service_ids or not rule.service_ids.isdisjoint(facts.service_ids))
        and (not rule.usage_policy_ids or facts.usage_policy_id in rule.usage_policy_ids)
    )


def account_matches(
    rule: MembershipFilter,
    account: Account,
    *,
    activates: bool,
    usage_policy_id: int | None,
    over_cap: bool,
) -> bool:
    """The rule for one account, given its status activation, its primary service's usage
    policy (None without one) and whether it is over that policy's cap."""
    facts = Signature(
        account.status_id,
        account.delinquent,
        account.type_id,
        account.group_ids,
        frozenset(account.service_ids),
        usage_policy_id,
        over_cap and usage_policy_id is not None,
    )
    return matches(rule, facts, activates=activates)


def _status_class_fits(wanted: StatusClass, *, activates: bool) -> bool:
    if wanted is StatusClass.ALL:
        return True
    return activates is (wanted is StatusClass.ACTIVE)


def _delinquency_fits(wanted: Delinquency, *, delinquent: bool) -> bool:
    if wanted is Delinquency.ALL:
        return True
    return delinquent is (wanted is Delinquency.DELINQUENT)


def _usage_fits(wanted: UsageClass, *, over_cap: bool) -> bool:
    """An account without a cap counts as `under_cap`: it is never `over_cap`."""
    if wanted is UsageClass.ALL:
        return True
    return over_cap is (wanted is UsageClass.OVER_CAP)
