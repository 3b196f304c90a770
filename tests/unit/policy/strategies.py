"""Hypothesis strategies for a small policy universe: few ids, so values collide often
(shared addresses, reused definitions) and the interesting cases come up."""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import Any

from hypothesis import strategies as st

from provisiond.model.device_state import DeviceScope, SessionAddress
from provisiond.model.enums import Delinquency, RadiusKind, ReplyOp, StatusClass, UsageClass
from provisiond.model.objects import (
    Account,
    AccountGroup,
    AccountStatus,
    AccountType,
    AddressList,
    Burst,
    MembershipFilter,
    RadiusAccount,
    RadiusGroup,
    RadiusReply,
    Service,
    UsagePolicy,
)

DEVICES = (
    DeviceScope("a", queues=True),
    DeviceScope(
        "b",
        subnets=(ipaddress.ip_network("10.0.0.0/25"), ipaddress.ip_network("2001:db8::/33")),
        session_sources=("a", "b"),
    ),
    DeviceScope(
        "c",
        queues=True,
        queue_inactive=True,
        subnets=(ipaddress.ip_network("10.0.0.128/25"),),
        comment_prefix="pd",
    ),
)
NAS = ("a", "b", "c", "x")
POOL = (
    "10.0.0.1/32",
    "10.0.0.2/32",
    "10.0.0.130/32",
    "10.0.0.0/24",
    "10.0.0.0/26",
    "2001:db8::/56",
    "2001:db8:8000::/48",
)
ACCOUNT_IDS = st.integers(1, 5)

prefixes = st.sampled_from(POOL).map(ipaddress.ip_network)
small_ids = st.frozensets(st.integers(1, 3), max_size=2)
some_ids = st.sampled_from((frozenset({1}), frozenset({2}), frozenset({1, 2}), frozenset({3})))
OPTIONAL_FILTERS = ("status_ids", "type_ids", "group_ids", "service_ids", "usage_policy_ids")


@st.composite
def filters(draw: st.DrawFn) -> MembershipFilter:
    """Mostly permissive (at most one optional filter), so most examples have entries,
    clashes and group replies to compare."""
    rule = MembershipFilter(
        account_status=draw(st.sampled_from((StatusClass.ALL, *StatusClass))),
        delinquency=draw(st.sampled_from((Delinquency.ALL, Delinquency.ALL, *Delinquency))),
        usage=draw(st.sampled_from((UsageClass.ALL, UsageClass.ALL, *UsageClass))),
    )
    optional = draw(st.none() | st.sampled_from(OPTIONAL_FILTERS))
    if optional is None:
        return rule
    narrowed: dict[str, Any] = {optional: draw(some_ids)}
    return dataclasses.replace(rule, **narrowed)


device_sets = st.sampled_from(((), ("a",), ("b", "c")))
replies = st.builds(
    RadiusReply,
    attribute=st.sampled_from(("Mikrotik-Rate-Limit", "Class", "Filter-Id")),
    op=st.sampled_from(ReplyOp),
    value=st.sampled_from(("{rate_limit}", "{username}-{account_id}", "x", "{download_bps}")),
)


@st.composite
def services(draw: st.DrawFn) -> Service:
    burst = draw(st.none() | st.just(Burst(4000, 2000, 1500, 800, 8)))
    return Service(
        draw(st.integers(1, 3)),
        "svc",
        draw(st.sampled_from((1000, 1500, 100_000))),
        draw(st.sampled_from((512, 20_000))),
        burst,
        draw(st.none() | st.integers(1, 2)),
    )


@st.composite
def address_lists(draw: st.DrawFn) -> AddressList:
    list_id = draw(st.integers(1, 3))
    name = draw(st.sampled_from((f"list-{list_id}", f"renamed-{list_id}")))
    return AddressList(list_id, name, draw(filters()), draw(device_sets))


@st.composite
def radius_groups(draw: st.DrawFn) -> RadiusGroup:
    return RadiusGroup(
        draw(st.integers(1, 3)),
        "group",
        draw(filters()),
        draw(device_sets),
        draw(st.sampled_from((10, 50))),
        draw(st.booleans()),
        tuple(draw(st.lists(replies, max_size=3))),
    )


definitions = st.one_of(
    st.builds(AccountStatus, st.integers(1, 3), st.just("s"), st.booleans()),
    st.builds(AccountType, st.integers(1, 2), st.just("t")),
    st.builds(AccountGroup, st.integers(1, 2), st.just("g")),
    st.builds(UsagePolicy, st.integers(1, 2), st.just("p"), st.just(100.0)),
    services(),
    address_lists(),
    radius_groups(),
)
KINDS = (AccountStatus, AccountType, AccountGroup, UsagePolicy, Service, AddressList, RadiusGroup)


@st.composite
def accounts(draw: st.DrawFn) -> Account:
    account_id = draw(ACCOUNT_IDS)
    radius = [
        RadiusAccount(
            f"u{account_id}",
            framed_ip=draw(st.none() | st.just(ipaddress.IPv4Address(f"10.0.0.{account_id}"))),
        )
    ]
    if draw(st.booleans()):
        radius.append(RadiusAccount(f"02:00:00:00:00:0{account_id}", kind=RadiusKind.MAC))
    return Account(
        account_id,
        "acct",
        status_id=draw(st.integers(1, 4)),  # 4 is never defined
        type_id=draw(st.none() | st.integers(1, 2)),
        group_ids=draw(small_ids),
        delinquent=draw(st.booleans()),
        service_ids=tuple(draw(st.lists(st.integers(1, 4), max_size=2, unique=True))),
        ip_assignments=tuple(draw(st.lists(prefixes, max_size=3, unique=True))),
        radius_accounts=tuple(radius),
    )


sessions = st.lists(
    st.builds(SessionAddress, st.just(0), st.sampled_from(NAS), prefixes), max_size=2
)
operations = st.one_of(
    st.tuples(st.just("put_account"), accounts()),
    st.tuples(st.just("remove_account"), ACCOUNT_IDS),
    st.tuples(st.just("put_definition"), definitions),
    st.tuples(st.just("remove_definition"), st.sampled_from(KINDS), st.integers(1, 3)),
    st.tuples(st.just("set_sessions"), st.integers(1, 6), sessions),
    st.tuples(st.just("set_over_cap"), st.integers(1, 6), st.booleans()),
)
