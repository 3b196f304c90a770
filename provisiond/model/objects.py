"""The domain objects of DESIGN.md §1 as frozen values.

They hold already-validated data: parsing and error reporting happen in `schema/`
(API and import payloads) and `store/` (rows). Collections are tuples or frozensets so a
value can be shared between the policy engine, the store and the API without copying.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    import ipaddress
    from datetime import datetime

    from provisiond.model.network import Prefix
    from provisiond.model.secret import Secret

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class AccountStatus:
    id: int
    name: str
    activates_account: bool


@dataclass(frozen=True, slots=True)
class AccountType:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class AccountGroup:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class FreePeriod:
    """A weekly wall-clock window; minutes since midnight, `end <= start` crosses midnight.

    `end_minute` may be 1440 (`"24:00"`).
    """

    day: Weekday
    start_minute: int
    end_minute: int


@dataclass(frozen=True, slots=True)
class UsagePolicy:
    id: int
    name: str
    cap_gb: float
    free_periods: tuple[FreePeriod, ...] = ()

    @property
    def cap_bytes(self) -> int:
        """1 GB = 10^9 bytes (decimal, as ISPs bill)."""
        return round(self.cap_gb * 1_000_000_000)


@dataclass(frozen=True, slots=True)
class Burst:
    download_kbps: int
    upload_kbps: int
    threshold_download_kbps: int
    threshold_upload_kbps: int
    seconds: int


@dataclass(frozen=True, slots=True)
class Service:
    """A data service; rates are kbit/s, decimal."""

    id: int
    name: str
    download_kbps: int
    upload_kbps: int
    burst: Burst | None = None
    usage_policy_id: int | None = None


@dataclass(frozen=True, slots=True)
class RadiusAccount:
    username: str
    kind: RadiusKind = RadiusKind.PASSWORD
    password: Secret | None = None
    framed_ip: ipaddress.IPv4Address | None = None
    framed_ipv6_prefix: ipaddress.IPv6Network | None = None
    delegated_ipv6_prefix: ipaddress.IPv6Network | None = None


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    name: str
    status_id: int
    type_id: int | None = None
    group_ids: frozenset[int] = frozenset()
    delinquent: bool = False
    parent_id: int | None = None
    service_ids: tuple[int, ...] = ()
    ip_assignments: tuple[Prefix, ...] = ()
    radius_accounts: tuple[RadiusAccount, ...] = ()
    activated_at: datetime | None = None

    @property
    def primary_service_id(self) -> int | None:
        return self.service_ids[0] if self.service_ids else None


@dataclass(frozen=True, slots=True)
class MembershipFilter:
    """The filters shared by address lists and RADIUS groups (the §1 membership rule).

    An empty frozenset does not restrict.
    """

    account_status: StatusClass = StatusClass.ALL
    delinquency: Delinquency = Delinquency.ALL
    status_ids: frozenset[int] = frozenset()
    type_ids: frozenset[int] = frozenset()
    group_ids: frozenset[int] = frozenset()
    service_ids: frozenset[int] = frozenset()
    usage_policy_ids: frozenset[int] = frozenset()
    usage: UsageClass = UsageClass.ALL


@dataclass(frozen=True, slots=True)
class AddressList:
    id: int
    name: str
    filter: MembershipFilter = field(default_factory=MembershipFilter)
    devices: tuple[str, ...] = ()  # empty = every device


@dataclass(frozen=True, slots=True)
class RadiusReply:
    attribute: str
    op: ReplyOp
    value: str


@dataclass(frozen=True, slots=True)
class RadiusGroup:
    id: int
    name: str
    filter: MembershipFilter = field(default_factory=MembershipFilter)
    devices: tuple[str, ...] = ()  # NAS devices whose requests it answers; empty = all
    priority: int = 100
    fall_through: bool = True
    replies: tuple[RadiusReply, ...] = ()


@dataclass(frozen=True, slots=True)
class ScheduledEvent:
    id: int
    account_id: int
    at: datetime
    action: EventAction
    object_id: int | None = None
    replacement_id: int | None = None
    complete: bool = False
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Vacation:
    id: int
    account_id: int
    start: datetime
    end: datetime
    status_id: int
    service_id: int
    saved_status_id: int | None = None
    saved_service_id: int | None = None
    state: VacationState = VacationState.SCHEDULED
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Trigger:
    id: int
    name: str
    event: TriggerEvent
    webhook_url: str
    percent: float | None = None
    secret: Secret | None = None
    allow_http: bool = False


@dataclass(frozen=True, slots=True)
class Dataset:
    """The whole model, as `provisiond import` and `export` carry it (DESIGN.md §3)."""

    account_statuses: tuple[AccountStatus, ...] = ()
    account_types: tuple[AccountType, ...] = ()
    account_groups: tuple[AccountGroup, ...] = ()
    usage_policies: tuple[UsagePolicy, ...] = ()
    services: tuple[Service, ...] = ()
    address_lists: tuple[AddressList, ...] = ()
    radius_groups: tuple[RadiusGroup, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    accounts: tuple[Account, ...] = ()
    scheduled_events: tuple[ScheduledEvent, ...] = ()
    vacations: tuple[Vacation, ...] = ()
