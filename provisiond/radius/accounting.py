"""Accounting records and what each does to a session row (DESIGN.md §5), as pure functions.

A session is keyed by (NAS device, Acct-Session-Id, User-Name). The rules:

- counters only grow within a session: a lower Acct-Input/Output-Octets (Gigawords
  included) is ignored, unless Acct-Session-Time went back too, in which case the NAS
  started counting again and the record's values are taken;
- an Interim-Update or Stop for an unknown session creates it (a lost Start, or
  accounting from before a restart);
- a Stop for a closed session is answered without change, and so is an Interim-Update
  for a session its Stop closed; an Interim-Update for a session closed as `Stale`
  reopens it (the NAS says it is alive: its interims were late, not missing);
- a session is closed as `Stale` by the table (`session_book`) when another open
  session claims its address, when no accounting came within `stale_after`, when its
  NAS sends Accounting-On/Off, or when a new session with the same key starts.

Times: a record happened `Acct-Delay-Time` seconds before it arrived; a session created
from an Interim or Stop started `Acct-Session-Time` seconds before that.
"""

from __future__ import annotations

import functools
import ipaddress
from datetime import timedelta
from typing import TYPE_CHECKING, Final, NamedTuple

from provisiond.model.device_state import SessionAddress
from provisiond.store.sessions import MAX_COUNTER, SessionRow, SessionState

if TYPE_CHECKING:
    from datetime import datetime

    from provisiond.store.sessions import Pairs, SessionKey

STALE: Final = "Stale"

# Acct-Terminate-Cause values (RFC 2866 §5.10, RFC 3580 §3.19) by their dictionary names.
TERMINATE_CAUSES: Final = {
    1: "User-Request",
    2: "Lost-Carrier",
    3: "Lost-Service",
    4: "Idle-Timeout",
    5: "Session-Timeout",
    6: "Admin-Reset",
    7: "Admin-Reboot",
    8: "Port-Error",
    9: "NAS-Error",
    10: "NAS-Request",
    11: "NAS-Reboot",
    12: "Port-Unneeded",
    13: "Port-Preempted",
    14: "Port-Suspended",
    15: "Service-Unavailable",
    16: "Callback",
    17: "User-Error",
    18: "Host-Request",
    19: "Supplicant-Restart",
    20: "Reauthentication-Failure",
    21: "Port-Reinitialized",
    22: "Port-Administratively-Disabled",
}


def terminate_cause(value: int | None) -> str | None:
    if value is None:
        return None
    return TERMINATE_CAUSES.get(value, str(value))


class AcctRecord(NamedTuple):
    """The part of an Accounting-Request a session needs, read once from the packet
    (a NamedTuple: one is built per request, SessionRow's docstring says why)."""

    nas: str
    status: int  # Acct-Status-Type
    acct_session_id: str
    username: str
    at: datetime  # when it happened: arrival minus Acct-Delay-Time
    account_id: int | None = None
    framed_ip: str | None = None
    framed_ipv6_prefix: str | None = None
    delegated_ipv6_prefix: str | None = None
    nas_ip_address: str | None = None
    nas_identifier: str | None = None
    input_octets: int | None = None
    output_octets: int | None = None
    session_time: int | None = None
    terminate_cause: str | None = None
    last_applied: Pairs | None = None  # the Access-Accept's attributes, for a new session

    @property
    def key(self) -> SessionKey:
        return (self.nas, self.acct_session_id, self.username)


def _counter(value: int | None) -> int:
    return 0 if value is None else min(value, MAX_COUNTER)


def created(record: AcctRecord, session_id: int, state: SessionState) -> SessionRow:
    """A new row for a Start, or for an Interim or Stop of a session never seen."""
    elapsed = record.session_time or 0
    at = record.at
    # Positional: keywords cost a fifth more on a path run for every Start.
    return SessionRow(
        session_id,
        record.nas,
        record.acct_session_id,
        record.username,
        record.account_id,
        at - timedelta(seconds=elapsed) if elapsed else at,
        at,
        state,
        record.framed_ip,
        record.framed_ipv6_prefix,
        record.delegated_ipv6_prefix,
        record.nas_ip_address,
        record.nas_identifier,
        _counter(record.input_octets),
        _counter(record.output_octets),
        elapsed,
        record.terminate_cause if state is SessionState.CLOSED else None,
        record.last_applied,
    )


def counters(row: SessionRow, record: AcctRecord) -> tuple[int, int, int]:
    """(input octets, output octets, session time) after the record: they only grow,
    unless Acct-Session-Time went back, when the record's values are taken."""
    time = record.session_time
    if time is not None and time < row.session_time:
        return (
            row.input_octets if record.input_octets is None else _counter(record.input_octets),
            row.output_octets if record.output_octets is None else _counter(record.output_octets),
            time,
        )
    return (
        max(row.input_octets, _counter(record.input_octets)),
        max(row.output_octets, _counter(record.output_octets)),
        row.session_time if time is None else time,
    )


def _advanced(
    row: SessionRow, record: AcctRecord, state: SessionState, cause: str | None
) -> SessionRow:
    """The row after a record: counters per `counters`, addresses and NAS identity
    refreshed where the record has them, the account kept once known, time never back.
    Built field by field: `_replace` per record cost twice as much."""
    input_octets, output_octets, session_time = counters(row, record)
    at = record.at
    return SessionRow(
        row.id,
        row.nas,
        row.acct_session_id,
        row.username,
        row.account_id if row.account_id is not None else record.account_id,
        row.started_at,
        at if at > row.updated_at else row.updated_at,
        state,
        record.framed_ip or row.framed_ip,
        record.framed_ipv6_prefix or row.framed_ipv6_prefix,
        record.delegated_ipv6_prefix or row.delegated_ipv6_prefix,
        record.nas_ip_address or row.nas_ip_address,
        record.nas_identifier or row.nas_identifier,
        input_octets,
        output_octets,
        session_time,
        cause,
        row.last_applied,
        row.last_coa,
        row.external_override,
    )


def updated(row: SessionRow, record: AcctRecord) -> SessionRow:
    """An open session after an Interim-Update."""
    return _advanced(row, record, row.state, row.terminate_cause)


def stopped(row: SessionRow, record: AcctRecord) -> SessionRow:
    """An open session after its Stop (with the Stop's last counters)."""
    return _advanced(row, record, SessionState.CLOSED, record.terminate_cause)


def reopened(row: SessionRow, record: AcctRecord) -> SessionRow:
    """A session closed as `Stale` that an Interim-Update shows alive after all."""
    return _advanced(row, record, SessionState.OPEN, None)


def closed_stale(row: SessionRow, at: datetime) -> SessionRow:
    return row._replace(
        state=SessionState.CLOSED, terminate_cause=STALE, updated_at=max(row.updated_at, at)
    )


def addresses(row: SessionRow) -> tuple[str, ...]:
    """The session's addresses as canonical prefix text (what claims are keyed by)."""
    found = []
    if row.framed_ip:
        found.append(f"{row.framed_ip}/32")
    if row.framed_ipv6_prefix:
        found.append(row.framed_ipv6_prefix)
    if row.delegated_ipv6_prefix:
        found.append(row.delegated_ipv6_prefix)
    return tuple(found)


def session_addresses(row: SessionRow) -> tuple[SessionAddress, ...]:
    """The soft addresses the policy engine gets from an open session of a known account."""
    if row.account_id is None or not row.is_open:
        return ()
    return _soft_addresses(
        row.account_id, row.nas, row.framed_ip, row.framed_ipv6_prefix, row.delegated_ipv6_prefix
    )


@functools.lru_cache(maxsize=1 << 18)
def _soft_addresses(
    account_id: int,
    nas: str,
    framed_ip: str | None,
    framed_ipv6_prefix: str | None,
    delegated_ipv6_prefix: str | None,
) -> tuple[SessionAddress, ...]:
    """Parsed once per (account, NAS, addresses): every Start and Stop of a session asks
    again for the account's addresses, and parsing them cost more than the lookup."""
    texts = (f"{framed_ip}/32" if framed_ip else None, framed_ipv6_prefix, delegated_ipv6_prefix)
    return tuple(
        SessionAddress(account_id, nas, ipaddress.ip_network(text, strict=False))
        for text in texts
        if text
    )
