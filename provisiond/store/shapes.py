"""Row shapes of every kind but accounts: how a value maps onto its tables.

Each kind has a `*_rows` function (value → main row and child rows) and a reader (rows
→ value); `kinds.py` pairs them with their tables. Secret columns go through
`SecretColumns`, so encryption at rest is decided in one place.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Final, TypeAlias

from provisiond.model import objects
from provisiond.model.enums import (
    Delinquency,
    EventAction,
    ReplyOp,
    StatusClass,
    TriggerEvent,
    UsageClass,
    VacationState,
    Weekday,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sqlalchemy.engine import RowMapping

    from provisiond.store.crypto import SecretColumns

RowDict: TypeAlias = dict[str, object]
ChildRows: TypeAlias = dict[str, list[RowDict]]
"""Child table name → its rows for one object, without the owner column."""

TRIGGER_SECRET: Final = "triggers.secret"  # noqa: S105 - a column name (AEAD data)
FILTER_FIELDS: Final = ("status_ids", "type_ids", "group_ids", "service_ids", "usage_policy_ids")


def status_rows(obj: objects.AccountStatus, _: SecretColumns) -> tuple[RowDict, ChildRows]:
    return {"id": obj.id, "name": obj.name, "activates_account": obj.activates_account}, {}


def status(
    row: RowMapping, _c: Mapping[str, Sequence[RowMapping]], _s: SecretColumns
) -> objects.AccountStatus:
    return objects.AccountStatus(
        id=row["id"], name=row["name"], activates_account=bool(row["activates_account"])
    )


def named_rows(
    obj: objects.AccountType | objects.AccountGroup, _: SecretColumns
) -> tuple[RowDict, ChildRows]:
    return {"id": obj.id, "name": obj.name}, {}


def account_type(
    row: RowMapping, _c: Mapping[str, Sequence[RowMapping]], _s: SecretColumns
) -> objects.AccountType:
    return objects.AccountType(id=row["id"], name=row["name"])


def account_group(
    row: RowMapping, _c: Mapping[str, Sequence[RowMapping]], _s: SecretColumns
) -> objects.AccountGroup:
    return objects.AccountGroup(id=row["id"], name=row["name"])


def policy_rows(obj: objects.UsagePolicy, _: SecretColumns) -> tuple[RowDict, ChildRows]:
    periods: list[RowDict] = [
        {
            "position": position,
            "day": period.day.value,
            "start_minute": period.start_minute,
            "end_minute": period.end_minute,
        }
        for position, period in enumerate(obj.free_periods)
    ]
    main: RowDict = {"id": obj.id, "name": obj.name, "cap_gb": obj.cap_gb}
    return main, {"usage_policy_free_periods": periods}


def policy(
    row: RowMapping, children: Mapping[str, Sequence[RowMapping]], _: SecretColumns
) -> objects.UsagePolicy:
    periods = tuple(
        objects.FreePeriod(
            day=Weekday(period["day"]),
            start_minute=period["start_minute"],
            end_minute=period["end_minute"],
        )
        for period in children["usage_policy_free_periods"]
    )
    return objects.UsagePolicy(
        id=row["id"], name=row["name"], cap_gb=float(row["cap_gb"]), free_periods=periods
    )


def service_rows(obj: objects.Service, _: SecretColumns) -> tuple[RowDict, ChildRows]:
    burst = obj.burst
    return {
        "id": obj.id,
        "name": obj.name,
        "download_kbps": obj.download_kbps,
        "upload_kbps": obj.upload_kbps,
        "burst_download_kbps": burst.download_kbps if burst else None,
        "burst_upload_kbps": burst.upload_kbps if burst else None,
        "burst_threshold_download_kbps": burst.threshold_download_kbps if burst else None,
        "burst_threshold_upload_kbps": burst.threshold_upload_kbps if burst else None,
        "burst_seconds": burst.seconds if burst else None,
        "usage_policy_id": obj.usage_policy_id,
    }, {}


def service(
    row: RowMapping, _c: Mapping[str, Sequence[RowMapping]], _s: SecretColumns
) -> objects.Service:
    burst = None
    if row["burst_seconds"] is not None:
        burst = objects.Burst(
            download_kbps=row["burst_download_kbps"],
            upload_kbps=row["burst_upload_kbps"],
            threshold_download_kbps=row["burst_threshold_download_kbps"],
            threshold_upload_kbps=row["burst_threshold_upload_kbps"],
            seconds=row["burst_seconds"],
        )
    return objects.Service(
        id=row["id"],
        name=row["name"],
        download_kbps=row["download_kbps"],
        upload_kbps=row["upload_kbps"],
        burst=burst,
        usage_policy_id=row["usage_policy_id"],
    )


def trigger_rows(obj: objects.Trigger, secrets: SecretColumns) -> tuple[RowDict, ChildRows]:
    return {
        "id": obj.id,
        "name": obj.name,
        "event": obj.event.value,
        "percent": obj.percent,
        "webhook_url": obj.webhook_url,
        "secret": secrets.store(obj.secret, purpose=TRIGGER_SECRET),
        "allow_http": obj.allow_http,
    }, {}


def trigger(
    row: RowMapping, _: Mapping[str, Sequence[RowMapping]], secrets: SecretColumns
) -> objects.Trigger:
    return objects.Trigger(
        id=row["id"],
        name=row["name"],
        event=TriggerEvent(row["event"]),
        webhook_url=row["webhook_url"],
        percent=row["percent"],
        secret=secrets.load(row["secret"], purpose=TRIGGER_SECRET),
        allow_http=bool(row["allow_http"]),
    )


def event_rows(obj: objects.ScheduledEvent, _: SecretColumns) -> tuple[RowDict, ChildRows]:
    return {
        "id": obj.id,
        "account_id": obj.account_id,
        "at": obj.at,
        "action": obj.action.value,
        "object_id": obj.object_id,
        "replacement_id": obj.replacement_id,
        "complete": obj.complete,
        "error": obj.error,
    }, {}


def event(
    row: RowMapping, _c: Mapping[str, Sequence[RowMapping]], _s: SecretColumns
) -> objects.ScheduledEvent:
    return objects.ScheduledEvent(
        id=row["id"],
        account_id=row["account_id"],
        at=row["at"],
        action=EventAction(row["action"]),
        object_id=row["object_id"],
        replacement_id=row["replacement_id"],
        complete=bool(row["complete"]),
        error=row["error"],
    )


def vacation_rows(obj: objects.Vacation, _: SecretColumns) -> tuple[RowDict, ChildRows]:
    return {
        "id": obj.id,
        "account_id": obj.account_id,
        "start_at": obj.start,
        "end_at": obj.end,
        "status_id": obj.status_id,
        "service_id": obj.service_id,
        "saved_status_id": obj.saved_status_id,
        "saved_service_id": obj.saved_service_id,
        "state": obj.state.value,
        "error": obj.error,
    }, {}


def vacation(
    row: RowMapping, _c: Mapping[str, Sequence[RowMapping]], _s: SecretColumns
) -> objects.Vacation:
    return objects.Vacation(
        id=row["id"],
        account_id=row["account_id"],
        start=row["start_at"],
        end=row["end_at"],
        status_id=row["status_id"],
        service_id=row["service_id"],
        saved_status_id=row["saved_status_id"],
        saved_service_id=row["saved_service_id"],
        state=VacationState(row["state"]),
        error=row["error"],
    )


# -- address lists and RADIUS groups --------------------------------------------------


def _filter_columns(
    obj: objects.AddressList | objects.RadiusGroup, filter_table: str
) -> tuple[RowDict, ChildRows]:
    flt = obj.filter
    main: RowDict = {
        "id": obj.id,
        "name": obj.name,
        "account_status": flt.account_status.value,
        "delinquency": flt.delinquency.value,
        "usage": flt.usage.value,
        "devices": json.dumps(list(obj.devices)),
    }
    refs: list[RowDict] = [
        {"field": field, "ref_id": ref_id}
        for field in FILTER_FIELDS
        for ref_id in sorted(getattr(flt, field))
    ]
    return main, {filter_table: refs}


def _membership_filter(row: RowMapping, refs: Sequence[RowMapping]) -> objects.MembershipFilter:
    ids: dict[str, set[int]] = {field: set() for field in FILTER_FIELDS}
    for ref in refs:
        ids[ref["field"]].add(ref["ref_id"])
    return objects.MembershipFilter(
        account_status=StatusClass(row["account_status"]),
        delinquency=Delinquency(row["delinquency"]),
        usage=UsageClass(row["usage"]),
        **{field: frozenset(values) for field, values in ids.items()},
    )


def _devices(row: RowMapping) -> tuple[str, ...]:
    return tuple(str(name) for name in json.loads(row["devices"]))


def list_rows(obj: objects.AddressList, _: SecretColumns) -> tuple[RowDict, ChildRows]:
    return _filter_columns(obj, "address_list_filters")


def address_list(
    row: RowMapping, children: Mapping[str, Sequence[RowMapping]], _: SecretColumns
) -> objects.AddressList:
    return objects.AddressList(
        id=row["id"],
        name=row["name"],
        filter=_membership_filter(row, children["address_list_filters"]),
        devices=_devices(row),
    )


def rgroup_rows(obj: objects.RadiusGroup, _: SecretColumns) -> tuple[RowDict, ChildRows]:
    main, children = _filter_columns(obj, "radius_group_filters")
    main["priority"] = obj.priority
    main["fall_through"] = obj.fall_through
    children["radius_group_replies"] = [
        {"position": position, "attribute": r.attribute, "op": r.op.value, "value": r.value}
        for position, r in enumerate(obj.replies)
    ]
    return main, children


def radius_group(
    row: RowMapping, children: Mapping[str, Sequence[RowMapping]], _: SecretColumns
) -> objects.RadiusGroup:
    replies = tuple(
        objects.RadiusReply(attribute=r["attribute"], op=ReplyOp(r["op"]), value=r["value"])
        for r in children["radius_group_replies"]
    )
    return objects.RadiusGroup(
        id=row["id"],
        name=row["name"],
        filter=_membership_filter(row, children["radius_group_filters"]),
        devices=_devices(row),
        priority=row["priority"],
        fall_through=bool(row["fall_through"]),
        replies=replies,
    )
