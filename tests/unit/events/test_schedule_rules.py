"""The pure rules of scheduled events and vacation steps (`store.schedule_rules`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from provisiond.model.enums import EventAction, VacationState
from provisiond.model.objects import Account, ScheduledEvent, Vacation
from provisiond.store.schedule_rules import (
    RuleError,
    apply_event,
    end_vacation,
    start_vacation,
)

AT = datetime(2026, 3, 1, tzinfo=UTC)
ACCOUNT = Account(100, "Alice", status_id=1, service_ids=(10,))


def _event(
    action: EventAction, object_id: int | None = None, replacement: int | None = None
) -> ScheduledEvent:
    return ScheduledEvent(1, 100, AT, action, object_id=object_id, replacement_id=replacement)


def _apply(event: ScheduledEvent, account: Account = ACCOUNT, *, multiple: bool = False) -> Account:
    return apply_event(event, account, allow_multiple=multiple)


def test_status_delinquency_and_disconnect() -> None:
    assert _apply(_event(EventAction.CHANGE_STATUS, 2)).status_id == 2
    assert _apply(_event(EventAction.DISCONNECT, 2)).status_id == 2
    assert _apply(_event(EventAction.SET_DELINQUENT)).delinquent
    delinquent = replace(ACCOUNT, delinquent=True)
    assert not _apply(_event(EventAction.CLEAR_DELINQUENT), delinquent).delinquent


def test_add_service_fails_while_the_account_has_a_data_service() -> None:
    with pytest.raises(RuleError, match="already has a data service"):
        _apply(_event(EventAction.ADD_SERVICE, 11))
    assert _apply(_event(EventAction.ADD_SERVICE, 11), multiple=True).service_ids == (10, 11)
    bare = replace(ACCOUNT, service_ids=())
    assert _apply(_event(EventAction.ADD_SERVICE, 11), bare).service_ids == (11,)
    with pytest.raises(RuleError, match="already has service 10"):
        _apply(_event(EventAction.ADD_SERVICE, 10), multiple=True)


def test_remove_service() -> None:
    assert _apply(_event(EventAction.REMOVE_SERVICE, 10)).service_ids == ()
    with pytest.raises(RuleError, match="does not have service 11"):
        _apply(_event(EventAction.REMOVE_SERVICE, 11))


def test_swap_service_replaces_in_place() -> None:
    two = replace(ACCOUNT, service_ids=(10, 12))
    assert _apply(_event(EventAction.SWAP_SERVICE, 10, 11), two).service_ids == (11, 12)
    with pytest.raises(RuleError, match="does not have service 13"):
        _apply(_event(EventAction.SWAP_SERVICE, 13, 11))
    with pytest.raises(RuleError, match="already has service 12"):
        _apply(_event(EventAction.SWAP_SERVICE, 10, 12), two)


VACATION = Vacation(5, 100, AT, datetime(2026, 3, 8, tzinfo=UTC), status_id=3, service_id=20)


def test_a_vacation_saves_then_restores() -> None:
    moved, active = start_vacation(VACATION, ACCOUNT)
    assert (moved.status_id, moved.service_ids) == (3, (20,))
    assert (active.saved_status_id, active.saved_service_id) == (1, 10)
    assert active.state is VacationState.ACTIVE
    restored, done = end_vacation(active, moved)
    assert restored == ACCOUNT
    assert done.state is VacationState.DONE
    early = datetime(2026, 3, 4, tzinfo=UTC)
    assert end_vacation(active, moved, ended_at=early)[1].end == early


def test_a_vacation_needs_a_service_to_save() -> None:
    with pytest.raises(RuleError, match="no data service"):
        start_vacation(VACATION, replace(ACCOUNT, service_ids=()))


def test_no_restore_once_the_account_left_the_vacation() -> None:
    moved, active = start_vacation(VACATION, ACCOUNT)
    with pytest.raises(RuleError, match="not restored"):
        end_vacation(active, replace(moved, status_id=2))
    with pytest.raises(RuleError, match="not restored"):
        end_vacation(active, replace(moved, service_ids=(10,)))
    with pytest.raises(RuleError, match="saved no status"):
        end_vacation(VACATION, moved)
