"""The policy engine's tables and every question asked of them.

`PolicyState` holds what the engine knows (definitions, signatures, per-account states, the
claim tables, the queues and their journal) and answers the read side: desired state per
device, the journal, RADIUS answers, `/effective`. Its only write is `take_changes`, which
clears the journal it reads. `engine.PolicyEngine` subclasses it and is the only code that
changes the tables, so everything a query may see is set up in `_reset` below.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from provisiond.model.device_state import DesiredState
from provisiond.policy import effective, replies
from provisiond.policy.auth import Accept, Reject, RejectReason, UserIndex, find_radius
from provisiond.policy.claims import Changes, ClaimTable, DesiredAddresses
from provisiond.policy.definitions import Definitions
from provisiond.policy.errors import UnknownAccountError, UnknownDeviceError
from provisiond.policy.rates import parse_rate
from provisiond.policy.scope import Scope, ScopeIndex
from provisiond.policy.signatures import SigTable

if TYPE_CHECKING:
    from collections.abc import Sequence

    from provisiond.model.device_state import AddressClash, DeviceScope, QueueEntry, SessionAddress
    from provisiond.model.objects import Account, UsagePolicy
    from provisiond.policy.accounts import AccountState
    from provisiond.policy.rates import Rate


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


class PolicyState:
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
