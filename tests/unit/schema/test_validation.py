"""Every §1 validation rule, with the exact `field` path the API will report."""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from provisiond.model.enums import RadiusKind
from provisiond.model.errors import InvalidError
from provisiond.model.objects import Account, ScheduledEvent, Trigger, UsagePolicy, Vacation
from provisiond.schema import parse_create
from provisiond.schema.parsing import PAYLOADS

_REMOVE = object()

VALID: dict[str, dict[str, Any]] = {
    "account_statuses": {"name": "Active", "activates_account": True},
    "account_types": {"name": "Residential"},
    "account_groups": {"name": "Tower A"},
    "usage_policies": {
        "name": "Standard",
        "cap_gb": 500,
        "free_periods": [{"day": "monday", "start": "01:00", "end": "06:00"}],
    },
    "services": {"name": "Home 25", "download_kbps": 25000, "upload_kbps": 5000},
    "address_lists": {"name": "active", "account_status": "active"},
    "radius_groups": {
        "name": "rate",
        "replies": [{"attribute": "Mikrotik-Rate-Limit", "op": ":=", "value": "{rate_limit}"}],
    },
    "triggers": {
        "name": "hook",
        "event": "account.activated",
        "webhook_url": "https://hooks.example.net/x",
    },
    "accounts": {
        "name": "Alice",
        "status_id": 1,
        "ip_assignments": ["100.64.0.10/32"],
        "radius_accounts": [{"username": "alice", "password": "pw"}],
    },
    "scheduled_events": {
        "account_id": 1001,
        "at": "2030-01-01T00:00:00Z",
        "action": "change_status",
        "object_id": 2,
    },
    "vacations": {
        "account_id": 1001,
        "start": "2030-01-01T00:00:00Z",
        "end": "2030-01-10T00:00:00Z",
        "status_id": 4,
        "service_id": 4,
    },
}

BURST = {
    "download_kbps": 2,
    "upload_kbps": 2,
    "threshold_download_kbps": 1,
    "threshold_upload_kbps": 1,
    "seconds": 8,
}


def payload(kind: str, **changes: object) -> dict[str, Any]:
    out = dict(VALID[kind])
    for key, value in changes.items():
        if value is _REMOVE:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def radius(**entry: object) -> list[dict[str, object]]:
    return [{"username": "alice", "password": "pw", **entry}]


def error_of(kind: str, body: object, **options: bool) -> InvalidError:
    with pytest.raises(InvalidError) as info:
        parse_create(kind, body, **options)
    return info.value


@pytest.mark.parametrize("kind", list(VALID))
def test_valid_payloads_parse_with_id_zero(kind: str) -> None:
    assert parse_create(kind, VALID[kind]).id == 0


CASES: list[tuple[str, dict[str, object], str]] = [
    # names
    ("account_statuses", {"name": ""}, "name"),
    ("account_statuses", {"name": "   "}, "name"),
    ("account_statuses", {"name": 5}, "name"),
    ("account_statuses", {"name": _REMOVE}, "name"),
    ("account_statuses", {"activates_account": 1}, "activates_account"),
    ("account_statuses", {"activates_account": _REMOVE}, "activates_account"),
    ("account_types", {"name": None}, "name"),
    ("address_lists", {"name": "a b"}, "name"),
    ("address_lists", {"name": "naïve"}, "name"),
    ("address_lists", {"name": ""}, "name"),
    # ids
    ("account_types", {"id": 0}, "id"),
    ("account_types", {"id": "5"}, "id"),
    ("account_types", {"id": True}, "id"),
    ("account_types", {"id": 2**63}, "id"),
    ("accounts", {"status_id": "1"}, "status_id"),
    ("accounts", {"group_ids": [1, True]}, "group_ids.1"),
    ("accounts", {"group_ids": 1}, "group_ids"),
    ("accounts", {"parent_id": -1}, "parent_id"),
    ("accounts", {"id": 7, "parent_id": 7}, "parent_id"),
    # rates and bursts
    ("services", {"download_kbps": 0}, "download_kbps"),
    ("services", {"upload_kbps": -5}, "upload_kbps"),
    ("services", {"download_kbps": True}, "download_kbps"),
    ("services", {"download_kbps": "25000"}, "download_kbps"),
    ("services", {"download_kbps": 25000.0}, "download_kbps"),
    ("services", {"burst": {**BURST, "seconds": 0}}, "burst.seconds"),
    ("services", {"burst": {k: v for k, v in BURST.items() if k != "seconds"}}, "burst.seconds"),
    ("services", {"burst": {**BURST, "extra": 1}}, "burst.extra"),
    ("services", {"burst": 5}, "burst"),
    ("services", {"usage_policy_id": 0}, "usage_policy_id"),
    # usage policies
    ("usage_policies", {"cap_gb": 0}, "cap_gb"),
    ("usage_policies", {"cap_gb": -1.5}, "cap_gb"),
    ("usage_policies", {"cap_gb": "500"}, "cap_gb"),
    ("usage_policies", {"cap_gb": True}, "cap_gb"),
    ("usage_policies", {"cap_gb": float("nan")}, "cap_gb"),
    ("usage_policies", {"cap_gb": float("inf")}, "cap_gb"),
    (
        "usage_policies",
        {"free_periods": [{"day": "funday", "start": "01:00", "end": "02:00"}]},
        "free_periods.0.day",
    ),
    (
        "usage_policies",
        {
            "free_periods": [
                {"day": "monday", "start": "01:00", "end": "02:00"},
                {"day": "monday", "start": "24:00", "end": "02:00"},
            ]
        },
        "free_periods.1.start",
    ),
    (
        "usage_policies",
        {"free_periods": [{"day": "monday", "start": "1:00", "end": "02:00"}]},
        "free_periods.0.start",
    ),
    (
        "usage_policies",
        {"free_periods": [{"day": "monday", "start": "01:00", "end": "24:01"}]},
        "free_periods.0.end",
    ),
    (
        "usage_policies",
        {"free_periods": [{"day": "monday", "start": "01:60", "end": "02:00"}]},
        "free_periods.0.start",
    ),
    (
        "usage_policies",
        {"free_periods": [{"day": "monday", "start": 60, "end": "02:00"}]},
        "free_periods.0.start",
    ),
    (
        "usage_policies",
        {"free_periods": [{"day": "monday", "start": "01:00"}]},
        "free_periods.0.end",
    ),
    # accounts
    ("accounts", {"service_ids": [3, 4, 3]}, "service_ids.2"),
    ("accounts", {"ip_assignments": ["100.64.0.1/24"]}, "ip_assignments.0"),
    ("accounts", {"ip_assignments": ["100.64.0.0/24", "2001:db8::1/56"]}, "ip_assignments.1"),
    ("accounts", {"ip_assignments": ["100.64.0.1", "100.64.0.1/32"]}, "ip_assignments.1"),
    ("accounts", {"ip_assignments": ["not-an-address"]}, "ip_assignments.0"),
    ("accounts", {"ip_assignments": [167772161]}, "ip_assignments.0"),
    ("accounts", {"delinquent": "false"}, "delinquent"),
    ("accounts", {"radius_accounts": radius(username="")}, "radius_accounts.0.username"),
    ("accounts", {"radius_accounts": [{"password": "x"}]}, "radius_accounts.0.username"),
    ("accounts", {"radius_accounts": [{"username": "bob"}]}, "radius_accounts.0.password"),
    ("accounts", {"radius_accounts": radius(password="")}, "radius_accounts.0.password"),
    ("accounts", {"radius_accounts": radius(kind="pap")}, "radius_accounts.0.kind"),
    ("accounts", {"radius_accounts": radius(secret="x")}, "radius_accounts.0.secret"),
    (
        "accounts",
        {"radius_accounts": [{"username": "no-mac", "kind": "mac"}]},
        "radius_accounts.0.username",
    ),
    (
        "accounts",
        {"radius_accounts": [{"username": "aa:bb:cc:dd:ee:ff", "kind": "mac", "password": "x"}]},
        "radius_accounts.0.password",
    ),
    (
        "accounts",
        {"radius_accounts": radius(framed_ip="2001:db8::1")},
        "radius_accounts.0.framed_ip",
    ),
    (
        "accounts",
        {"radius_accounts": radius(framed_ip="100.64.0.1/32")},
        "radius_accounts.0.framed_ip",
    ),
    (
        "accounts",
        {"radius_accounts": radius(framed_ipv6_prefix="100.64.0.0/24")},
        "radius_accounts.0.framed_ipv6_prefix",
    ),
    (
        "accounts",
        {"radius_accounts": radius(framed_ipv6_prefix="2001:db8::1/64")},
        "radius_accounts.0.framed_ipv6_prefix",
    ),
    (
        "accounts",
        {"radius_accounts": radius(delegated_ipv6_prefix="2001:db8:1:1::/48")},
        "radius_accounts.0.delegated_ipv6_prefix",
    ),
    (
        "accounts",
        {"radius_accounts": [*radius(), {"username": "alice", "password": "y"}]},
        "radius_accounts.1.username",
    ),
    (
        "accounts",
        {
            "radius_accounts": [
                {"username": "aa:bb:cc:dd:ee:ff", "kind": "mac"},
                {"username": "AABB.CCDD.EEFF", "kind": "mac"},
            ]
        },
        "radius_accounts.1.username",
    ),
    ("accounts", {"radius_accounts": ["alice"]}, "radius_accounts.0"),
    # address lists and RADIUS groups
    ("address_lists", {"account_status": "enabled"}, "account_status"),
    ("address_lists", {"delinquency": "late"}, "delinquency"),
    ("address_lists", {"usage": "over"}, "usage"),
    ("address_lists", {"status_ids": ["1"]}, "status_ids.0"),
    ("address_lists", {"devices": ["core-1", ""]}, "devices.1"),
    ("address_lists", {"devices": ["core-1", "core-2", "core-1"]}, "devices.2"),
    ("address_lists", {"priority": 5}, "priority"),
    ("radius_groups", {"priority": "1"}, "priority"),
    ("radius_groups", {"priority": True}, "priority"),
    ("radius_groups", {"fall_through": 0}, "fall_through"),
    (
        "radius_groups",
        {"replies": [{"attribute": "", "op": "=", "value": "x"}]},
        "replies.0.attribute",
    ),
    ("radius_groups", {"replies": [{"attribute": "A", "op": "==", "value": "x"}]}, "replies.0.op"),
    ("radius_groups", {"replies": [{"attribute": "A", "op": "=", "value": 5}]}, "replies.0.value"),
    ("radius_groups", {"replies": [{"attribute": "A", "op": "="}]}, "replies.0.value"),
    # scheduled events
    ("scheduled_events", {"at": "2030-01-01T00:00:00"}, "at"),
    ("scheduled_events", {"at": "2030-01-01"}, "at"),
    ("scheduled_events", {"at": "tomorrow"}, "at"),
    ("scheduled_events", {"at": "2030-02-30T00:00:00Z"}, "at"),
    ("scheduled_events", {"at": 1893456000}, "at"),
    ("scheduled_events", {"action": "explode"}, "action"),
    ("scheduled_events", {"account_id": _REMOVE}, "account_id"),
    ("scheduled_events", {"object_id": _REMOVE}, "object_id"),
    ("scheduled_events", {"action": "disconnect", "object_id": _REMOVE}, "object_id"),
    ("scheduled_events", {"action": "swap_service"}, "replacement_id"),
    ("scheduled_events", {"action": "add_service", "replacement_id": 5}, "replacement_id"),
    # vacations
    ("vacations", {"end": "2030-01-01T00:00:00Z"}, "end"),
    ("vacations", {"end": "2030-01-01T01:00:00+02:00"}, "end"),
    ("vacations", {"start": "2030-01-01T00:00:00"}, "start"),
    ("vacations", {"service_id": _REMOVE}, "service_id"),
    # triggers
    ("triggers", {"event": "account.deleted"}, "event"),
    ("triggers", {"event": "account.usage_threshold"}, "percent"),
    ("triggers", {"percent": 80}, "percent"),
    ("triggers", {"event": "account.usage_threshold", "percent": 0}, "percent"),
    ("triggers", {"event": "account.usage_threshold", "percent": 1000.5}, "percent"),
    ("triggers", {"event": "account.usage_threshold", "percent": "80"}, "percent"),
    ("triggers", {"webhook_url": "ftp://hooks.example.net/"}, "webhook_url"),
    ("triggers", {"webhook_url": "hooks.example.net/x"}, "webhook_url"),
    ("triggers", {"webhook_url": "https:///path"}, "webhook_url"),
    ("triggers", {"webhook_url": "https://example.net:99999/"}, "webhook_url"),
    ("triggers", {"webhook_url": "https://exa mple.net/"}, "webhook_url"),
    ("triggers", {"webhook_url": "http://hooks.example.net/x"}, "webhook_url"),
    ("triggers", {"allow_http": "yes"}, "allow_http"),
    ("triggers", {"secret": ""}, "secret"),
    ("triggers", {"webhook_url": _REMOVE}, "webhook_url"),
    # unknown and read-only fields
    ("account_groups", {"colour": "red"}, "colour"),
    ("accounts", {"activated_at": "2024-01-01T00:00:00Z"}, "activated_at"),
    ("scheduled_events", {"complete": False}, "complete"),
    ("scheduled_events", {"error": None}, "error"),
    ("vacations", {"saved_status_id": 1}, "saved_status_id"),
    ("vacations", {"saved_service_id": 1}, "saved_service_id"),
    ("vacations", {"state": "active"}, "state"),
    ("vacations", {"error": "x"}, "error"),
]


@pytest.mark.parametrize(("kind", "changes", "field"), CASES)
def test_rule_names_its_field(kind: str, changes: dict[str, object], field: str) -> None:
    error = error_of(kind, payload(kind, **changes))
    assert error.field == field
    assert error.message


@pytest.mark.parametrize("body", [None, [], "x", 5, [{"name": "x"}]])
def test_non_object_has_no_field(body: object) -> None:
    assert error_of("account_types", body).field is None


def test_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        parse_create("devices", {})


def test_messages_speak_json() -> None:
    assert error_of("account_groups", payload("account_groups", colour=1)).message == (
        "unknown field"
    )
    assert error_of("account_groups", {}).message == "required"
    assert error_of("services", payload("services", burst=5)).message == "must be an object"
    enum_error = error_of("triggers", payload("triggers", event="x")).message
    assert enum_error.startswith("must be one of ")
    assert "account.activated" in enum_error


def test_id_is_kept_and_may_be_required() -> None:
    assert parse_create("account_types", payload("account_types", id=42)).id == 42
    assert error_of("account_types", VALID["account_types"], id_optional=False).field == "id"
    assert parse_create("account_types", payload("account_types", id=None)).id == 0


def test_read_only_fields_are_accepted_on_import() -> None:
    event = parse_create(
        "scheduled_events",
        payload("scheduled_events", id=3, complete=True, error="no such status"),
        importing=True,
    )
    assert isinstance(event, ScheduledEvent)
    assert event.complete
    assert event.error == "no such status"
    vacation = parse_create(
        "vacations",
        payload("vacations", saved_status_id=1, saved_service_id=2, state="done"),
        importing=True,
    )
    assert isinstance(vacation, Vacation)
    assert (vacation.saved_status_id, vacation.saved_service_id, vacation.state) == (1, 2, "done")


def test_import_may_omit_a_password() -> None:
    body = payload("accounts", radius_accounts=[{"username": "bob"}])
    account = parse_create("accounts", body, importing=True)
    assert isinstance(account, Account)
    assert account.radius_accounts[0].password is None


def test_values_are_normalised() -> None:
    body = payload(
        "accounts",
        ip_assignments=["100.64.0.10", "2001:db8:1::/56"],
        radius_accounts=[
            {"username": "aabb.ccdd.eeff", "kind": "mac", "framed_ip": "100.64.1.1"},
            {"username": "carol", "password": "pw", "delegated_ipv6_prefix": "2001:db8:2::/56"},
        ],
        activated_at="2024-01-01T02:00:00+02:00",
        group_ids=[3, 1, 3],
    )
    account = parse_create("accounts", body, importing=True)
    assert isinstance(account, Account)
    assert account.ip_assignments == (
        ipaddress.ip_network("100.64.0.10/32"),
        ipaddress.ip_network("2001:db8:1::/56"),
    )
    mac, carol = account.radius_accounts
    assert (mac.username, mac.kind, mac.password) == ("AA:BB:CC:DD:EE:FF", RadiusKind.MAC, None)
    assert mac.framed_ip == ipaddress.IPv4Address("100.64.1.1")
    assert carol.password is not None
    assert carol.password.reveal() == "pw"
    assert account.activated_at == datetime(2024, 1, 1, tzinfo=UTC)
    assert account.activated_at.tzinfo is UTC
    assert account.group_ids == frozenset({1, 3})


def test_free_periods_allow_24_00_end_and_midnight_crossing() -> None:
    policy = parse_create(
        "usage_policies",
        payload(
            "usage_policies",
            cap_gb=1,
            free_periods=[
                {"day": "sunday", "start": "23:00", "end": "24:00"},
                {"day": "monday", "start": "22:00", "end": "06:00"},
                {"day": "friday", "start": "00:00", "end": "00:00"},
            ],
        ),
    )
    assert isinstance(policy, UsagePolicy)
    assert [(p.start_minute, p.end_minute) for p in policy.free_periods] == [
        (1380, 1440),
        (1320, 360),
        (0, 0),
    ]
    assert isinstance(policy.cap_gb, float)


def test_trigger_rules_that_pass() -> None:
    usage = parse_create(
        "triggers",
        payload(
            "triggers",
            event="account.usage_threshold",
            percent=1000,
            webhook_url="http://10.0.0.1:8080/hook",
            allow_http=True,
            secret="k",
        ),
    )
    assert isinstance(usage, Trigger)
    assert usage.percent == 1000.0
    assert usage.secret is not None
    assert usage.secret.reveal() == "k"


def test_timestamps_accept_offsets_and_fractions() -> None:
    event = parse_create(
        "scheduled_events", payload("scheduled_events", at="2030-01-01t01:30:00.25+01:30")
    )
    assert isinstance(event, ScheduledEvent)
    assert event.at == datetime(2030, 1, 1, 0, 0, 0, 250000, tzinfo=UTC)


def test_set_delinquent_needs_no_object() -> None:
    body = payload("scheduled_events", action="set_delinquent", object_id=_REMOVE)
    event = parse_create("scheduled_events", body)
    assert isinstance(event, ScheduledEvent)
    assert event.object_id is None


def test_json_nan_is_refused() -> None:
    body = json.loads('{"name": "x", "cap_gb": NaN}')
    assert error_of("usage_policies", body).field == "cap_gb"


@pytest.mark.parametrize("kind", list(PAYLOADS))
def test_payload_models_describe_themselves_for_openapi(kind: str) -> None:
    schema = PAYLOADS[kind].model_json_schema()
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
