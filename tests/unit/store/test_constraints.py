"""The pure integrity checks, against hand-built indexes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from provisiond.model import objects
from provisiond.model.enums import EventAction
from provisiond.model.errors import ConflictError, InvalidError
from provisiond.store.constraints import Index, Reference, check, references

AT = datetime(2026, 1, 1, tzinfo=UTC)


def test_account_references_name_their_fields() -> None:
    account = objects.Account(
        1, "a", status_id=2, type_id=3, group_ids=frozenset({9, 4}), service_ids=(7,), parent_id=5
    )
    assert references(account) == [
        Reference("status_id", "account_statuses", 2),
        Reference("type_id", "account_types", 3),
        Reference("group_ids.0", "account_groups", 4),
        Reference("group_ids.1", "account_groups", 9),
        Reference("service_ids.0", "services", 7),
        Reference("parent_id", "accounts", 5),
    ]


@pytest.mark.parametrize(
    ("action", "kind"),
    [(EventAction.CHANGE_STATUS, "account_statuses"), (EventAction.REMOVE_SERVICE, "services")],
)
def test_an_event_object_is_a_status_or_a_service_by_action(action: EventAction, kind: str) -> None:
    event = objects.ScheduledEvent(1, 2, AT, action, object_id=3)
    assert Reference("object_id", kind, 3) in references(event)


def test_events_without_an_object_reference_only_the_account() -> None:
    event = objects.ScheduledEvent(1, 2, AT, EventAction.CLEAR_DELINQUENT)
    assert references(event) == [Reference("account_id", "accounts", 2)]


def test_claiming_a_taken_name_conflicts_with_the_prefix() -> None:
    index = Index(names={"account_groups": {"north": 1}})
    with pytest.raises(ConflictError) as caught:
        index.claim("account_groups", objects.AccountGroup(2, "north"), prefix="account_groups.4.")
    assert caught.value.field == "account_groups.4.name"
    index.claim("account_groups", objects.AccountGroup(1, "north"))


def test_forgetting_a_replaced_object_frees_its_name_and_usernames() -> None:
    stored = objects.Account(1, "a", 1, radius_accounts=(objects.RadiusAccount("u"),))
    group = objects.AccountGroup(1, "north")
    index = Index(names={"account_groups": {"north": 1}}, usernames={"u": 1})
    index.forget("accounts", stored)
    index.forget("account_groups", group)
    index.claim("accounts", objects.Account(2, "b", 1, radius_accounts=stored.radius_accounts))
    index.claim("account_groups", objects.AccountGroup(2, "north"))
    assert index.usernames == {"u": 2}
    assert index.ids == {"accounts": {2}, "account_groups": {2}}


def test_a_missing_reference_is_invalid_with_the_field() -> None:
    index = Index(ids={"account_statuses": {1}, "services": {7}})
    ok = objects.Account(1, "a", status_id=1, service_ids=(7,))
    check(ok, index, allow_multiple_data_services=False)
    with pytest.raises(InvalidError) as caught:
        check(objects.Account(1, "a", status_id=2), index, allow_multiple_data_services=False)
    assert caught.value.field == "status_id"


def test_multiple_data_services_only_when_allowed() -> None:
    index = Index(ids={"account_statuses": {1}, "services": {7, 8}})
    two = objects.Account(1, "a", status_id=1, service_ids=(7, 8))
    with pytest.raises(ConflictError) as caught:
        check(two, index, allow_multiple_data_services=False)
    assert caught.value.field == "service_ids"
    check(two, index, allow_multiple_data_services=True)
    twice = objects.Account(1, "a", status_id=1, service_ids=(7, 7))
    with pytest.raises(InvalidError) as invalid:
        check(twice, index, allow_multiple_data_services=True)
    assert invalid.value.field == "service_ids.1"


def test_a_swap_needs_its_replacement() -> None:
    swap = objects.ScheduledEvent(1, 2, AT, EventAction.SWAP_SERVICE, object_id=3)
    with pytest.raises(InvalidError) as caught:
        check(swap, Index(), allow_multiple_data_services=False)
    assert caught.value.field == "replacement_id"
