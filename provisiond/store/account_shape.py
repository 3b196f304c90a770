"""Row shapes of accounts: the account row plus its groups, services, addresses and
RADIUS accounts as child rows (positions keep the order the API gave).
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Final

from provisiond.model import objects
from provisiond.model.enums import RadiusKind
from provisiond.model.network import parse_prefix

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sqlalchemy.engine import RowMapping

    from provisiond.store.crypto import SecretColumns
    from provisiond.store.shapes import ChildRows, RowDict

RADIUS_PASSWORD: Final = "radius_accounts.password"  # noqa: S105 - a column name (AEAD data)


def _ipv6(text: str | None) -> ipaddress.IPv6Network | None:
    if text is None:
        return None
    prefix = parse_prefix(text)
    if not isinstance(prefix, ipaddress.IPv6Network):
        raise TypeError(f"stored IPv6 prefix {text!r} is IPv4")
    return prefix


def _text(value: object | None) -> str | None:
    return None if value is None else str(value)


def _radius_row(position: int, entry: objects.RadiusAccount, secrets: SecretColumns) -> RowDict:
    return {
        "position": position,
        "username": entry.username,
        "kind": entry.kind.value,
        "password": secrets.store(entry.password, purpose=RADIUS_PASSWORD),
        "framed_ip": _text(entry.framed_ip),
        "framed_ipv6_prefix": _text(entry.framed_ipv6_prefix),
        "delegated_ipv6_prefix": _text(entry.delegated_ipv6_prefix),
    }


def account_rows(obj: objects.Account, secrets: SecretColumns) -> tuple[RowDict, ChildRows]:
    main: RowDict = {
        "id": obj.id,
        "name": obj.name,
        "status_id": obj.status_id,
        "type_id": obj.type_id,
        "delinquent": obj.delinquent,
        "parent_id": obj.parent_id,
        "activated_at": obj.activated_at,
    }
    return main, {
        "account_group_members": [{"group_id": gid} for gid in sorted(obj.group_ids)],
        "account_services": [
            {"position": p, "service_id": sid} for p, sid in enumerate(obj.service_ids)
        ],
        "ip_assignments": [
            {"position": p, "prefix": str(prefix)} for p, prefix in enumerate(obj.ip_assignments)
        ],
        "radius_accounts": [
            _radius_row(p, entry, secrets) for p, entry in enumerate(obj.radius_accounts)
        ],
    }


def _radius_entry(row: RowMapping, secrets: SecretColumns) -> objects.RadiusAccount:
    framed_ip = row["framed_ip"]
    return objects.RadiusAccount(
        username=row["username"],
        kind=RadiusKind(row["kind"]),
        password=secrets.load(row["password"], purpose=RADIUS_PASSWORD),
        framed_ip=None if framed_ip is None else ipaddress.IPv4Address(framed_ip),
        framed_ipv6_prefix=_ipv6(row["framed_ipv6_prefix"]),
        delegated_ipv6_prefix=_ipv6(row["delegated_ipv6_prefix"]),
    )


def account(
    row: RowMapping, children: Mapping[str, Sequence[RowMapping]], secrets: SecretColumns
) -> objects.Account:
    return objects.Account(
        id=row["id"],
        name=row["name"],
        status_id=row["status_id"],
        type_id=row["type_id"],
        group_ids=frozenset(r["group_id"] for r in children["account_group_members"]),
        delinquent=bool(row["delinquent"]),
        parent_id=row["parent_id"],
        service_ids=tuple(r["service_id"] for r in children["account_services"]),
        ip_assignments=tuple(parse_prefix(r["prefix"]) for r in children["ip_assignments"]),
        radius_accounts=tuple(_radius_entry(r, secrets) for r in children["radius_accounts"]),
        activated_at=row["activated_at"],
    )
