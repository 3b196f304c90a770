"""The closed vocabularies of DESIGN.md §1; their values are the contract's spelling."""

from __future__ import annotations

from enum import StrEnum


class StatusClass(StrEnum):
    """`account_status` filter of address lists and RADIUS groups."""

    ALL = "all"
    ACTIVE = "active"
    INACTIVE = "inactive"


class Delinquency(StrEnum):
    ALL = "all"
    CURRENT = "current"
    DELINQUENT = "delinquent"


class UsageClass(StrEnum):
    ALL = "all"
    UNDER_CAP = "under_cap"
    OVER_CAP = "over_cap"


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @property
    def number(self) -> int:
        """Monday = 0, as `datetime.weekday()` counts."""
        return _WEEKDAY_NUMBERS[self]


_WEEKDAY_NUMBERS = {day: number for number, day in enumerate(Weekday)}


class RadiusKind(StrEnum):
    PASSWORD = "password"  # noqa: S105 - a kind name, not a password
    MAC = "mac"


class ReplyOp(StrEnum):
    """FreeRADIUS reply operators: `=` add if absent, `:=` replace, `+=` append."""

    SET_IF_ABSENT = "="
    REPLACE = ":="
    APPEND = "+="


class EventAction(StrEnum):
    CHANGE_STATUS = "change_status"
    ADD_SERVICE = "add_service"
    REMOVE_SERVICE = "remove_service"
    SWAP_SERVICE = "swap_service"
    SET_DELINQUENT = "set_delinquent"
    CLEAR_DELINQUENT = "clear_delinquent"
    DISCONNECT = "disconnect"


class VacationState(StrEnum):
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


class TriggerEvent(StrEnum):
    ACCOUNT_ACTIVATED = "account.activated"
    ACCOUNT_DELINQUENT = "account.delinquent"
    ACCOUNT_DELINQUENCY_CLEARED = "account.delinquency_cleared"
    ACCOUNT_STATUS_CHANGED = "account.status_changed"
    ACCOUNT_SERVICES_CHANGED = "account.services_changed"
    ACCOUNT_ADDRESSES_CHANGED = "account.addresses_changed"
    ACCOUNT_USAGE_THRESHOLD = "account.usage_threshold"
    DEVICE_UNREACHABLE = "device.unreachable"
    DEVICE_RECOVERED = "device.recovered"
    SCHEDULED_EVENT_FAILED = "scheduled_event.failed"
