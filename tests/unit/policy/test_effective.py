from __future__ import annotations

import pytest

from provisiond.model.device_state import DeviceScope
from provisiond.model.enums import Delinquency, StatusClass
from provisiond.model.objects import AddressList, MembershipFilter, RadiusGroup
from provisiond.policy.errors import UnknownAccountError, UnknownDeviceError
from tests.unit.policy.factory import account, dataset, engine, net


def test_effective_shows_what_the_account_gets() -> None:
    devices = (DeviceScope("edge", subnets=(net("100.64.0.0/24"),)), DeviceScope("core"))
    data = dataset(
        address_lists=(
            AddressList(1, "active", MembershipFilter(account_status=StatusClass.ACTIVE)),
            AddressList(2, "late", MembershipFilter(delinquency=Delinquency.DELINQUENT)),
            AddressList(3, "core-only", devices=("core",)),
        ),
        radius_groups=(
            RadiusGroup(2, "second", priority=50),
            RadiusGroup(1, "stop", priority=50, fall_through=False, devices=("elsewhere",)),
            RadiusGroup(3, "first", priority=10),
            RadiusGroup(4, "late", MembershipFilter(delinquency=Delinquency.DELINQUENT)),
        ),
        accounts=(account(1, "100.64.0.10/32", "100.64.0.0/16"),),
    )
    effective = engine(data, devices=devices).effective(1)
    assert effective.to_json() == {
        "address_lists": {"edge": ["active"], "core": ["active", "core-only"]},
        "radius_groups": ["first", "stop", "second"],
        "rate_limit": "20M/100M",
        "addresses": ["100.64.0.10", "100.64.0.0/16"],
        "clashes": [],
        "out_of_scope": [{"device": "edge", "prefix": "100.64.0.0/16"}],
    }


def test_effective_rate_uses_default_rate_like_the_reply() -> None:
    data = dataset(accounts=(account(1, service_ids=()), account(2, service_ids=(), status_id=2)))
    policy = engine(data, default_rate="2M/10M")
    assert policy.effective(1).rate_limit == "2M/10M"
    assert policy.effective(2).rate_limit is None


def test_unknown_account_and_device() -> None:
    policy = engine(dataset())
    with pytest.raises(UnknownAccountError):
        policy.effective(1)
    with pytest.raises(LookupError):
        policy.effective(1)
    with pytest.raises(UnknownDeviceError):
        policy.desired("nope")
    with pytest.raises(UnknownDeviceError):
        policy.clashes("nope")
