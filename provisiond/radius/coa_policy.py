"""What a live session needs when its account's reply changes (DESIGN.md §5 "CoA on
change"), as a pure function of the attributes last applied and the new answer.

RouterOS applies a CoA-Request to a live session only for a short list of attributes
(reference/protocols.md §4.4); everything else (the address, the pool, routes,
Mikrotik-Address-List) is read once, when the session starts, so changing it needs a
Disconnect-Request and a redial. A CoA carries the *whole* live-changeable set of the new
reply, not only what changed, so a session whose recorded attributes are missing or
stale still ends up with exactly the policy's values.

A CoA can set an attribute but not take one away: RouterOS keeps a live value the
request does not mention. So an attribute that must disappear, live-changeable or not,
is a Disconnect too.

Names compare case-insensitively, as in FreeRADIUS dictionaries. The instances of one
attribute compare in order (`+=` may repeat one); the order between different
attributes does not matter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, TypeAlias

from provisiond.policy.auth import Reject

if TYPE_CHECKING:
    from collections.abc import Iterable

    from provisiond.policy.auth import Accept
    from provisiond.store.sessions import Pairs

LIVE_CHANGEABLE: Final = frozenset(
    name.lower()
    for name in (
        "Mikrotik-Rate-Limit",
        "Mikrotik-Group",
        "Mikrotik-Recv-Limit",
        "Mikrotik-Xmit-Limit",
        "Mikrotik-Mark-Id",
        "Session-Timeout",
        "Idle-Timeout",
        "Filter-Id",
        "Port-Limit",
    )
)
"""What a MikroTik NAS changes on a live session from a CoA-Request (lower case)."""

IGNORED: Final = frozenset(
    name.lower()
    for name in (
        # Constant for every user (`radius.interim_interval`): a changed interval is not
        # worth a redial of every subscriber; sessions pick it up at their next login.
        "Acct-Interim-Interval",
        # Shown to the user at login only; it means nothing to a session already up.
        "Reply-Message",
        # Per request, never per user: signatures, echoes and MS-CHAPv2 session keys.
        # The recorded pairs come from the per-user answer and do not hold them; a relay
        # or an older row that did must not turn them into a Disconnect.
        "Message-Authenticator",
        "Proxy-State",
        "State",
        "MS-CHAP2-Success",
        "MS-CHAP-Error",
        "MS-MPPE-Send-Key",
        "MS-MPPE-Recv-Key",
        "MS-MPPE-Encryption-Policy",
        "MS-MPPE-Encryption-Types",
    )
)
"""Attributes whose difference never calls for a request (lower case)."""


@dataclass(frozen=True, slots=True)
class NoChange:
    """The session already has what the policy says."""


@dataclass(frozen=True, slots=True)
class Coa:
    """A CoA-Request with these live-changeable pairs (the whole set of the new reply)."""

    pairs: Pairs


@dataclass(frozen=True, slots=True)
class Disconnect:
    """A Disconnect-Request; `reason` names what forced it (attribute names only, never
    values: it is logged)."""

    reason: str


Plan: TypeAlias = "NoChange | Coa | Disconnect"

NO_CHANGE: Final = NoChange()


def is_live_changeable(name: str) -> bool:
    return name.lower() in LIVE_CHANGEABLE


def live_pairs(pairs: Iterable[tuple[str, str]]) -> Pairs:
    """The live-changeable pairs, in the reply's order."""
    return tuple((name, value) for name, value in pairs if is_live_changeable(name))


def _by_name(pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """Each compared attribute's values in order, keyed by lower-case name."""
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        key = name.lower()
        if key not in IGNORED:
            grouped.setdefault(key, []).append(value)
    return {key: tuple(values) for key, values in grouped.items()}


def plan_request(
    last_applied: Pairs | None, answer: Accept | Reject, *, overridden: bool = False
) -> Plan:
    """What the session needs, given what it has (`last_applied`) and the new answer.

    `last_applied` None: a session known only from accounting; it gets the whole
    live-changeable set (nothing when the new reply has none). `overridden`: a relayed
    CoA set attributes on the NAS that we did not choose, so the live values there are
    unknown and the live set is sent even when the recorded pairs match.
    """
    if isinstance(answer, Reject):
        return Disconnect(f"no longer authorised ({answer.reason.value})")
    live = live_pairs(answer.attributes)
    if last_applied is None:
        return Coa(live) if live else NO_CHANGE
    old, new = _by_name(last_applied), _by_name(answer.attributes)
    changed = sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))
    fixed = [key for key in changed if key not in LIVE_CHANGEABLE]
    if fixed:
        return Disconnect(f"{', '.join(fixed)} changed")
    gone = [key for key in changed if key not in new]
    if gone:
        return Disconnect(f"{', '.join(gone)} must disappear")
    if changed or (overridden and live):
        return Coa(live)
    return NO_CHANGE
