"""The policy engine: subscriber state in, desired device state and RADIUS answers out.

Pure and synchronous: no I/O, no clock. The engine holds the model in memory and keeps what
each account contributes up to date incrementally. Every change returns a `Dirty` saying
which devices must re-sync, which usernames' cached replies must go, and which accounts'
`/effective` changed; a change to one account recomputes only that account, a list or group
definition only the signatures (and so accounts) whose membership it moves, and a status,
service or usage-policy definition only the accounts that use it.

Accounting's `set_sessions` (every Start and Stop that carries an address) is by far the
most frequent change, so it does not recompute the account: it replaces only the session
addresses and their entries. No RADIUS reply reads them, so it never names a username. Any
other recompute names the account's usernames only when a reply input moved (the account
itself, its status's activation, its matched groups, its rate): each name given drops a
cached reply that the RADIUS server must then rebuild.

This module is the write side. The tables and the read side (desired state, the journal,
RADIUS answers, `/effective`) are `state.PolicyState`, which `PolicyEngine` extends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from provisiond.model.objects import (
    AccountStatus,
    AddressList,
    RadiusGroup,
    Service,
    UsagePolicy,
)
from provisiond.policy import accounts
from provisiond.policy.claims import Touched
from provisiond.policy.definitions import Definitions
from provisiond.policy.membership import signature
from provisiond.policy.state import DeviceCounts, PolicySettings, PolicyState

if TYPE_CHECKING:
    from collections.abc import Iterable

    from provisiond.model.device_state import SessionAddress
    from provisiond.model.objects import Account, Dataset
    from provisiond.policy.accounts import AccountState
    from provisiond.policy.definitions import Definition

__all__ = ["JOURNAL_LIMIT", "DeviceCounts", "Dirty", "PolicyEngine", "PolicySettings"]

JOURNAL_LIMIT: Final = 50_000
"""Keys a device's journal holds before it gives up and says `full` (a whole diff is then
cheaper, and a device nobody takes the journal of does not grow it without end)."""


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


_NOTHING: Final = Dirty()


class PolicyEngine(PolicyState):
    """The state's only writer: each change recomputes what it affects and says so in a
    `Dirty` (the queries are `PolicyState`'s)."""

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
        """The addresses of the account's live sessions, replacing the previous set.

        Never names a username (no reply reads session addresses) and names the account only
        when its `/effective` may differ: a session on one of its fixed addresses, or on the
        same address again, returns an empty `Dirty`."""
        found = tuple(addresses)
        if found:
            self._sessions[account_id] = found
        else:
            self._sessions.pop(account_id, None)
        state = self._states.get(account_id)
        if state is None:
            return _NOTHING  # kept for when the account arrives
        return self._resession(state, found)

    def set_over_cap(self, account_id: int, over: bool) -> Dirty:  # noqa: FBT001 - a flag value
        if over:
            self._over_cap.add(account_id)
        else:
            self._over_cap.discard(account_id)
        return self._recompute(account_id)

    # -- internals -----------------------------------------------------------------------

    def _resession(self, state: AccountState, found: tuple[SessionAddress, ...]) -> Dirty:
        """Only the session addresses moved: swap their entries, leave the rest be.

        The fixed part of `placed` and the signature are untouched, so the claims outside
        `session_placed` and the queues stay as they are (see `accounts`)."""
        before_placed, before_sessions = state.placed, state.sessions
        accounts.place_sessions(state, found, self._scope_index)
        if state.placed is before_placed or state.placed == before_placed:
            # The same entries. `/effective` still shows which NAS a non-fixed address came
            # from (`out_of_scope`), so it may have moved when such a session did.
            if state.placed is state.fixed or before_sessions == state.sessions:
                return _NOTHING
            return Dirty(account_ids=frozenset((state.account.id,)))
        touched = Touched()
        # `fixed` did not move: the session part of the old `placed` is what follows it.
        before = before_placed[len(state.fixed) :]
        self._swap_claims(
            state.account.id,
            set(accounts.claims_of(before, state.by_device)),
            set(accounts.claims_of(accounts.session_placed(state), state.by_device)),
            touched,
        )
        touched.accounts.add(state.account.id)
        return self._dirty(touched)

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
                state = self._states[account_id]
                state.groups = self._sigs.get(state.sig).groups  # these replies are dropped
                touched.accounts.add(account_id)
                touched.usernames.update(_usernames(state.account))
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
        if _reply_inputs_moved(old, new):
            for state in (old, new):
                if state is not None:
                    touched.usernames.update(_usernames(state.account))
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


def _reply_inputs_moved(old: AccountState | None, new: AccountState | None) -> bool:
    """Whether the account's RADIUS answers may differ: everything `authorize` reads of it.

    The account object covers its RADIUS entries (names, passwords, framed addresses), its
    id and its primary service (`default_rate`); the rest is the status's activation, the
    matched groups (their replies and templates) and the rate the templates render. The
    engine's settings never change. Session addresses and list entries are not read."""
    if old is None or new is None:
        return True
    return (
        old.activates != new.activates
        or old.rate != new.rate
        or old.groups != new.groups
        or old.account != new.account
    )
