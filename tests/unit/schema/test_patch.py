"""`apply_patch`: RFC 7396 merge semantics on the dumped shape, then whole-object validation."""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from provisiond.model.enums import EventAction, RadiusKind, TriggerEvent
from provisiond.model.errors import InvalidError
from provisiond.model.objects import (
    Account,
    Burst,
    RadiusAccount,
    ScheduledEvent,
    Service,
    Trigger,
)
from provisiond.model.secret import Secret
from provisiond.schema import apply_patch, dump
from provisiond.schema.patch import merge

ALICE = Account(
    id=1001,
    name="Alice",
    status_id=1,
    type_id=2,
    group_ids=frozenset({1}),
    service_ids=(2,),
    ip_assignments=(ipaddress.ip_network("100.64.0.10/32"),),
    radius_accounts=(
        RadiusAccount("alice", password=Secret("old-pw")),
        RadiusAccount("AA:BB:CC:DD:EE:FF", kind=RadiusKind.MAC),
    ),
    activated_at=datetime(2024, 1, 1, tzinfo=UTC),
)
HOME = Service(
    id=2,
    name="Home 100",
    download_kbps=100000,
    upload_kbps=20000,
    burst=Burst(150000, 30000, 80000, 16000, 16),
)


def error_of(current: Account | Service | Trigger | ScheduledEvent, patch: object) -> InvalidError:
    with pytest.raises(InvalidError) as info:
        apply_patch(current, patch)
    return info.value


def test_absent_fields_are_unchanged() -> None:
    assert apply_patch(ALICE, {}) == ALICE
    assert apply_patch(ALICE, {"name": "Alice B"}) == replace(ALICE, name="Alice B")


def test_null_clears_to_the_default() -> None:
    patched = apply_patch(ALICE, {"type_id": None, "group_ids": None, "service_ids": None})
    assert isinstance(patched, Account)
    assert patched.type_id is None
    assert patched.group_ids == frozenset()
    assert patched.service_ids == ()


def test_null_on_a_required_field_is_an_error() -> None:
    assert error_of(ALICE, {"name": None}).field == "name"


def test_arrays_replace() -> None:
    patched = apply_patch(ALICE, {"ip_assignments": ["100.64.0.20/32"], "service_ids": [3, 1]})
    assert isinstance(patched, Account)
    assert patched.ip_assignments == (ipaddress.ip_network("100.64.0.20/32"),)
    assert patched.service_ids == (3, 1)


def test_nested_objects_merge() -> None:
    patched = apply_patch(HOME, {"burst": {"seconds": 32}})
    assert isinstance(patched, Service)
    assert patched.burst == Burst(150000, 30000, 80000, 16000, 32)
    cleared = apply_patch(HOME, {"burst": None})
    assert isinstance(cleared, Service)
    assert cleared.burst is None


def test_a_partial_new_nested_object_is_invalid() -> None:
    plain = Service(id=3, name="Home 25", download_kbps=25000, upload_kbps=5000)
    error = error_of(plain, {"burst": {"seconds": 8}})
    assert error.field == "burst.download_kbps"


def test_password_is_kept_by_username() -> None:
    patch = {
        "radius_accounts": [
            {"username": "alice", "framed_ip": "100.64.1.1"},
            {"username": "aa-bb-cc-dd-ee-ff", "kind": "mac"},
        ]
    }
    patched = apply_patch(ALICE, patch)
    assert isinstance(patched, Account)
    alice, mac = patched.radius_accounts
    assert alice.password == Secret("old-pw")
    assert alice.framed_ip == ipaddress.IPv4Address("100.64.1.1")
    assert mac.username == "AA:BB:CC:DD:EE:FF"
    # The caller's patch is not changed behind its back.
    assert "password" not in patch["radius_accounts"][0]


def test_a_given_password_replaces_the_stored_one() -> None:
    patched = apply_patch(ALICE, {"radius_accounts": [{"username": "alice", "password": "new"}]})
    assert isinstance(patched, Account)
    assert patched.radius_accounts == (RadiusAccount("alice", password=Secret("new")),)


def test_a_new_password_entry_needs_its_password() -> None:
    patch = {"radius_accounts": [{"username": "alice"}, {"username": "alice2"}]}
    error = error_of(ALICE, patch)
    assert error.field == "radius_accounts.1.password"
    # A null password is no password, not the stored one cleared.
    assert error_of(ALICE, {"radius_accounts": [{"username": "x", "password": None}]}).field == (
        "radius_accounts.0.password"
    )


def test_renaming_a_username_needs_a_password() -> None:
    error = error_of(ALICE, {"radius_accounts": [{"username": "alice.new"}]})
    assert error.field == "radius_accounts.0.password"


def test_id_cannot_change() -> None:
    assert error_of(ALICE, {"id": 1002}).field == "id"
    assert error_of(ALICE, {"id": None}).field == "id"
    assert apply_patch(ALICE, {"id": 1001}) == ALICE


def test_read_only_fields_may_be_sent_back_but_not_changed() -> None:
    same = dump(ALICE)["activated_at"]
    assert apply_patch(ALICE, {"activated_at": same}) == ALICE
    assert error_of(ALICE, {"activated_at": "2025-01-01T00:00:00Z"}).field == "activated_at"
    assert error_of(ALICE, {"activated_at": None}).field == "activated_at"
    event = ScheduledEvent(1, 1001, datetime(2030, 1, 1, tzinfo=UTC), EventAction.DISCONNECT, 2)
    assert error_of(event, {"complete": True}).field == "complete"


def test_a_whole_object_read_back_is_a_no_op() -> None:
    assert apply_patch(ALICE, dump(ALICE)) == ALICE


def test_trigger_secret_survives_and_can_be_replaced() -> None:
    trigger = Trigger(
        1, "t", TriggerEvent.ACCOUNT_ACTIVATED, "https://h.example/x", secret=Secret("k")
    )
    renamed = apply_patch(trigger, {"name": "t2"})
    assert isinstance(renamed, Trigger)
    assert renamed.secret == Secret("k")
    rotated = apply_patch(trigger, {"secret": "k2"})
    assert isinstance(rotated, Trigger)
    assert rotated.secret == Secret("k2")


def test_validation_runs_on_the_merged_object() -> None:
    trigger = Trigger(1, "t", TriggerEvent.ACCOUNT_ACTIVATED, "https://h.example/x")
    assert error_of(trigger, {"event": "account.usage_threshold"}).field == "percent"
    assert error_of(ALICE, {"nickname": "al"}).field == "nickname"
    assert error_of(ALICE, {"radius_accounts": [{"username": ""}]}).field == (
        "radius_accounts.0.username"
    )


@pytest.mark.parametrize("patch", [None, [], "x", 3])
def test_patch_must_be_an_object(patch: object) -> None:
    assert error_of(ALICE, patch).field is None


def test_merge_follows_rfc_7396_examples() -> None:
    # RFC 7396 appendix A, the cases that apply to objects.
    assert merge({"a": "b"}, {"a": "c"}) == {"a": "c"}
    assert merge({"a": "b"}, {"b": "c"}) == {"a": "b", "b": "c"}
    assert merge({"a": "b"}, {"a": None}) == {}
    assert merge({"a": "b", "b": "c"}, {"a": None}) == {"b": "c"}
    assert merge({"a": ["b"]}, {"a": "c"}) == {"a": "c"}
    assert merge({"a": "c"}, {"a": ["b"]}) == {"a": ["b"]}
    assert merge({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}) == {"a": {"b": "d"}}
    assert merge({"a": [{"b": "c"}]}, {"a": [1]}) == {"a": [1]}
    assert merge({"e": None}, {"a": 1}) == {"e": None, "a": 1}
    assert merge({}, {"a": {"bb": {"ccc": None}}}) == {"a": {"bb": {}}}
