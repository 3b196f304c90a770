"""Model objects → the API's JSON shape (DESIGN.md §1, §7).

The output is plain JSON (str, int, float, bool, None, lists, dicts) so `json.dumps` takes
it as is. Id sets render sorted, so two dumps of equal objects are equal text; ordered
tuples (`service_ids`, `ip_assignments`, `devices`, `replies`) keep their order.
Write-only fields (a RADIUS password, a trigger secret) appear only with
`include_secrets=True`, which export and the merge patch use and responses never do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

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
    ScheduledEvent,
    Service,
    Trigger,
    UsagePolicy,
    Vacation,
)
from provisiond.schema.fields import render_minute, render_timestamp

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from datetime import datetime

    from provisiond.schema.kinds import ModelObject

JsonObject = dict[str, Any]


def _ids(values: Iterable[int]) -> list[int]:
    return sorted(values)


def _stamp(value: datetime | None) -> str | None:
    return None if value is None else render_timestamp(value)


def _text(value: object | None) -> str | None:
    return None if value is None else str(value)


def _status(obj: AccountStatus) -> JsonObject:
    return {"id": obj.id, "name": obj.name, "activates_account": obj.activates_account}


def _type(obj: AccountType) -> JsonObject:
    return {"id": obj.id, "name": obj.name}


def _group(obj: AccountGroup) -> JsonObject:
    return {"id": obj.id, "name": obj.name}


def _free_period(period: FreePeriod) -> JsonObject:
    return {
        "day": period.day.value,
        "start": render_minute(period.start_minute),
        "end": render_minute(period.end_minute),
    }


def _policy(obj: UsagePolicy) -> JsonObject:
    return {
        "id": obj.id,
        "name": obj.name,
        "cap_gb": obj.cap_gb,
        "free_periods": [_free_period(p) for p in obj.free_periods],
    }


def _burst(burst: Burst | None) -> JsonObject | None:
    if burst is None:
        return None
    return {
        "download_kbps": burst.download_kbps,
        "upload_kbps": burst.upload_kbps,
        "threshold_download_kbps": burst.threshold_download_kbps,
        "threshold_upload_kbps": burst.threshold_upload_kbps,
        "seconds": burst.seconds,
    }


def _service(obj: Service) -> JsonObject:
    return {
        "id": obj.id,
        "name": obj.name,
        "download_kbps": obj.download_kbps,
        "upload_kbps": obj.upload_kbps,
        "burst": _burst(obj.burst),
        "usage_policy_id": obj.usage_policy_id,
    }


def _filter(flt: MembershipFilter) -> JsonObject:
    return {
        "account_status": flt.account_status.value,
        "delinquency": flt.delinquency.value,
        "status_ids": _ids(flt.status_ids),
        "type_ids": _ids(flt.type_ids),
        "group_ids": _ids(flt.group_ids),
        "service_ids": _ids(flt.service_ids),
        "usage_policy_ids": _ids(flt.usage_policy_ids),
        "usage": flt.usage.value,
    }


def _address_list(obj: AddressList) -> JsonObject:
    return {"id": obj.id, "name": obj.name, **_filter(obj.filter), "devices": list(obj.devices)}


def _radius_group(obj: RadiusGroup) -> JsonObject:
    return {
        "id": obj.id,
        "name": obj.name,
        **_filter(obj.filter),
        "devices": list(obj.devices),
        "priority": obj.priority,
        "fall_through": obj.fall_through,
        "replies": [
            {"attribute": r.attribute, "op": r.op.value, "value": r.value} for r in obj.replies
        ],
    }


def _trigger(obj: Trigger, *, secrets: bool) -> JsonObject:
    out: JsonObject = {
        "id": obj.id,
        "name": obj.name,
        "event": obj.event.value,
        "percent": obj.percent,
        "webhook_url": obj.webhook_url,
        "allow_http": obj.allow_http,
    }
    if secrets and obj.secret is not None:
        out["secret"] = obj.secret.reveal()
    return out


def _radius_account(obj: RadiusAccount, *, secrets: bool) -> JsonObject:
    out: JsonObject = {"username": obj.username, "kind": obj.kind.value}
    if secrets and obj.password is not None:
        out["password"] = obj.password.reveal()
    out["framed_ip"] = _text(obj.framed_ip)
    out["framed_ipv6_prefix"] = _text(obj.framed_ipv6_prefix)
    out["delegated_ipv6_prefix"] = _text(obj.delegated_ipv6_prefix)
    return out


def _account(obj: Account, *, secrets: bool) -> JsonObject:
    return {
        "id": obj.id,
        "name": obj.name,
        "status_id": obj.status_id,
        "type_id": obj.type_id,
        "group_ids": _ids(obj.group_ids),
        "delinquent": obj.delinquent,
        "parent_id": obj.parent_id,
        "service_ids": list(obj.service_ids),
        # `str()` keeps the length, /32 included: only devices spell a host route bare.
        "ip_assignments": [str(p) for p in obj.ip_assignments],
        "radius_accounts": [_radius_account(r, secrets=secrets) for r in obj.radius_accounts],
        "activated_at": _stamp(obj.activated_at),
    }


def _scheduled_event(obj: ScheduledEvent) -> JsonObject:
    return {
        "id": obj.id,
        "account_id": obj.account_id,
        "at": render_timestamp(obj.at),
        "action": obj.action.value,
        "object_id": obj.object_id,
        "replacement_id": obj.replacement_id,
        "complete": obj.complete,
        "error": obj.error,
    }


def _vacation(obj: Vacation) -> JsonObject:
    return {
        "id": obj.id,
        "account_id": obj.account_id,
        "start": render_timestamp(obj.start),
        "end": render_timestamp(obj.end),
        "status_id": obj.status_id,
        "service_id": obj.service_id,
        "saved_status_id": obj.saved_status_id,
        "saved_service_id": obj.saved_service_id,
        "state": obj.state.value,
        "error": obj.error,
    }


# The kinds without write-only fields. Each dumper is typed for its own class; the table is
# keyed by exact class, so the `Any` in its value type never lets a wrong object through.
_DUMPERS: Final[Mapping[type[ModelObject], Callable[[Any], JsonObject]]] = {
    AccountStatus: _status,
    AccountType: _type,
    AccountGroup: _group,
    UsagePolicy: _policy,
    Service: _service,
    AddressList: _address_list,
    RadiusGroup: _radius_group,
    ScheduledEvent: _scheduled_event,
    Vacation: _vacation,
}


def dump(obj: ModelObject, *, include_secrets: bool = False) -> JsonObject:
    """The API JSON shape of `obj`; write-only fields only with `include_secrets`."""
    if isinstance(obj, Account):
        return _account(obj, secrets=include_secrets)
    if isinstance(obj, Trigger):
        return _trigger(obj, secrets=include_secrets)
    try:
        dumper = _DUMPERS[type(obj)]
    except KeyError:
        raise TypeError(f"{type(obj).__name__} is not a kind of DESIGN.md §1") from None
    return dumper(obj)
