"""Device scope: the integer fast paths agree with the model, and scope only removes."""

from __future__ import annotations

import dataclasses
import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from provisiond.model.device_state import DeviceScope, prefix_in_scope
from provisiond.model.network import Prefix, render_prefix
from provisiond.model.objects import AddressList, MembershipFilter
from provisiond.policy.scope import Scope, ScopeIndex, addr_of
from tests.unit.policy.factory import account, dataset, engine
from tests.unit.policy.strategies import accounts, filters


@st.composite
def networks(draw: st.DrawFn, version: int | None = None) -> Prefix:
    v = version or draw(st.sampled_from((4, 6)))
    if v == 4:
        address = draw(st.ip_addresses(v=4, network="10.0.0.0/8"))
        length = draw(st.integers(8, 32))
    else:
        address = draw(st.ip_addresses(v=6, network="2001:db8::/32"))
        length = draw(st.integers(32, 128))
    return ipaddress.ip_network(f"{address}/{length}", strict=False)


@settings(max_examples=100)
@given(networks())
def test_addr_text_is_render_prefix(prefix: Prefix) -> None:
    family, text, value, prefixlen = addr_of(prefix)
    assert (family, text, value, prefixlen) == (
        prefix.version,
        render_prefix(prefix),
        int(prefix.network_address),
        prefix.prefixlen,
    )


@settings(max_examples=100)
@given(st.lists(st.lists(networks(), max_size=3), min_size=1, max_size=3), networks())
def test_scope_index_agrees_with_prefix_in_scope(
    subnet_sets: list[list[Prefix]], prefix: Prefix
) -> None:
    scopes = tuple(
        Scope(DeviceScope(f"d{i}", subnets=tuple(subnets)), i)
        for i, subnets in enumerate(subnet_sets)
    )
    index = ScopeIndex(scopes)
    addr = addr_of(prefix)
    for scope in scopes:
        expected = prefix_in_scope(prefix, scope.device.subnets)
        assert bool(index.containing(addr) >> scope.index & 1) is expected
        assert scope.contains(addr) is expected
        overlaps = any(
            prefix.version == net.version and prefix.overlaps(net) for net in scope.device.subnets
        )
        assert scope.overlaps_only(addr) is (overlaps and not expected)


subnet_choices = st.lists(
    st.sampled_from(
        ("10.0.0.0/25", "10.0.0.0/24", "10.0.0.128/26", "2001:db8::/40", "2001:db8::/56")
    ).map(ipaddress.ip_network),
    max_size=3,
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(accounts(), max_size=5),
    st.lists(filters(), min_size=1, max_size=3),
    subnet_choices,
    st.sampled_from((("other",), ("d",), ("d", "other"))),
)
def test_devices_and_subnets_only_ever_remove_members(
    members: list[object],
    rules: list[MembershipFilter],
    subnets: list[Prefix],
    list_devices: tuple[str, ...],
) -> None:
    lists = tuple(AddressList(i, f"l{i}", rule) for i, rule in enumerate(rules, start=1))
    data = dataset(address_lists=lists, accounts=tuple(members))
    unscoped = set(engine(data, devices=(DeviceScope("d"),)).desired("d").addresses)
    scoped_device = DeviceScope("d", subnets=tuple(subnets))
    by_subnets = set(engine(data, devices=(scoped_device,)).desired("d").addresses)
    assert by_subnets <= unscoped
    restricted = dataclasses.replace(
        data, address_lists=tuple(dataclasses.replace(x, devices=list_devices) for x in lists)
    )
    by_devices = set(engine(restricted, devices=(DeviceScope("d"),)).desired("d").addresses)
    assert by_devices <= unscoped
    if "d" not in list_devices:
        assert by_devices == set()


def test_a_device_with_subnets_drops_what_is_outside() -> None:
    data = dataset(address_lists=(AddressList(1, "all"),), accounts=(account(1, "192.0.2.1/32"),))
    device = DeviceScope("d", subnets=(ipaddress.ip_network("10.0.0.0/8"),))
    assert len(engine(data, devices=(device,)).desired("d").addresses) == 0
