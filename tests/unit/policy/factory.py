"""Small builders for policy tests: a readable default model that each test adjusts."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from provisiond.model.device_state import DeviceScope
from provisiond.model.enums import ReplyOp
from provisiond.model.objects import (
    Account,
    AccountStatus,
    Dataset,
    RadiusAccount,
    RadiusReply,
    Service,
)
from provisiond.policy.engine import PolicyEngine, PolicySettings

if TYPE_CHECKING:
    from collections.abc import Sequence

    from provisiond.model.network import Prefix

ACTIVE = AccountStatus(1, "Active", activates_account=True)
INACTIVE = AccountStatus(2, "Inactive", activates_account=False)
VACATION = AccountStatus(3, "Vacation", activates_account=True)
STATUSES = (ACTIVE, INACTIVE, VACATION)
TIER_100 = Service(1, "100/20", download_kbps=100_000, upload_kbps=20_000)
TIER_SLOW = Service(2, "1500k/512k", download_kbps=1_500, upload_kbps=512)


def net(text: str) -> Prefix:
    return ipaddress.ip_network(text)


def account(
    account_id: int,
    *addresses: str,
    status_id: int = 1,
    service_ids: tuple[int, ...] = (1,),
    username: str | None = None,
    **changes: object,
) -> Account:
    """An account with `ip_assignments` and, by default, one password RADIUS account."""
    radius = (RadiusAccount(username or f"user{account_id}"),)
    fields: dict[str, object] = {
        "status_id": status_id,
        "service_ids": service_ids,
        "ip_assignments": tuple(net(a) for a in addresses),
        "radius_accounts": radius,
        **changes,
    }
    return Account(account_id, f"Account {account_id}", **fields)  # type: ignore[arg-type]


def reply(attribute: str, op: str, value: str) -> RadiusReply:
    return RadiusReply(attribute, ReplyOp(op), value)


def dataset(**parts: object) -> Dataset:
    fields: dict[str, object] = {"account_statuses": STATUSES, "services": (TIER_100, TIER_SLOW)}
    fields.update(parts)
    return Dataset(**fields)  # type: ignore[arg-type]


def engine(
    data: Dataset | None = None,
    *,
    devices: Sequence[DeviceScope] = (DeviceScope("core"),),
    **settings: object,
) -> PolicyEngine:
    policy = PolicyEngine(settings=PolicySettings(**settings), devices=devices)  # type: ignore[arg-type]
    if data is not None:
        policy.load(data)
    return policy
