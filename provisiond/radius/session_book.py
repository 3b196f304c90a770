"""The open sessions in memory, and what a batch of accounting does to them.

The book mirrors the open rows of the session table, indexed by key, by address and by
account, so the rules that close sessions as `Stale` (DESIGN.md §5) are dict lookups:
an address claimed by another open session, `stale_after` without accounting, a NAS
rebooting, and a new session with the same key. It does no I/O: `apply` turns a batch
into the rows to write (`Changes`), and the caller writes them in one transaction.

A claim is global, not per NAS: one address is one subscriber at a time across the
network. When a session claims an address another open session holds, the other one is
closed, whatever its NAS.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Final, TypeAlias

from provisiond.model.usage import Traffic
from provisiond.radius import accounting
from provisiond.radius.accounting import AcctRecord
from provisiond.radius.wire import AcctStatusType
from provisiond.store.sessions import SessionState

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from datetime import datetime

    from provisiond.model.device_state import SessionAddress
    from provisiond.store.sessions import JsonObject, Pairs, SessionKey, SessionRow
    from provisiond.store.usage_totals import UsageRow


# Plain ints, compared per record (an enum member read costs a class attribute lookup).
_START: Final = int(AcctStatusType.START)
_INTERIM: Final = int(AcctStatusType.INTERIM_UPDATE)
_STOP: Final = int(AcctStatusType.STOP)
_NAS_REBOOTS: Final = frozenset({AcctStatusType.ACCOUNTING_ON, AcctStatusType.ACCOUNTING_OFF})


class StaleRule(StrEnum):
    """Why a session was closed as `Stale` (a metric label)."""

    ADDRESS_CLAIMED = "address_claimed"
    STALE_AFTER = "stale_after"
    NAS_REBOOT = "nas_reboot"
    SAME_KEY = "same_key"


@dataclass(frozen=True, slots=True)
class Sweep:
    """Close the open sessions that had no accounting since `now - stale_after`."""

    now: datetime
    stale_after: float  # seconds


@dataclass(frozen=True, slots=True)
class NasReboot:
    """Close every open session of a NAS (Accounting-On/Off, or a detected reboot)."""

    nas: str
    at: datetime


@dataclass(frozen=True, slots=True)
class SessionPatch:
    """Record CoA news on an open session (the CoA sender and relay): the attributes an
    ACKed CoA applied (`last_applied`), the outcome (`last_coa`), a relayed override.
    A field left None is unchanged; a session no longer open is left alone."""

    session_id: int
    last_applied: Pairs | None = None
    last_coa: JsonObject | None = None
    external_override: JsonObject | None = None


@dataclass(frozen=True, slots=True)
class CloseSession:
    """Close one open session locally with a terminate cause (a CoA NAK with Error-Cause
    503, "Session Context Not Found": the NAS no longer has it)."""

    session_id: int
    at: datetime
    cause: str


Control: TypeAlias = "Sweep | NasReboot | SessionPatch | CloseSession"
"""What the accounting writer runs in turn with the records."""


@dataclass(slots=True)
class Changes:
    """What one batch did: rows to write, accounts whose addresses may have moved."""

    rows: dict[int, SessionRow] = field(default_factory=dict)  # final state of each row
    new_ids: set[int] = field(default_factory=set)
    # Each changed row as stored before the batch, so that only the columns that moved are
    # written (store/session_writes.py).
    stored: dict[int, SessionRow] = field(default_factory=dict)
    accounts: set[int] = field(default_factory=set)
    stale: Counter[StaleRule] = field(default_factory=Counter)
    closed: int = 0  # sessions closed, by a Stop or as stale
    closed_by_event: list[int] = field(default_factory=list)  # per event, sessions closed
    latest_closed: dict[SessionKey, SessionRow] = field(default_factory=dict)
    traffic: list[Traffic] = field(default_factory=list)  # what the records measured
    usage: Sequence[UsageRow] = ()  # that traffic as usage rows (the accounting writer's)

    def count(self, before: SessionRow | None, after: SessionRow) -> None:
        """The traffic a record showed (DESIGN.md §6): what the counters grew by since
        the row's previous state, over the time since it (each direction alone, only
        growth: a counter that went back, the NAS counting again, adds nothing), or a new
        session's whole counters since it started. `in` is toward the subscriber."""
        account_id = after.account_id
        if account_id is None:
            return
        if before is None:
            start, octets_in, octets_out = after.started_at, after.output_octets, after.input_octets
        else:
            start = before.updated_at  # `updated_at` never goes back: start <= end
            octets_in = max(0, after.output_octets - before.output_octets)
            octets_out = max(0, after.input_octets - before.input_octets)
        self.traffic.append(Traffic(account_id, start, after.updated_at, octets_in, octets_out))

    def track(self, row: SessionRow) -> None:
        """`row` is about to change: remember it as stored, unless this batch created it
        (the first version seen in a batch is the stored one)."""
        if row.id not in self.new_ids and row.id not in self.stored:
            self.stored[row.id] = row

    @property
    def inserted(self) -> list[SessionRow]:
        return [row for row_id, row in self.rows.items() if row_id in self.new_ids]

    @property
    def updated(self) -> list[tuple[SessionRow | None, SessionRow]]:
        stored = self.stored
        return [
            (stored.get(row_id), row)
            for row_id, row in self.rows.items()
            if row_id not in self.new_ids
        ]


class SessionBook:
    """The open sessions. Only the accounting writer changes it, one batch at a time."""

    def __init__(self) -> None:
        self._open: dict[SessionKey, SessionRow] = {}
        self._by_address: dict[str, SessionKey] = {}
        self._by_account: dict[int, set[SessionKey]] = {}
        self._by_id: dict[int, SessionKey] = {}
        # By User-Name and by Acct-Session-Id: the CoA relay's lookups (RFC 5176 names a
        # session by either), dict reads instead of a scan of every open session.
        self._by_username: dict[str, set[SessionKey]] = {}
        self._by_session_id: dict[str, set[SessionKey]] = {}
        self._last_id = 0

    def __len__(self) -> int:
        return len(self._open)

    def load(self, rows: Iterable[SessionRow], last_id: int) -> None:
        """Replace the book with the stored open sessions (at start, or after a failed
        commit, when memory may hold changes that never reached the disk)."""
        self._open.clear()
        self._by_address.clear()
        self._by_account.clear()
        self._by_id.clear()
        self._by_username.clear()
        self._by_session_id.clear()
        self._last_id = last_id
        for row in rows:
            # As stored: two open rows claiming one address (which the rules never leave
            # behind) are not resolved here; the next accounting for either settles it.
            self._open[row.key] = row
            self._by_id[row.id] = row.key
            self._link_names(row.key)
            for address in accounting.addresses(row):
                self._by_address[address] = row.key
            if row.account_id is not None:
                self._by_account.setdefault(row.account_id, set()).add(row.key)

    def get(self, key: SessionKey) -> SessionRow | None:
        return self._open.get(key)

    def rows(self) -> list[SessionRow]:
        return list(self._open.values())

    def by_id(self, session_id: int) -> SessionRow | None:
        """The open session with this id, if it is open."""
        key = self._by_id.get(session_id)
        return None if key is None else self._open[key]

    def with_username(self, username: str) -> list[SessionRow]:
        """The open sessions of this User-Name (on any NAS), oldest id first."""
        return self._rows_of(self._by_username.get(username, ()))

    def with_session_id(self, acct_session_id: str) -> list[SessionRow]:
        """The open sessions with this Acct-Session-Id (on any NAS), oldest id first."""
        return self._rows_of(self._by_session_id.get(acct_session_id, ()))

    def _rows_of(self, keys: Iterable[SessionKey]) -> list[SessionRow]:
        return sorted((self._open[key] for key in keys), key=lambda row: row.id)

    def _link_names(self, key: SessionKey) -> None:
        _, acct_session_id, username = key
        self._by_username.setdefault(username, set()).add(key)
        self._by_session_id.setdefault(acct_session_id, set()).add(key)

    def _unlink_names(self, key: SessionKey) -> None:
        _, acct_session_id, username = key
        for index, name in ((self._by_username, username), (self._by_session_id, acct_session_id)):
            keys = index.get(name)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del index[name]

    def has_sessions(self, account_id: int) -> bool:
        """Whether the account has an open session (no list built, nothing sorted)."""
        return account_id in self._by_account

    def of_account(self, account_id: int) -> list[SessionRow]:
        """The account's open sessions, oldest id first."""
        keys = self._by_account.get(account_id, ())
        return sorted((self._open[key] for key in keys), key=lambda row: row.id)

    def holder_of(self, address: str) -> SessionRow | None:
        """The open session that claims this address (canonical prefix text, a bare IPv4
        address taken as /32)."""
        if "/" not in address and ":" not in address:
            address = f"{address}/32"
        key = self._by_address.get(address)
        return None if key is None else self._open[key]

    def addresses_of(self, account_id: int) -> tuple[SessionAddress, ...]:
        keys = self._by_account.get(account_id, ())
        return tuple(
            address
            for key in sorted(keys)
            for address in accounting.session_addresses(self._open[key])
        )

    def all_addresses(self) -> list[SessionAddress]:
        return [
            address for row in self._open.values() for address in accounting.session_addresses(row)
        ]

    # -- a batch ----------------------------------------------------------------------

    def apply(
        self,
        events: Sequence[AcctRecord | Control],
        closed: Mapping[SessionKey, SessionRow],
    ) -> Changes:
        """Apply events in order. `closed` holds the newest closed row of the keys of
        Interims and Stops that were not open when the batch began."""
        changes = Changes(latest_closed=dict(closed))
        record, by_event = self._record, changes.closed_by_event
        for event in events:
            before = changes.closed
            if type(event) is AcctRecord:  # nearly every event: asked first, and exactly
                record(event, changes)
            elif isinstance(event, Sweep):
                self._sweep(event, changes)
            elif isinstance(event, NasReboot):
                self._close_nas(event.nas, event.at, changes)
            elif isinstance(event, SessionPatch):
                self._patch(event, changes)
            elif isinstance(event, CloseSession):
                self._close_one(event, changes)
            else:
                record(event, changes)
            by_event.append(changes.closed - before)
        return changes

    def _record(self, record: AcctRecord, changes: Changes) -> None:
        status = record.status
        if status == _INTERIM:
            self._interim(record, changes)
        elif status == _START:
            self._start(record, changes)
        elif status == _STOP:
            self._stop(record, changes)
        elif status in _NAS_REBOOTS:
            self._close_nas(record.nas, record.at, changes)

    def _start(self, record: AcctRecord, changes: Changes) -> None:
        current = self._open.get(record.key)
        if current is not None:
            self._close(current, record.at, StaleRule.SAME_KEY, changes)
        row = accounting.created(record, self._next_id(changes), SessionState.OPEN)
        self._put(row, changes)
        changes.count(None, row)

    def _interim(self, record: AcctRecord, changes: Changes) -> None:
        current = self._open.get(record.key)
        if current is not None:
            row = accounting.updated(current, record)
            self._put(row, changes)
            changes.count(current, row)
            return
        previous = changes.latest_closed.get(record.key)
        if previous is None:
            row = accounting.created(record, self._next_id(changes), SessionState.OPEN)
            self._put(row, changes)
            changes.count(None, row)
        elif previous.terminate_cause == accounting.STALE:
            changes.track(previous)
            row = accounting.reopened(previous, record)
            self._put(row, changes)
            changes.count(previous, row)
        # else: an Interim after the session's Stop arrived late; nothing to change.

    def _stop(self, record: AcctRecord, changes: Changes) -> None:
        current = self._open.get(record.key)
        if current is not None:
            changes.track(current)
            self._remove(current)
            row = accounting.stopped(current, record)
            self._changed(row, changes)
            changes.count(current, row)
        elif record.key not in changes.latest_closed:
            # Never seen: kept as a closed record. Already closed: answered, unchanged.
            row = accounting.created(record, self._next_id(changes), SessionState.CLOSED)
            self._changed(row, changes)
            changes.count(None, row)

    def _sweep(self, sweep: Sweep, changes: Changes) -> None:
        deadline = sweep.now - timedelta(seconds=sweep.stale_after)
        for row in [row for row in self._open.values() if row.updated_at < deadline]:
            self._close(row, sweep.now, StaleRule.STALE_AFTER, changes)

    def _close_nas(self, nas: str, at: datetime, changes: Changes) -> None:
        for row in [row for row in self._open.values() if row.nas == nas]:
            self._close(row, at, StaleRule.NAS_REBOOT, changes)

    def _patch(self, patch: SessionPatch, changes: Changes) -> None:
        row = self.by_id(patch.session_id)
        if row is None:
            return
        updated = row._replace(
            last_applied=row.last_applied if patch.last_applied is None else patch.last_applied,
            last_coa=row.last_coa if patch.last_coa is None else patch.last_coa,
            external_override=(
                row.external_override
                if patch.external_override is None
                else patch.external_override
            ),
        )
        if updated != row:
            self._put(updated, changes)

    def _close_one(self, close: CloseSession, changes: Changes) -> None:
        row = self.by_id(close.session_id)
        if row is None:
            return
        changes.track(row)
        self._remove(row)
        closed = row._replace(
            state=SessionState.CLOSED,
            terminate_cause=close.cause,
            updated_at=max(row.updated_at, close.at),
        )
        self._changed(closed, changes)

    # -- bookkeeping ------------------------------------------------------------------

    def _next_id(self, changes: Changes) -> int:
        self._last_id += 1
        changes.new_ids.add(self._last_id)
        return self._last_id

    def _close(self, row: SessionRow, at: datetime, rule: StaleRule, changes: Changes) -> None:
        changes.track(row)
        self._remove(row)
        self._changed(accounting.closed_stale(row, at), changes)
        changes.stale[rule] += 1

    def _changed(self, row: SessionRow, changes: Changes) -> None:
        """A row closed (or created closed): its addresses, if any, have left."""
        changes.rows[row.id] = row
        changes.latest_closed[row.key] = row
        changes.closed += 1
        if row.account_id is not None:
            changes.accounts.add(row.account_id)

    def _remove(self, row: SessionRow) -> None:
        key = row.key
        del self._open[key]
        self._by_id.pop(row.id, None)
        self._unlink_names(key)
        for address in accounting.addresses(row):
            if self._by_address.get(address) == key:
                del self._by_address[address]
        if row.account_id is not None:
            keys = self._by_account[row.account_id]
            keys.discard(key)
            if not keys:
                del self._by_account[row.account_id]

    def _put(self, row: SessionRow, changes: Changes) -> None:
        """Make `row` the open session of its key, taking over the addresses it claims."""
        key = row.key
        claimed = accounting.addresses(row)
        previous = self._open.get(key)
        kept = False  # the previous row's owner and addresses, unchanged
        if previous is not None:
            changes.track(previous)
            kept = _same_claims(previous, row)
            if (
                kept
                and previous.id == row.id
                and all(self._by_address.get(address) == key for address in claimed)
            ):
                # An Interim-Update, most often: every index stays as it is.
                self._open[key] = row
                changes.rows[row.id] = row
                return
            self._remove(previous)
        for address in claimed:
            holder = self._by_address.get(address)
            if holder is not None and holder != key:
                self._close(self._open[holder], row.updated_at, StaleRule.ADDRESS_CLAIMED, changes)
            self._by_address[address] = key
        self._open[key] = row
        self._by_id[row.id] = key
        self._link_names(key)
        changes.rows[row.id] = row
        if row.account_id is not None:
            self._by_account.setdefault(row.account_id, set()).add(key)
            if not kept:  # a new session, or its soft addresses moved (address or owner)
                changes.accounts.add(row.account_id)


def _same_claims(previous: SessionRow, row: SessionRow) -> bool:
    """Whether a session keeps its owner and addresses (what its claims are made of)."""
    return (
        previous.account_id == row.account_id
        and previous.framed_ip == row.framed_ip
        and previous.framed_ipv6_prefix == row.framed_ipv6_prefix
        and previous.delegated_ipv6_prefix == row.delegated_ipv6_prefix
    )
