"""A small dataset with every kind and every optional part filled in."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

from provisiond.model import objects
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
from provisiond.model.network import parse_prefix
from provisiond.model.secret import Secret

AT = datetime(2026, 2, 1, 12, 30, 15, 250000, tzinfo=UTC)


def dataset() -> objects.Dataset:
    flt = objects.MembershipFilter(
        account_status=StatusClass.ACTIVE,
        delinquency=Delinquency.CURRENT,
        status_ids=frozenset({1}),
        type_ids=frozenset({1}),
        group_ids=frozenset({1, 2}),
        service_ids=frozenset({10}),
        usage_policy_ids=frozenset({5}),
        usage=UsageClass.UNDER_CAP,
    )
    return objects.Dataset(
        account_statuses=(
            objects.AccountStatus(1, "Active", activates_account=True),
            objects.AccountStatus(2, "Inactive", activates_account=False),
        ),
        account_types=(objects.AccountType(1, "Residential"),),
        account_groups=(objects.AccountGroup(1, "North"), objects.AccountGroup(2, "South")),
        usage_policies=(
            objects.UsagePolicy(
                5,
                "100 GB",
                cap_gb=100.5,
                free_periods=(
                    objects.FreePeriod(Weekday.MONDAY, 0, 360),
                    objects.FreePeriod(Weekday.SUNDAY, 1380, 1440),
                ),
            ),
        ),
        services=(
            objects.Service(
                10,
                "100M",
                download_kbps=100_000,
                upload_kbps=20_000,
                burst=objects.Burst(200_000, 40_000, 80_000, 16_000, 8),
                usage_policy_id=5,
            ),
            objects.Service(11, "1M", download_kbps=1000, upload_kbps=1000),
        ),
        address_lists=(
            objects.AddressList(1, "active-subs", filter=flt, devices=("core-1", "edge-2")),
        ),
        radius_groups=(
            objects.RadiusGroup(
                1,
                "rate",
                filter=flt,
                devices=("nas-1",),
                priority=10,
                fall_through=False,
                replies=(
                    objects.RadiusReply("Mikrotik-Rate-Limit", ReplyOp.REPLACE, "{rate_limit}"),
                    objects.RadiusReply("Mikrotik-Address-List", ReplyOp.APPEND, "subs"),
                ),
            ),
        ),
        triggers=(
            objects.Trigger(
                1,
                "activated",
                TriggerEvent.ACCOUNT_USAGE_THRESHOLD,
                "https://hooks.example.net/x",
                percent=80.0,
                secret=Secret("trigger-secret-value"),
            ),
        ),
        accounts=(
            objects.Account(
                100,
                "Alice",
                status_id=1,
                type_id=1,
                group_ids=frozenset({1, 2}),
                delinquent=True,
                parent_id=101,
                service_ids=(10,),
                ip_assignments=(parse_prefix("100.64.0.10/32"), parse_prefix("2001:db8:1::/56")),
                radius_accounts=(
                    objects.RadiusAccount(
                        "alice",
                        password=Secret("alice-password-value"),
                        framed_ip=ipaddress.IPv4Address("100.64.0.20"),
                        framed_ipv6_prefix=ipaddress.IPv6Network("2001:db8:2::/64"),
                        delegated_ipv6_prefix=ipaddress.IPv6Network("2001:db8:3::/56"),
                    ),
                    objects.RadiusAccount("AA:BB:CC:DD:EE:FF", kind=RadiusKind.MAC),
                ),
                activated_at=AT,
            ),
            objects.Account(101, "Bob", status_id=2),
        ),
        scheduled_events=(
            objects.ScheduledEvent(
                7, 100, AT, EventAction.SWAP_SERVICE, object_id=10, replacement_id=11
            ),
            objects.ScheduledEvent(
                8, 101, AT, EventAction.SET_DELINQUENT, complete=True, error="x"
            ),
        ),
        vacations=(
            objects.Vacation(
                3,
                100,
                start=AT,
                end=datetime(2026, 3, 1, tzinfo=UTC),
                status_id=1,
                service_id=11,
                saved_status_id=1,
                saved_service_id=10,
                state=VacationState.ACTIVE,
            ),
        ),
    )
