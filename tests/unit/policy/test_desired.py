"""What lands on devices (DESIGN.md §4): address-list entries and queues."""

from __future__ import annotations

import ipaddress

from provisiond.model.device_state import (
    AddressEntry,
    DeviceScope,
    OutOfScope,
    QueueEntry,
    SessionAddress,
)
from provisiond.model.enums import StatusClass
from provisiond.model.objects import AddressList, Burst, MembershipFilter, RadiusAccount, Service
from tests.unit.policy.factory import account, dataset, engine, net

EVERYONE = AddressList(1, "subscribers")
ACTIVE = AddressList(2, "active", MembershipFilter(account_status=StatusClass.ACTIVE))


def keys(policy: object, device: str) -> set[tuple[int, str, str]]:
    from provisiond.policy.engine import PolicyEngine  # noqa: PLC0415 - typing only

    assert isinstance(policy, PolicyEngine)
    return set(policy.desired(device).addresses)


def test_entries_are_keyed_by_family_list_and_canonical_address() -> None:
    data = dataset(
        address_lists=(EVERYONE,),
        accounts=(
            account(1, "100.64.0.10/32", "100.64.8.0/29", "2001:db8:1::/56", "2001:db8::5/128"),
        ),
    )
    desired = engine(data).desired("core")
    assert set(desired.addresses) == {
        (4, "subscribers", "100.64.0.10"),
        (4, "subscribers", "100.64.8.0/29"),
        (6, "subscribers", "2001:db8:1::/56"),
        (6, "subscribers", "2001:db8::5"),
    }
    entry = desired.addresses[(6, "subscribers", "2001:db8:1::/56")]
    assert entry == AddressEntry(6, "subscribers", "2001:db8:1::/56", 1)
    assert entry.path == "/ipv6/firewall/address-list"
    assert desired.addresses[(4, "subscribers", "100.64.0.10")].path == "/ip/firewall/address-list"


def test_radius_framed_addresses_are_addresses_too() -> None:
    radius = RadiusAccount(
        "alice",
        framed_ip=ipaddress.IPv4Address("100.64.0.20"),
        framed_ipv6_prefix=ipaddress.IPv6Network("2001:db8:2::/64"),
        delegated_ipv6_prefix=ipaddress.IPv6Network("2001:db8:200::/56"),
    )
    data = dataset(address_lists=(EVERYONE,), accounts=(account(1, radius_accounts=(radius,)),))
    assert keys(engine(data), "core") == {
        (4, "subscribers", "100.64.0.20"),
        (6, "subscribers", "2001:db8:2::/64"),
        (6, "subscribers", "2001:db8:200::/56"),
    }


def test_subnets_take_contained_prefixes_only_and_report_overlaps() -> None:
    device = DeviceScope("edge", subnets=(net("100.64.0.0/24"), net("2001:db8::/48")))
    data = dataset(
        address_lists=(EVERYONE,),
        accounts=(
            account(1, "100.64.0.10/32", "100.64.0.0/24", "2001:db8::/56"),
            account(2, "100.64.0.0/16", "100.65.0.1/32", "2001:db8::/32"),
        ),
    )
    policy = engine(data, devices=(device,))
    assert keys(policy, "edge") == {
        (4, "subscribers", "100.64.0.10"),
        (4, "subscribers", "100.64.0.0/24"),
        (6, "subscribers", "2001:db8::/56"),
    }
    # Account 2's /16 and /32 only overlap a subnet: not pushed, reported. 100.65.0.1 is
    # simply elsewhere.
    assert policy.effective(2).out_of_scope == (
        OutOfScope("edge", "100.64.0.0/16"),
        OutOfScope("edge", "2001:db8::/32"),
    )
    assert policy.effective(1).out_of_scope == ()


def test_list_devices_restrict_where_a_list_lands() -> None:
    scoped = AddressList(3, "edge-only", devices=("edge",))
    data = dataset(address_lists=(EVERYONE, scoped), accounts=(account(1, "100.64.0.10/32"),))
    policy = engine(data, devices=(DeviceScope("core"), DeviceScope("edge")))
    assert keys(policy, "core") == {(4, "subscribers", "100.64.0.10")}
    assert keys(policy, "edge") == {
        (4, "subscribers", "100.64.0.10"),
        (4, "edge-only", "100.64.0.10"),
    }


def test_devices_without_address_lists_get_no_entries() -> None:
    data = dataset(address_lists=(EVERYONE,), accounts=(account(1, "100.64.0.10/32"),))
    policy = engine(data, devices=(DeviceScope("nas", address_lists=False),))
    assert keys(policy, "nas") == set()
    assert policy.effective(1).address_lists == {}


def test_session_addresses_go_to_devices_that_take_that_nas() -> None:
    devices = (
        DeviceScope("bng-1"),  # takes its own sessions
        DeviceScope("core", session_sources=("bng-1", "bng-2")),
        DeviceScope("bng-2"),
    )
    policy = engine(dataset(address_lists=(EVERYONE,), accounts=(account(1),)), devices=devices)
    dirty = policy.set_sessions(1, [SessionAddress(1, "bng-1", net("100.64.1.5/32"))])
    assert dirty.devices == {"bng-1", "core"}
    assert keys(policy, "bng-1") == {(4, "subscribers", "100.64.1.5")}
    assert keys(policy, "core") == {(4, "subscribers", "100.64.1.5")}
    assert keys(policy, "bng-2") == set()
    assert policy.effective(1).addresses == ("100.64.1.5",)
    dirty = policy.set_sessions(1, [])
    assert dirty.devices == {"bng-1", "core"}
    assert keys(policy, "core") == set()


def test_sessions_are_loaded_with_the_data() -> None:
    session = SessionAddress(1, "core", net("2001:db8:9::/64"))
    policy = engine()
    policy.load(dataset(address_lists=(EVERYONE,), accounts=(account(1),)), sessions=[session])
    assert keys(policy, "core") == {(6, "subscribers", "2001:db8:9::/64")}


def test_membership_follows_status() -> None:
    data = dataset(
        address_lists=(ACTIVE,),
        accounts=(account(1, "100.64.0.1/32"), account(2, "100.64.0.2/32", status_id=2)),
    )
    policy = engine(data)
    assert keys(policy, "core") == {(4, "active", "100.64.0.1")}
    policy.put_account(account(2, "100.64.0.2/32", status_id=1))
    assert keys(policy, "core") == {(4, "active", "100.64.0.1"), (4, "active", "100.64.0.2")}


def test_queues_only_for_ip_assignments_with_a_rate_and_an_activating_status() -> None:
    radius = RadiusAccount("ppp", framed_ip=ipaddress.IPv4Address("100.64.0.50"))
    device = DeviceScope("edge", queues=True, comment_prefix="pd")
    data = dataset(
        accounts=(
            account(
                1, "100.64.0.10/32", "2001:db8::/56", "100.64.0.9/32", radius_accounts=(radius,)
            ),
            account(2, radius_accounts=(radius,)),  # framed IP only: PPP queues itself
            account(3, "100.64.0.30/32", status_id=2),  # does not activate
            account(4, "100.64.0.40/32", service_ids=()),  # no rate
        ),
    )
    policy = engine(data, devices=(device,), default_rate="1M/1M")
    policy.set_sessions(1, [SessionAddress(1, "edge", net("100.64.0.99/32"))])
    queues = policy.desired("edge").queues
    assert queues == {
        "pd-1": QueueEntry(
            name="pd-1",
            target="100.64.0.9,100.64.0.10,2001:db8::/56",
            max_limit="20000000/100000000",
            account_id=1,
        )
    }


def test_queue_inactive_also_queues_accounts_that_do_not_activate() -> None:
    device = DeviceScope("edge", queues=True, queue_inactive=True)
    data = dataset(accounts=(account(3, "100.64.0.30/32", status_id=2),))
    queue = engine(data, devices=(device,)).desired("edge").queues["provisiond-3"]
    assert queue.target == "100.64.0.30"


def test_queue_burst_fields_and_subnet_scope() -> None:
    bursty = Service(5, "burst", 10_000, 2_000, Burst(20_000, 4_000, 5_000, 1_000, 10))
    device = DeviceScope("edge", queues=True, subnets=(net("100.64.0.0/24"),))
    data = dataset(
        services=(bursty,),
        accounts=(
            account(1, "100.64.0.10/32", "100.99.0.1/32", service_ids=(5,)),
            account(2, "100.99.0.2/32", service_ids=(5,)),
        ),
    )
    policy = engine(data, devices=(device,))
    assert policy.desired("edge").queues == {
        "provisiond-1": QueueEntry(
            name="provisiond-1",
            target="100.64.0.10",
            max_limit="2000000/10000000",
            account_id=1,
            burst_limit="4000000/20000000",
            burst_threshold="1000000/5000000",
            burst_time="10s/10s",
        )
    }
    dirty = policy.put_definition(Service(5, "burst", 20_000, 4_000))
    assert dirty.devices == {"edge"}
    assert policy.desired("edge").queues["provisiond-1"].max_limit == "4000000/20000000"


def test_desired_is_a_snapshot() -> None:
    data = dataset(address_lists=(EVERYONE,), accounts=(account(1, "100.64.0.10/32"),))
    policy = engine(data)
    before = policy.desired("core")
    policy.remove_account(1)
    assert len(before.addresses) == 1
    assert len(policy.desired("core").addresses) == 0
