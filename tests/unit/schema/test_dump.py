"""`dump`: the exact API shape of every kind, and write-only fields kept out of responses."""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from provisiond.model.enums import (
    Delinquency,
    EventAction,
    RadiusKind,
    ReplyOp,
    StatusClass,
    TriggerEvent,
    UsageClass,
    VacationState,
    Weekday,
)
from provisiond.model.objects import (
    Account,
    AccountGroup,
    AccountStatus,
    AccountType,
    AddressList,
    Burst,
    FreePeriod,
    MembershipFilter,
    RadiusAccount,
    RadiusGroup,
    RadiusReply,
    ScheduledEvent,
    Service,
    Trigger,
    UsagePolicy,
    Vacation,
)
from provisiond.model.secret import Secret
from provisiond.schema import KINDS, dump, kind_of

AT = datetime(2025, 3, 1, 22, 30, tzinfo=UTC)


def test_simple_kinds() -> None:
    assert dump(AccountStatus(id=1, name="Active", activates_account=True)) == {
        "id": 1,
        "name": "Active",
        "activates_account": True,
    }
    assert dump(AccountType(id=2, name="Business")) == {"id": 2, "name": "Business"}
    assert dump(AccountGroup(id=3, name="Tower A")) == {"id": 3, "name": "Tower A"}


def test_usage_policy_renders_free_periods_with_24_00() -> None:
    policy = UsagePolicy(
        id=1,
        name="Standard",
        cap_gb=500.0,
        free_periods=(FreePeriod(Weekday.SUNDAY, 60, 1440), FreePeriod(Weekday.MONDAY, 0, 5)),
    )
    assert dump(policy) == {
        "id": 1,
        "name": "Standard",
        "cap_gb": 500.0,
        "free_periods": [
            {"day": "sunday", "start": "01:00", "end": "24:00"},
            {"day": "monday", "start": "00:00", "end": "00:05"},
        ],
    }


def test_service_with_and_without_burst() -> None:
    plain = Service(id=5, name="Home 25", download_kbps=25000, upload_kbps=5000)
    assert dump(plain) == {
        "id": 5,
        "name": "Home 25",
        "download_kbps": 25000,
        "upload_kbps": 5000,
        "burst": None,
        "usage_policy_id": None,
    }
    burst = Burst(
        download_kbps=150000,
        upload_kbps=30000,
        threshold_download_kbps=80000,
        threshold_upload_kbps=16000,
        seconds=16,
    )
    with_burst = Service(6, "Home 100", 100000, 20000, burst=burst, usage_policy_id=1)
    assert dump(with_burst)["burst"] == {
        "download_kbps": 150000,
        "upload_kbps": 30000,
        "threshold_download_kbps": 80000,
        "threshold_upload_kbps": 16000,
        "seconds": 16,
    }
    assert dump(with_burst)["usage_policy_id"] == 1


def _account() -> Account:
    return Account(
        id=1001,
        name="Alice",
        status_id=1,
        type_id=2,
        group_ids=frozenset({9, 3}),
        delinquent=True,
        parent_id=1000,
        service_ids=(7, 4),
        ip_assignments=(
            ipaddress.ip_network("100.64.0.10/32"),
            ipaddress.ip_network("2001:db8:1::/56"),
        ),
        radius_accounts=(
            RadiusAccount(
                "alice",
                password=Secret("s3cret"),
                framed_ip=ipaddress.IPv4Address("100.64.1.1"),
                framed_ipv6_prefix=ipaddress.IPv6Network("2001:db8:2::/64"),
                delegated_ipv6_prefix=ipaddress.IPv6Network("2001:db8:3::/56"),
            ),
            RadiusAccount("AA:BB:CC:DD:EE:FF", kind=RadiusKind.MAC),
        ),
        activated_at=datetime(2024, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2))),
    )


def test_account_shape() -> None:
    assert dump(_account()) == {
        "id": 1001,
        "name": "Alice",
        "status_id": 1,
        "type_id": 2,
        "group_ids": [3, 9],
        "delinquent": True,
        "parent_id": 1000,
        "service_ids": [7, 4],
        "ip_assignments": ["100.64.0.10/32", "2001:db8:1::/56"],
        "radius_accounts": [
            {
                "username": "alice",
                "kind": "password",
                "framed_ip": "100.64.1.1",
                "framed_ipv6_prefix": "2001:db8:2::/64",
                "delegated_ipv6_prefix": "2001:db8:3::/56",
            },
            {
                "username": "AA:BB:CC:DD:EE:FF",
                "kind": "mac",
                "framed_ip": None,
                "framed_ipv6_prefix": None,
                "delegated_ipv6_prefix": None,
            },
        ],
        "activated_at": "2024-05-01T10:00:00Z",
    }


def test_password_only_with_include_secrets() -> None:
    hidden = dump(_account())
    shown = dump(_account(), include_secrets=True)
    assert "password" not in hidden["radius_accounts"][0]
    assert shown["radius_accounts"][0]["password"] == "s3cret"
    # A MAC account has no password to show, even with secrets.
    assert "password" not in shown["radius_accounts"][1]


def test_trigger_secret_only_with_include_secrets() -> None:
    trigger = Trigger(
        id=1,
        name="usage",
        event=TriggerEvent.ACCOUNT_USAGE_THRESHOLD,
        webhook_url="https://hooks.example.net/x",
        percent=80.0,
        secret=Secret("hmac-key"),
    )
    expected = {
        "id": 1,
        "name": "usage",
        "event": "account.usage_threshold",
        "percent": 80.0,
        "webhook_url": "https://hooks.example.net/x",
        "allow_http": False,
    }
    assert dump(trigger) == expected
    assert dump(trigger, include_secrets=True) == {**expected, "secret": "hmac-key"}


def test_address_list_and_radius_group_are_flat() -> None:
    flt = MembershipFilter(
        account_status=StatusClass.ACTIVE,
        delinquency=Delinquency.CURRENT,
        status_ids=frozenset({2, 1}),
        service_ids=frozenset({5}),
        usage=UsageClass.OVER_CAP,
    )
    filter_shape = {
        "account_status": "active",
        "delinquency": "current",
        "status_ids": [1, 2],
        "type_ids": [],
        "group_ids": [],
        "service_ids": [5],
        "usage_policy_ids": [],
        "usage": "over_cap",
    }
    assert dump(AddressList(1, "active", flt, devices=("core-1",))) == {
        "id": 1,
        "name": "active",
        **filter_shape,
        "devices": ["core-1"],
    }
    group = RadiusGroup(
        2,
        "rate",
        flt,
        priority=10,
        fall_through=False,
        replies=(RadiusReply("Mikrotik-Rate-Limit", ReplyOp.REPLACE, "{rate_limit}"),),
    )
    assert dump(group) == {
        "id": 2,
        "name": "rate",
        **filter_shape,
        "devices": [],
        "priority": 10,
        "fall_through": False,
        "replies": [{"attribute": "Mikrotik-Rate-Limit", "op": ":=", "value": "{rate_limit}"}],
    }


def test_scheduled_event_and_vacation() -> None:
    event = ScheduledEvent(7, 1001, AT, EventAction.SWAP_SERVICE, object_id=4, replacement_id=5)
    assert dump(event) == {
        "id": 7,
        "account_id": 1001,
        "at": "2025-03-01T22:30:00Z",
        "action": "swap_service",
        "object_id": 4,
        "replacement_id": 5,
        "complete": False,
        "error": None,
    }
    vacation = Vacation(
        1, 1001, AT, AT + timedelta(days=3, microseconds=5), 4, 9, state=VacationState.ACTIVE
    )
    assert dump(vacation) == {
        "id": 1,
        "account_id": 1001,
        "start": "2025-03-01T22:30:00Z",
        "end": "2025-03-04T22:30:00.000005Z",
        "status_id": 4,
        "service_id": 9,
        "saved_status_id": None,
        "saved_service_id": None,
        "state": "active",
        "error": None,
    }


def test_naive_datetime_is_taken_as_utc() -> None:
    naive = datetime(2025, 1, 1, 0, 0)  # noqa: DTZ001 - the case under test
    assert dump(ScheduledEvent(1, 1, naive, EventAction.DISCONNECT, 3))["at"] == (
        "2025-01-01T00:00:00Z"
    )


def test_dump_is_json_serialisable() -> None:
    text = json.dumps(dump(_account(), include_secrets=True))
    assert "100.64.0.10/32" in text


def test_kinds_order_and_kind_of() -> None:
    assert list(KINDS) == [
        "account_statuses",
        "account_types",
        "account_groups",
        "usage_policies",
        "services",
        "address_lists",
        "radius_groups",
        "triggers",
        "accounts",
        "scheduled_events",
        "vacations",
    ]
    assert kind_of(Account) == "accounts"
    assert kind_of(_account()) == "accounts"
    for kind, cls in KINDS.items():
        assert kind_of(cls) == kind


def test_dump_refuses_a_non_model_object() -> None:
    with pytest.raises(TypeError):
        dump(object())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        kind_of(int)  # type: ignore[arg-type]
