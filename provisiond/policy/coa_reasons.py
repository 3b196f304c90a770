"""Why a change to an account concerns its live sessions: the `coa_on` vocabulary.

DESIGN.md §5: a NAS gets a CoA for the kinds of change named in its `coa_on` (status,
delinquency, data service, usage flip, groups, definitions). Two more reasons are not
configurable, because they concern who may be online at all: the account was deleted,
or a credential changed (a RADIUS username removed, a password changed, an address of a
RADIUS account or an IP assignment changed). Those always disconnect the sessions.

The comparison of before and after lives here, in one place, as a pure function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from provisiond.model.objects import Account, RadiusAccount

STATUS: Final = "status"
DELINQUENCY: Final = "delinquency"
SERVICE: Final = "service"
USAGE: Final = "usage"
GROUPS: Final = "groups"
DEFINITIONS: Final = "definitions"
CREDENTIALS: Final = "credentials"  # always a Disconnect, whatever `coa_on` says
DELETED: Final = "deleted"  # always a Disconnect, whatever `coa_on` says

FORCED: Final = frozenset({CREDENTIALS, DELETED})
"""Reasons that disconnect every session of the account regardless of `coa_on`."""

ALL_CONFIGURABLE: Final = frozenset({STATUS, DELINQUENCY, SERVICE, USAGE, GROUPS, DEFINITIONS})


def account_reasons(before: Account | None, after: Account | None) -> frozenset[str]:
    """The reasons a write of `after` over `before` gives (None: absent)."""
    if before is None:
        return frozenset()  # a new account has no sessions of its own yet
    if after is None:
        return frozenset({DELETED})
    reasons: set[str] = set()
    if before.status_id != after.status_id:
        reasons.add(STATUS)
    if before.delinquent != after.delinquent:
        reasons.add(DELINQUENCY)
    if before.service_ids != after.service_ids:
        reasons.add(SERVICE)
    # The account type feeds the same membership filters as its groups (`type_ids`).
    if before.group_ids != after.group_ids or before.type_id != after.type_id:
        reasons.add(GROUPS)
    if _credentials_changed(before, after):
        reasons.add(CREDENTIALS)
    return frozenset(reasons)


def _credentials_changed(before: Account, after: Account) -> bool:
    if set(before.ip_assignments) != set(after.ip_assignments):
        return True
    now = {radius.username: radius for radius in after.radius_accounts}
    for radius in before.radius_accounts:
        current = now.get(radius.username)
        if current is None or not _same_login(radius, current):
            return True
    return False


def _same_login(before: RadiusAccount, after: RadiusAccount) -> bool:
    """Same kind, password and addresses. A `Secret` compares in constant time."""
    return (
        before.kind == after.kind
        and before.password == after.password
        and before.framed_ip == after.framed_ip
        and before.framed_ipv6_prefix == after.framed_ipv6_prefix
        and before.delegated_ipv6_prefix == after.delegated_ipv6_prefix
    )
