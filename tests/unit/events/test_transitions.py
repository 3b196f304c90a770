"""`events_for`: which trigger events an account change raises, and their data."""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from provisiond.events.transitions import events_for
from provisiond.model.enums import TriggerEvent
from provisiond.model.network import parse_prefix
from provisiond.model.objects import Account, AccountStatus, RadiusAccount

STATUSES = {
    1: AccountStatus(1, "Active", activates_account=True),
    2: AccountStatus(2, "Inactive", activates_account=False),
    3: AccountStatus(3, "Vacation", activates_account=True),
}
BASE = Account(100, "Alice", status_id=2, service_ids=(10,))


def _events(before: Account | None, after: Account | None) -> dict[TriggerEvent, object]:
    return {fired.event: fired.data for fired in events_for(before, after, STATUSES)}


def test_an_unchanged_account_raises_nothing() -> None:
    assert events_for(BASE, BASE, STATUSES) == []


def test_a_deleted_account_raises_nothing() -> None:
    assert events_for(BASE, None, STATUSES) == []


def test_first_move_into_an_activating_status_activates() -> None:
    fired = events_for(BASE, replace(BASE, status_id=1), STATUSES)
    assert [f.event for f in fired] == [
        TriggerEvent.ACCOUNT_ACTIVATED,
        TriggerEvent.ACCOUNT_STATUS_CHANGED,
    ]
    assert fired[0].data == {"before": {"status_id": 2}, "after": {"status_id": 1}}
    assert fired[1].data == {"before": {"status_id": 2}, "after": {"status_id": 1}}


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (replace(BASE, status_id=1), replace(BASE, status_id=3)),  # activating to activating
        (BASE, replace(BASE, status_id=1, activated_at=datetime(2025, 1, 1, tzinfo=UTC))),
        (replace(BASE, activated_at=datetime(2025, 1, 1, tzinfo=UTC)), replace(BASE, status_id=1)),
    ],
)
def test_no_activation_when_active_already_or_activated_before(
    before: Account, after: Account
) -> None:
    assert TriggerEvent.ACCOUNT_ACTIVATED not in _events(before, after)


def test_delinquency_set_and_cleared() -> None:
    delinquent = replace(BASE, delinquent=True)
    assert _events(BASE, delinquent) == {
        TriggerEvent.ACCOUNT_DELINQUENT: {
            "before": {"delinquent": False},
            "after": {"delinquent": True},
        }
    }
    assert _events(delinquent, BASE) == {
        TriggerEvent.ACCOUNT_DELINQUENCY_CLEARED: {
            "before": {"delinquent": True},
            "after": {"delinquent": False},
        }
    }


def test_services_changed_carries_the_ordered_lists() -> None:
    assert _events(BASE, replace(BASE, service_ids=(11,))) == {
        TriggerEvent.ACCOUNT_SERVICES_CHANGED: {
            "before": {"service_ids": [10]},
            "after": {"service_ids": [11]},
        }
    }


def test_addresses_changed_by_assignment_or_radius_address() -> None:
    prefix = parse_prefix("100.64.0.10/32")
    assigned = _events(BASE, replace(BASE, ip_assignments=(prefix,)))
    assert assigned == {
        TriggerEvent.ACCOUNT_ADDRESSES_CHANGED: {
            "before": {"ip_assignments": []},
            "after": {"ip_assignments": ["100.64.0.10/32"]},
        }
    }
    entry = RadiusAccount("alice", framed_ip=ipaddress.IPv4Address("100.64.0.11"))
    framed = _events(BASE, replace(BASE, radius_accounts=(entry,)))
    after = framed[TriggerEvent.ACCOUNT_ADDRESSES_CHANGED]
    assert after == {
        "before": {"radius_addresses": []},
        "after": {
            "radius_addresses": [
                {
                    "username": "alice",
                    "framed_ip": "100.64.0.11",
                    "framed_ipv6_prefix": None,
                    "delegated_ipv6_prefix": None,
                }
            ]
        },
    }


def test_a_radius_entry_without_addresses_is_no_address_change() -> None:
    assert _events(BASE, replace(BASE, radius_accounts=(RadiusAccount("alice"),))) == {}


def test_a_new_account_raises_what_it_was_created_with() -> None:
    created = replace(BASE, status_id=1, delinquent=True)
    fired = _events(None, created)
    assert set(fired) == {
        TriggerEvent.ACCOUNT_ACTIVATED,
        TriggerEvent.ACCOUNT_STATUS_CHANGED,
        TriggerEvent.ACCOUNT_DELINQUENT,
        TriggerEvent.ACCOUNT_SERVICES_CHANGED,
    }
    assert fired[TriggerEvent.ACCOUNT_STATUS_CHANGED] == {
        "before": None,
        "after": {"status_id": 1},
    }
    assert _events(None, replace(BASE, service_ids=())) == {
        TriggerEvent.ACCOUNT_STATUS_CHANGED: {"before": None, "after": {"status_id": 2}}
    }
