"""What a scheduled event or a vacation step does to an account, as pure functions.

They live in the store, beside the transactions that apply them (`schedule.py`,
`vacations.py`), because two packages run them: the scheduler (`provisiond.events`) at
their time and the API (`provisiond.status`) when a vacation is ended early, and those
two may not import each other. A step that cannot apply raises `RuleError`, whose message
is recorded as the event's or vacation's `error`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Final

from provisiond.model.enums import EventAction, VacationState

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from datetime import datetime

    from provisiond.model.objects import Account, ScheduledEvent, Vacation

    Action = Callable[[ScheduledEvent, Account], Account]


class RuleError(Exception):
    """The step cannot apply to the account as it is now."""


def _object_id(event: ScheduledEvent) -> int:
    if event.object_id is None:  # the store refuses such events; an old row may have one
        raise RuleError(f"{event.action.value} names no object_id")
    return event.object_id


def _change_status(event: ScheduledEvent, account: Account) -> Account:
    return replace(account, status_id=_object_id(event))


def _add_service(event: ScheduledEvent, account: Account, *, multiple: bool) -> Account:
    service_id = _object_id(event)
    if service_id in account.service_ids:
        raise RuleError(f"the account already has service {service_id}")
    if account.service_ids and not multiple:
        # Sonar's rule: remove the data service first (or schedule a swap_service).
        raise RuleError(
            f"the account already has a data service ({account.service_ids[0]}); "
            "remove it first or use swap_service"
        )
    return replace(account, service_ids=(*account.service_ids, service_id))


def _remove_service(event: ScheduledEvent, account: Account) -> Account:
    service_id = _object_id(event)
    if service_id not in account.service_ids:
        raise RuleError(f"the account does not have service {service_id}")
    return replace(account, service_ids=tuple(s for s in account.service_ids if s != service_id))


def _swap_service(event: ScheduledEvent, account: Account) -> Account:
    """Remove and add in one step, in place: a primary service stays the primary."""
    old, new = _object_id(event), event.replacement_id
    if new is None:
        raise RuleError("swap_service names no replacement_id")
    if old not in account.service_ids:
        raise RuleError(f"the account does not have service {old}")
    if new in account.service_ids:
        raise RuleError(f"the account already has service {new}")
    swapped = tuple(new if s == old else s for s in account.service_ids)
    return replace(account, service_ids=swapped)


def _set_delinquent(_event: ScheduledEvent, account: Account) -> Account:
    return replace(account, delinquent=True)


def _clear_delinquent(_event: ScheduledEvent, account: Account) -> Account:
    return replace(account, delinquent=False)


_ACTIONS: Final[Mapping[EventAction, Action]] = {
    EventAction.CHANGE_STATUS: _change_status,
    EventAction.REMOVE_SERVICE: _remove_service,
    EventAction.SWAP_SERVICE: _swap_service,
    EventAction.SET_DELINQUENT: _set_delinquent,
    EventAction.CLEAR_DELINQUENT: _clear_delinquent,
    # Sonar's disconnection, as far as the account goes: the status. The live sessions'
    # Disconnect-Request is the CoA layer's, told through the scheduler's hook.
    EventAction.DISCONNECT: _change_status,
}


def apply_event(event: ScheduledEvent, account: Account, *, allow_multiple: bool) -> Account:
    """The account after `event`; `allow_multiple` is `[model] allow_multiple_data_services`."""
    if event.action is EventAction.ADD_SERVICE:
        return _add_service(event, account, multiple=allow_multiple)
    return _ACTIONS[event.action](event, account)


def start_vacation(vacation: Vacation, account: Account) -> tuple[Account, Vacation]:
    """Save the status and primary service, then move to the vacation's."""
    if not account.service_ids:
        raise RuleError("the account has no data service to save")
    rest = tuple(s for s in account.service_ids[1:] if s != vacation.service_id)
    moved = replace(account, status_id=vacation.status_id, service_ids=(vacation.service_id, *rest))
    active = replace(
        vacation,
        saved_status_id=account.status_id,
        saved_service_id=account.service_ids[0],
        state=VacationState.ACTIVE,
        error=None,
    )
    return moved, active


def on_vacation(vacation: Vacation, account: Account) -> bool:
    """Whether the account still has the vacation's status and primary service."""
    return (
        account.status_id == vacation.status_id
        and account.primary_service_id == vacation.service_id
    )


def end_vacation(
    vacation: Vacation, account: Account, *, ended_at: datetime | None = None
) -> tuple[Account, Vacation]:
    """Restore what `start_vacation` saved, only if nobody moved the account meanwhile.

    A blind restore would re-activate an account billing disconnected during the vacation.
    `ended_at` is given when the vacation ends before its `end`.
    """
    saved_status, saved_service = vacation.saved_status_id, vacation.saved_service_id
    if saved_status is None or saved_service is None:
        raise RuleError("the vacation saved no status and service to restore")
    if not on_vacation(vacation, account):
        raise RuleError(
            f"not restored: the account has status {account.status_id} and service "
            f"{account.primary_service_id}, no longer the vacation's status "
            f"{vacation.status_id} and service {vacation.service_id}"
        )
    rest = tuple(s for s in account.service_ids[1:] if s != saved_service)
    restored = replace(account, status_id=saved_status, service_ids=(saved_service, *rest))
    done = replace(vacation, state=VacationState.DONE, end=ended_at or vacation.end)
    return restored, done
