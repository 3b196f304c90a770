"""hypothesis strategies of valid model objects, one per kind of DESIGN.md §1."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from hypothesis import strategies as st

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

if TYPE_CHECKING:
    from provisiond.model.network import Prefix
    from provisiond.schema.kinds import ModelObject

MAX_INT64 = 2**63 - 1

ids = st.integers(min_value=1, max_value=MAX_INT64)
names = st.text(min_size=1, max_size=20).filter(lambda s: bool(s.strip()))
list_names = st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True)
kbps = st.integers(min_value=1, max_value=MAX_INT64 // 1000)
timestamps = st.datetimes(timezones=st.just(UTC))
id_sets = st.frozensets(ids, max_size=4)
optional_ids = st.none() | ids


@st.composite
def prefixes(draw: st.DrawFn, version: Literal[4, 6] | None = None) -> Prefix:
    address = draw(st.ip_addresses(v=version))
    length = draw(st.integers(min_value=0, max_value=address.max_prefixlen))
    return ipaddress.ip_network(f"{address}/{length}", strict=False)


def statuses() -> st.SearchStrategy[AccountStatus]:
    return st.builds(AccountStatus, id=ids, name=names, activates_account=st.booleans())


def types() -> st.SearchStrategy[AccountType]:
    return st.builds(AccountType, id=ids, name=names)


def groups() -> st.SearchStrategy[AccountGroup]:
    return st.builds(AccountGroup, id=ids, name=names)


def policies() -> st.SearchStrategy[UsagePolicy]:
    periods = st.builds(
        FreePeriod,
        day=st.sampled_from(Weekday),
        start_minute=st.integers(0, 1439),
        end_minute=st.integers(0, 1440),
    )
    caps = st.floats(min_value=0, exclude_min=True, allow_nan=False, allow_infinity=False)
    return st.builds(
        UsagePolicy,
        id=ids,
        name=names,
        cap_gb=caps,
        free_periods=st.lists(periods, max_size=3).map(tuple),
    )


def services() -> st.SearchStrategy[Service]:
    bursts = st.builds(
        Burst,
        download_kbps=kbps,
        upload_kbps=kbps,
        threshold_download_kbps=kbps,
        threshold_upload_kbps=kbps,
        seconds=st.integers(1, 3600),
    )
    return st.builds(
        Service,
        id=ids,
        name=names,
        download_kbps=kbps,
        upload_kbps=kbps,
        burst=st.none() | bursts,
        usage_policy_id=optional_ids,
    )


filters = st.builds(
    MembershipFilter,
    account_status=st.sampled_from(StatusClass),
    delinquency=st.sampled_from(Delinquency),
    status_ids=id_sets,
    type_ids=id_sets,
    group_ids=id_sets,
    service_ids=id_sets,
    usage_policy_ids=id_sets,
    usage=st.sampled_from(UsageClass),
)
device_lists = st.lists(names, max_size=3, unique=True).map(tuple)


def address_lists() -> st.SearchStrategy[AddressList]:
    return st.builds(AddressList, id=ids, name=list_names, filter=filters, devices=device_lists)


def radius_groups() -> st.SearchStrategy[RadiusGroup]:
    replies = st.builds(
        RadiusReply, attribute=names, op=st.sampled_from(ReplyOp), value=st.text(max_size=20)
    )
    return st.builds(
        RadiusGroup,
        id=ids,
        name=names,
        filter=filters,
        devices=device_lists,
        priority=st.integers(-(2**63), MAX_INT64),
        fall_through=st.booleans(),
        replies=st.lists(replies, max_size=3).map(tuple),
    )


@st.composite
def triggers(draw: st.DrawFn) -> Trigger:
    event = draw(st.sampled_from(TriggerEvent))
    usage = event is TriggerEvent.ACCOUNT_USAGE_THRESHOLD
    allow_http = draw(st.booleans())
    scheme = draw(st.sampled_from(["https", "http"] if allow_http else ["https"]))
    host = draw(st.from_regex(r"[a-z]{1,10}\.example", fullmatch=True))
    return Trigger(
        id=draw(ids),
        name=draw(names),
        event=event,
        webhook_url=f"{scheme}://{host}/hook",
        percent=draw(st.floats(0, 1000, exclude_min=True)) if usage else None,
        secret=draw(st.none() | names.map(Secret)),
        allow_http=allow_http,
    )


macs = st.binary(min_size=6, max_size=6).map(lambda b: ":".join(f"{x:02X}" for x in b))
password_accounts = st.builds(
    RadiusAccount,
    username=names,
    kind=st.just(RadiusKind.PASSWORD),
    password=names.map(Secret),
    framed_ip=st.none() | st.ip_addresses(v=4),
    framed_ipv6_prefix=st.none() | prefixes(6),
    delegated_ipv6_prefix=st.none() | prefixes(6),
)
mac_accounts = st.builds(
    RadiusAccount,
    username=macs,
    kind=st.just(RadiusKind.MAC),
    framed_ip=st.none() | st.ip_addresses(v=4),
)


def accounts() -> st.SearchStrategy[Account]:
    radius = st.lists(password_accounts | mac_accounts, max_size=3, unique_by=lambda r: r.username)
    built = st.builds(
        Account,
        id=ids,
        name=names,
        status_id=ids,
        type_id=optional_ids,
        group_ids=id_sets,
        delinquent=st.booleans(),
        parent_id=optional_ids,
        service_ids=st.lists(ids, max_size=3, unique=True).map(tuple),
        ip_assignments=st.lists(prefixes(), max_size=3, unique=True).map(tuple),
        radius_accounts=radius.map(tuple),
        activated_at=st.none() | timestamps,
    )
    return built.filter(lambda a: a.parent_id != a.id)


@st.composite
def scheduled_events(draw: st.DrawFn) -> ScheduledEvent:
    action = draw(st.sampled_from(EventAction))
    needs_object = action not in {EventAction.SET_DELINQUENT, EventAction.CLEAR_DELINQUENT}
    return ScheduledEvent(
        id=draw(ids),
        account_id=draw(ids),
        at=draw(timestamps),
        action=action,
        object_id=draw(ids) if needs_object else draw(optional_ids),
        replacement_id=draw(ids) if action is EventAction.SWAP_SERVICE else None,
        complete=draw(st.booleans()),
        error=draw(st.none() | st.text(max_size=20)),
    )


# Leaves room for a vacation's end before year 9999 runs out; hypothesis bounds are naive.
LAST_START = datetime(9999, 10, 1)  # noqa: DTZ001


@st.composite
def vacations(draw: st.DrawFn) -> Vacation:
    start = draw(st.datetimes(max_value=LAST_START, timezones=st.just(UTC)))
    length = draw(st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(60)))
    return Vacation(
        id=draw(ids),
        account_id=draw(ids),
        start=start,
        end=start + length,
        status_id=draw(ids),
        service_id=draw(ids),
        saved_status_id=draw(optional_ids),
        saved_service_id=draw(optional_ids),
        state=draw(st.sampled_from(VacationState)),
        error=draw(st.none() | st.text(max_size=20)),
    )


STRATEGIES: dict[str, st.SearchStrategy[ModelObject]] = {
    "account_statuses": statuses(),
    "account_types": types(),
    "account_groups": groups(),
    "usage_policies": policies(),
    "services": services(),
    "address_lists": address_lists(),
    "radius_groups": radius_groups(),
    "triggers": triggers(),
    "accounts": accounts(),
    "scheduled_events": scheduled_events(),
    "vacations": vacations(),
}
