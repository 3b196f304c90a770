"""Access-Request answers, and the username index they are answered from (DESIGN.md §5 Auth).

The engine decides who the user is and what the Accept carries; checking the password
(PAP, CHAP, MS-CHAPv2) stays in the radius layer, which holds the packet.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from provisiond.model.enums import RadiusKind
from provisiond.model.network import normalise_mac

if TYPE_CHECKING:
    from provisiond.model.objects import Account, RadiusAccount
    from provisiond.policy.replies import Attributes


class RejectReason(StrEnum):
    UNKNOWN_USER = "unknown_user"
    INACTIVE = "inactive"  # the status does not activate and `reject_inactive` is set
    NO_RATE = "no_rate"  # activating, no data service and no `default_rate`
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 - a reason name; set by the radius layer


@dataclass(frozen=True, slots=True)
class Accept:
    account_id: int
    radius_account: RadiusAccount  # the radius layer checks its password (kind "password")
    attributes: Attributes


@dataclass(frozen=True, slots=True)
class Reject:
    reason: RejectReason


class UserIndex:
    """User-Name → account id: exact for "password" entries, any MAC notation for "mac"
    entries. Usernames are unique across accounts (the store's rule).

    The values are plain ints, so the garbage collector does not track these dicts."""

    __slots__ = ("_exact", "_macs")

    def __init__(self) -> None:
        self._exact: dict[str, int] = {}
        self._macs: dict[str, int] = {}

    def add(self, account: Account) -> None:
        for radius in account.radius_accounts:
            index, key = self._slot(radius)
            index[key] = account.id

    def remove(self, account: Account) -> None:
        for radius in account.radius_accounts:
            index, key = self._slot(radius)
            # Another account may have taken the name over meanwhile; leave its entry.
            if index.get(key) == account.id:
                del index[key]

    def lookup(self, username: str) -> tuple[int, RadiusKind, str] | None:
        """The account id, and the kind and key of the entry (for `find_radius`)."""
        found = self._exact.get(username)
        if found is not None:
            return found, RadiusKind.PASSWORD, username
        mac = normalise_mac(username)
        if mac is None:
            return None
        found = self._macs.get(mac)
        return None if found is None else (found, RadiusKind.MAC, mac)

    def _slot(self, radius: RadiusAccount) -> tuple[dict[str, int], str]:
        if radius.kind is RadiusKind.MAC:
            return self._macs, _mac_key(radius)
        return self._exact, radius.username


def find_radius(account: Account, kind: RadiusKind, key: str) -> RadiusAccount | None:
    """The account's RADIUS entry that `UserIndex.lookup` found as (`kind`, `key`)."""
    for radius in account.radius_accounts:
        if (
            radius.kind is kind
            and (radius.username if kind is RadiusKind.PASSWORD else _mac_key(radius)) == key
        ):
            return radius
    return None


def _mac_key(radius: RadiusAccount) -> str:
    return normalise_mac(radius.username) or radius.username
