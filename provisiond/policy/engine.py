"""The policy engine: subscriber state in, desired device state and RADIUS answers out.

Pure and synchronous: no I/O, no clock. The engine holds the model in memory and keeps what
each account contributes up to date incrementally. Every change returns a `Dirty` saying
which devices must re-sync, which usernames' cached replies must go, and which accounts'
`/effective` changed; a change to one account recomputes only that account, a list or group
definition only the signatures (and so accounts) whose membership it moves, and a status,
service or usage-policy definition only the accounts that use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from provisiond.model.device_state import DesiredState
from provisiond.model.objects import (
    AccountStatus,
    AddressList,
    RadiusGroup,
    Service,
    UsagePolicy,
)
from provisiond.policy import accounts, effective, replies
from provisiond.policy.auth import Accept, Reject, RejectReason, UserIndex, find_radius
from provisiond.policy.claims import Changes, ClaimTable, DesiredAddresses, Touched
from provisiond.policy.definitions import Definitions
from provisiond.policy.errors import UnknownAccountError, UnknownDeviceError
from provisiond.policy.membership import signature
from provisiond.policy.rates import Rate, parse_rate
from provisiond.policy.scope import Scope, ScopeIndex
from provisiond.policy.signatures import SigTable

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from provisiond.model.device_state import AddressClash, DeviceScope, QueueEntry, SessionAddress
    from provisiond.model.objects import Account, Dataset
    from provisiond.policy.accounts import AccountState
    from provisiond.policy.definitions import Definition


JOURNAL_LIMIT: Final = 50_000
"""Keys a device's journal holds before it gives up and says `full` (a whole diff is then
cheaper, and a device nobody takes the journal of does not grow it without end)."""


@dataclass(frozen=True, slots=True)
class PolicySettings:
    """The `[radius]` settings the replies depend on (DESIGN.md §2)."""

    rate_limit_attribute: str = "Mikrotik-Rate-Limit"  # "" = never add the rate
    default_rate: str = ""  # MikroTik rate for activating accounts without a data service
    reject_inactive: bool = True
    interim_interval_s: int = 300  # Acct-Interim-Interval, seconds; 0 = not sent


@dataclass(frozen=True, slots=True)
class DeviceCounts:
    addresses: int
    queues: int
    clashes: int  # accounts that lost a contested address key to a lower id


@dataclass(frozen=True, slots=True)
class Dirty:
    """What a change touched: devices to re-sync, usernames whose cached reply must go,
    accounts whose `/effective` may differ."""

    devices: frozenset[str] = frozenset()
    usernames: frozenset[str] = frozenset()
    account_ids: frozenset[int] = frozenset()

    def __or__(self, other: Dirty) -> Dirty:
        return Dirty(
            self.devices | other.devices,
            self.usernames | other.usernames,
            self.account_ids | other.account_ids,
        )

    def __bool__(self) -> bool:
        return bool(self.devices or self.usernames or self.account_ids)


class PolicyEngine:
    def __init__(self, *, settings: PolicySettings, devices: Sequence[DeviceScope]) -> None:
        """Raises `RateSyntaxError` when `settings.default_rate` is not a MikroTik rate."""
        self._settings = settings
        self._default_rate = parse_rate(settings.default_rate) if settings.default_rate else None
        self._scopes = tuple(Scope(device, index) for index, device in enumerate(devices))
        self._scope_by_name = {scope.device.name: scope for scope in self._scopes}
        self._scope_index = ScopeIndex(self._scopes)
        self._queue_scopes = tuple(scope for scope in self._scopes if scope.device.queues)
        self._reset(Definitions())

    def _reset(self, definitions: Definitions) -> None:
        self._defs = definitions
        self._sigs = SigTable(self._defs, self._scopes)
        self._tables = tuple(ClaimTable(scope.index) for scope in self._scopes)
        self._queues: tuple[dict[str, QueueEntry], ...] = tuple({} for _ in self._scopes)
        # The journal (`take_changes`): address keys live in each ClaimTable's `changed`.
        self._queue_changes: tuple[set[str], ...] = tuple(set() for _ in self._scopes)
        self._full = [True] * len(self._scopes)  # a new table: everything moved
        self._states: dict[int, AccountState] = {}
        self._users = UserIndex()
        self._by_primary: dict[int, set[int]] = {}
        self._sessions: dict[int, tuple[SessionAddress, ...]] = {}
        self._over_cap: set[int] = set()

    # -- changes -------------------------------------------------------------------------

    def load(
        self,
        dataset: Dataset,
        *,
        sessions: Iterable[SessionAddress] = (),
        over_cap: Iterable[int] = (),
    ) -> Dirty:
        """Replace everything; the Dirty covers what was there before and what is now.

        Raises `TemplateError` for a RADIUS group whose reply values do not compile, before
        anything is replaced: a bad load leaves the engine as it was."""
        definitions = Definitions()
        for kind in (
            dataset.account_statuses,
            dataset.account_types,
            dataset.account_groups,
            dataset.usage_policies,
            dataset.services,
            dataset.address_lists,
            dataset.radius_groups,
        ):
            for definition in kind:
                definitions.put(definition)
        before = self._everything()
        self._reset(definitions)
        soft: dict[int, list[SessionAddress]] = {}
        for session in sessions:
            soft.setdefault(session.account_id, []).append(session)
        self._sessions = {account_id: tuple(found) for account_id, found in soft.items()}
        self._over_cap = set(over_cap)
        touched = Touched()
        for account in dataset.accounts:
            if account.id in self._states:  # a repeated id: the later one wins
                self._refresh(account.id, account, touched)
            else:
                self._add(account)
        for table in self._tables:
            table.changed.clear()  # the journal says `full` already
        return before | self._everything()

    def put_account(self, account: Account) -> Dirty:
        touched = Touched()
        self._refresh(account.id, account, touched)
        return self._dirty(touched)

    def remove_account(self, account_id: int) -> Dirty:
        touched = Touched()
        if account_id in self._states:
            self._refresh(account_id, None, touched)
        return self._dirty(touched)

    def put_definition(self, obj: Definition) -> Dirty:
        """Raises `TemplateError` for a RADIUS group whose reply values do not compile."""
        self._defs.put(obj)
        return self._follow(type(obj), obj.id)

    def remove_definition(self, kind: type[Definition], definition_id: int) -> Dirty:
        self._defs.remove(kind, definition_id)
        return self._follow(kind, definition_id)

    def set_sessions(self, account_id: int, addresses: Iterable[SessionAddress]) -> Dirty:
        """The addresses of the account's live sessions, replacing the previous set."""
        found = tuple(addresses)
        if found:
            self._sessions[account_id] = found
        else:
            self._sessions.pop(account_id, None)
        return self._recompute(account_id)

    def set_over_cap(self, account_id: int, over: bool) -> Dirty:  # noqa: FBT001 - a flag value
        if over:
            self._over_cap.add(account_id)
        else:
            self._over_cap.discard(account_id)
        return self._recompute(account_id)

    # -- queries -------------------------------------------------------------------------

    @property
    def devices(self) -> tuple[str, ...]:
        return tuple(self._scope_by_name)

    @property
    def account_count(self) -> int:
        return len(self._states)

    def accounts(self) -> list[Account]:
        """Every account the engine holds (a list: the engine may change after)."""
        return [state.account for state in self._states.values()]

    def usage_policy(self, account_id: int) -> UsagePolicy | None:
        """The usage policy of the account's primary data service (None: no cap)."""
        state = self._states.get(account_id)
        primary = None if state is None else state.account.primary_service_id
        service = None if primary is None else self._defs.services.get(primary)
        if service is None or service.usage_policy_id is None:
            return None
        return self._defs.policies.get(service.usage_policy_id)

    def account(self, account_id: int) -> Account | None:
        """The account as the engine holds it (None when it has no such account)."""
        state = self._states.get(account_id)
        return None if state is None else state.account

    def counts(self, device: str) -> DeviceCounts:
        """Sizes for metrics, without the snapshot `desired()` takes."""
        index = self._scope(device).index
        table = self._tables[index]
        clashes = sum(len(claimants) - 1 for claimants in table.contested.values())
        return DeviceCounts(len(table.owners), len(self._queues[index]), clashes)

    def session_addresses(self) -> list[SessionAddress]:
        """Every live-session address held, to re-seed an engine rebuilt from the store."""
        return [address for addresses in self._sessions.values() for address in addresses]

    def desired(self, device: str) -> DesiredState:
        """A snapshot: later changes to the engine do not show through it."""
        index = self._scope(device).index
        return DesiredState(
            device,
            DesiredAddresses(self._tables[index].owners),
            dict(self._queues[index]),
        )

    def desired_view(self, device: str) -> DesiredState:
        """The desired state without the copy `desired()` makes: a read-only live view,
        O(1) to take. Use it at once and synchronously; it must not be held across an
        `await` (the engine may change under it, or be replaced)."""
        index = self._scope(device).index
        return DesiredState(
            device,
            DesiredAddresses(self._tables[index].owners, copy=False),
            MappingProxyType(self._queues[index]),
        )

    def take_changes(self, device: str) -> Changes:
        """What moved on the device since the last take (or `full`), and clear it."""
        index = self._scope(device).index
        table, queues = self._tables[index], self._queue_changes[index]
        if self._full[index]:
            changes = Changes(full=True)
        else:
            changes = Changes(frozenset(table.changed), frozenset(queues))
        self._full[index] = False
        table.changed.clear()
        queues.clear()
        return changes

    def clashes(self, device: str) -> tuple[AddressClash, ...]:
        return tuple(self._tables[self._scope(device).index].clashes(device))

    def authorize(self, username: str, nas: str) -> Accept | Reject:
        """Who the user is and what the Access-Accept carries; the password is not checked."""
        found = self._users.lookup(username)
        state = None if found is None else self._states.get(found[0])
        radius = None if found is None or state is None else find_radius(state.account, *found[1:])
        if state is None or radius is None:
            return Reject(RejectReason.UNKNOWN_USER)
        account_id = state.account.id
        if not state.activates and self._settings.reject_inactive:
            return Reject(RejectReason.INACTIVE)
        rate = self._radius_rate(state)
        if rate is None and state.activates:
            return Reject(RejectReason.NO_RATE)
        groups = replies.applicable(self._sigs.get(state.sig).groups, nas)
        attributes = replies.assemble(
            radius=radius,
            account_id=account_id,
            groups=groups,
            rate=rate,
            rate_attribute=self._settings.rate_limit_attribute,
            interim_interval_s=self._settings.interim_interval_s,
        )
        return Accept(account_id, radius, attributes)

    def effective(self, account_id: int) -> effective.Effective:
        state = self._states.get(account_id)
        if state is None:
            raise UnknownAccountError(f"no account {account_id}")
        return effective.build(
            state,
            scopes=self._scopes,
            tables=self._tables,
            groups=self._sigs.get(state.sig).groups,
            rate=self._radius_rate(state),
        )

    # -- internals -----------------------------------------------------------------------

    def _scope(self, device: str) -> Scope:
        try:
            return self._scope_by_name[device]
        except KeyError:
            raise UnknownDeviceError(f"no device {device!r}") from None

    def _radius_rate(self, state: AccountState) -> Rate | None:
        """The service's rate; `default_rate` only for an activating account without a data
        service (DESIGN.md §1). Queues never use `default_rate`: it is a `[radius]` setting."""
        if state.rate is not None:
            return state.rate
        if state.activates and state.account.primary_service_id is None:
            return self._default_rate
        return None

    def _recompute(self, account_id: int) -> Dirty:
        touched = Touched()
        state = self._states.get(account_id)
        if state is not None:
            self._refresh(account_id, state.account, touched)
        return self._dirty(touched)

    def _follow(self, kind: type[Definition], definition_id: int) -> Dirty:
        """Recompute what a definition change affects, and only that."""
        touched = Touched()
        if kind is AccountStatus:
            self._refresh_all(self._sigs.restatus(definition_id), touched)
        elif kind is Service:
            self._refresh_all(self._by_primary.get(definition_id, ()), touched)
        elif kind is UsagePolicy:
            self._refresh_all(self._capped_by(definition_id), touched)
        elif kind is AddressList:
            for account_id in self._sigs.relist(definition_id):
                self._relist(self._states[account_id], touched)
        elif kind is RadiusGroup:
            for account_id in self._sigs.regroup(definition_id):
                touched.accounts.add(account_id)
                touched.usernames.update(_usernames(self._states[account_id].account))
        return self._dirty(touched)

    def _capped_by(self, policy_id: int) -> set[int]:
        """Accounts whose primary service has this usage policy (whether it has a cap)."""
        found: set[int] = set()
        for service in self._defs.services.values():
            if service.usage_policy_id == policy_id:
                found |= self._by_primary.get(service.id, set())
        return found

    def _refresh_all(self, account_ids: Iterable[int], touched: Touched) -> None:
        for account_id in tuple(account_ids):
            self._refresh(account_id, self._states[account_id].account, touched)

    def _refresh(self, account_id: int, account: Account | None, touched: Touched) -> None:
        """Recompute one account from scratch and apply the difference (None = removed)."""
        old = self._states.pop(account_id, None)
        if old is not None:
            self._unindex(old)
        new = self._derive(account) if account is not None else None
        if new is not None:
            self._states[account_id] = new
            self._index(new)
        if old is not None and (new is None or new.sig != old.sig):
            # After the new state joined its signature, so an entry is never rebuilt for
            # nothing; and not at all when the signature stayed, or it would lose the member.
            self._sigs.leave(old.sig, account_id)
        self._apply_claims(account_id, old, new, touched)
        self._apply_queues(old, new, touched)
        touched.accounts.add(account_id)

    def _add(self, account: Account) -> None:
        """The bulk-load path: nothing to retract, and nobody needs to know what moved."""
        account_id = account.id
        state = self._states[account_id] = self._derive(account)
        self._index(state)
        # `accounts.claims` unrolled: this loop runs ~500,000 times in a full recompute,
        # and nearly every key is new, so the common case is one dict operation.
        placed = state.placed
        for index, names in enumerate(state.by_device):
            if not names:
                continue
            table, bit = self._tables[index], 1 << index
            for (family, text, _, _), mask in placed:
                if mask & bit:
                    for name in names:
                        key = (family, name, text)
                        if table.owners.setdefault(key, account_id) != account_id:
                            table.claim(key, account_id, Touched())
        for scope in self._queue_scopes:
            queue = accounts.queue_for(state, scope)
            if queue is not None:
                self._queues[scope.index][queue.name] = queue

    def _relist(self, state: AccountState, touched: Touched) -> None:
        """Only the account's list entries moved (a list definition changed)."""
        old = set(accounts.claims(state))
        state.by_device = self._sigs.get(state.sig).by_device
        new = set(accounts.claims(state))
        self._swap_claims(state.account.id, old, new, touched)
        touched.accounts.add(state.account.id)

    def _derive(self, account: Account) -> AccountState:
        facts = signature(
            account,
            services=self._defs.services,
            policy_ids=self._defs.policies,
            over_cap=account.id in self._over_cap,
        )
        return accounts.derive(
            account,
            entry=self._sigs.join(facts, account.id),
            rate=self._defs.rate_of(account.primary_service_id),
            sessions=self._sessions.get(account.id, ()),
            index=self._scope_index,
        )

    def _index(self, state: AccountState) -> None:
        account = state.account
        self._users.add(account)
        if account.primary_service_id is not None:
            self._by_primary.setdefault(account.primary_service_id, set()).add(account.id)

    def _unindex(self, state: AccountState) -> None:
        account = state.account
        self._users.remove(account)
        primary = account.primary_service_id
        if primary is not None:
            members = self._by_primary[primary]
            members.discard(account.id)
            if not members:
                del self._by_primary[primary]

    def _apply_claims(
        self, account_id: int, old: AccountState | None, new: AccountState | None, touched: Touched
    ) -> None:
        for state in (old, new):
            if state is not None:
                touched.usernames.update(_usernames(state.account))
        before = set(accounts.claims(old)) if old is not None else set()
        after = set(accounts.claims(new)) if new is not None else set()
        self._swap_claims(account_id, before, after, touched)

    def _swap_claims(
        self,
        account_id: int,
        before: set[tuple[int, tuple[int, str, str]]],
        after: set[tuple[int, tuple[int, str, str]]],
        touched: Touched,
    ) -> None:
        for index, key in before - after:
            self._tables[index].release(key, account_id, touched)
        for index, key in after - before:
            self._tables[index].claim(key, account_id, touched)

    def _apply_queues(
        self, old: AccountState | None, new: AccountState | None, touched: Touched
    ) -> None:
        for scope in self._queue_scopes:
            index = scope.index
            queue = accounts.queue_for(old, scope) if old is not None else None
            replacement = accounts.queue_for(new, scope) if new is not None else None
            if queue == replacement:
                continue
            if queue is not None:
                del self._queues[index][queue.name]
                self._queue_changes[index].add(queue.name)
            if replacement is not None:
                self._queues[index][replacement.name] = replacement
                self._queue_changes[index].add(replacement.name)
            touched.devices.add(index)

    def _dirty(self, touched: Touched) -> Dirty:
        for index in touched.devices:
            table, queues = self._tables[index], self._queue_changes[index]
            if len(table.changed) + len(queues) > JOURNAL_LIMIT:
                self._full[index] = True
                table.changed.clear()
                queues.clear()
        return Dirty(
            frozenset(self._scopes[index].device.name for index in touched.devices),
            frozenset(touched.usernames),
            frozenset(touched.accounts),
        )

    def _everything(self) -> Dirty:
        return Dirty(
            frozenset(self._scope_by_name),
            frozenset(
                name for state in self._states.values() for name in _usernames(state.account)
            ),
            frozenset(self._states),
        )


def _usernames(account: Account) -> Iterable[str]:
    return (radius.username for radius in account.radius_accounts)
