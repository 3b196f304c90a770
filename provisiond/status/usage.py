"""`GET /api/v1/accounts/{id}/usage`: the account's usage this period (DESIGN.md §6, §7).

The daemon's `UsageView` (the usage service) answers from memory. Without one (a tool or
a test serving the API alone) the answer is read from the store, with months in UTC:
the configured `[usage] timezone` is the usage service's to apply.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from provisiond.model.objects import Account, Service, UsagePolicy
from provisiond.schema.fields import render_timestamp
from provisiond.status import inputs, keys
from provisiond.status.openapi_parts import ID_PARAM, Json, errors, ok, op
from provisiond.store.usage_totals import UsageRow, UsageStore

if TYPE_CHECKING:
    from provisiond.store import Store

USAGE_PATH: Final = "/api/v1/accounts/{id}/usage"
_BYTES: Final = {"type": "integer", "minimum": 0}
_SCHEMA: Final = {
    "type": "object",
    "properties": {
        "period_start": {"type": "string", "format": "date-time"},
        "billable_in_bytes": _BYTES,
        "billable_out_bytes": _BYTES,
        "free_in_bytes": _BYTES,
        "free_out_bytes": _BYTES,
        "cap_bytes": {"type": ["integer", "null"], "minimum": 1},
        "percent": {"type": ["number", "null"], "minimum": 0},
    },
    "required": [
        "period_start",
        "billable_in_bytes",
        "billable_out_bytes",
        "free_in_bytes",
        "free_out_bytes",
        "cap_bytes",
        "percent",
    ],
}


async def account_usage(request: web.Request) -> web.Response:
    account_id = inputs.path_id(request)
    api = request.app[keys.API]
    account = await api.store.get(Account, account_id)  # NotFoundError: 404
    if api.usage is not None:
        return web.json_response(dict(api.usage.usage(account_id)))
    return web.json_response(await _stored(api.store, account, api.clock.now()))


async def _policy(store: Store, account: Account) -> UsagePolicy | None:
    if account.primary_service_id is None:
        return None
    service = await store.get(Service, account.primary_service_id)
    if service.usage_policy_id is None:
        return None
    return await store.get(UsagePolicy, service.usage_policy_id)


async def _stored(store: Store, account: Account, now: datetime) -> dict[str, Any]:
    """The usage object from the store, for the calendar month in UTC containing `now`."""
    now = now.astimezone(UTC)
    start = datetime(now.year, now.month, 1, tzinfo=UTC)
    row = await UsageStore(store).of_account(account.id, start) or UsageRow(account.id, start)
    policy = await _policy(store, account)
    cap = None if policy is None else max(policy.cap_bytes, 1)  # as `usage.standing` has it
    billable = row.billable_in + row.billable_out
    return {
        "period_start": render_timestamp(start),
        "billable_in_bytes": row.billable_in,
        "billable_out_bytes": row.billable_out,
        "free_in_bytes": row.free_in,
        "free_out_bytes": row.free_out,
        "cap_bytes": cap,
        "percent": None if cap is None else billable * 100 / cap,
    }


def add_routes(app: web.Application) -> None:
    app.router.add_get(USAGE_PATH, account_usage)


def openapi_paths() -> Json:
    return {
        USAGE_PATH: {
            "parameters": [ID_PARAM],
            "get": op(
                "get_usage",
                "Usage this period: billable and free bytes, cap and percent",
                {**ok("The account's usage this period", _SCHEMA), **errors("401", "404")},
            ),
        }
    }
