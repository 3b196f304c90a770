"""One account's contributions to the devices: its addresses, its entries, its queues.

`AccountState` is a snapshot of what the account contributed at its last recompute. The
engine retracts exactly those contributions before adding the new ones, so no per-entry
bookkeeping is kept: the claims and queues are re-derived from the snapshot when needed.
(Fewer objects per account also keep the garbage collector's full passes away.) Each address
carries the bitmask of the devices that take it (see `scope.ScopeIndex`).

Live-session addresses come and go with every accounting Start and Stop, so they can be
replaced alone (`place_sessions`): `placed` is always the fixed addresses, unchanged and in
their order, followed by the session addresses that are not fixed ones. A session on a fixed
address adds no device either: it reaches only devices whose scope contains the address,
which already take it as a fixed one. So a sessions-only change moves only the entries of
`session_placed` (an entry's key holds the address's canonical text, so two addresses never
share one), and never a queue (queues take only `ip_assignments`, DESIGN.md §4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provisiond.model.device_state import QueueEntry
from provisiond.policy.scope import Addr, addr_of, host_addr, sort_key

if TYPE_CHECKING:
    from collections.abc import Iterator

    from provisiond.model.device_state import AddressKey, SessionAddress
    from provisiond.model.objects import Account
    from provisiond.policy.membership import Signature
    from provisiond.policy.rates import Rate
    from provisiond.policy.replies import CompiledGroup
    from provisiond.policy.scope import Scope, ScopeIndex
    from provisiond.policy.signatures import ListsByDevice, SigEntry

Placed = tuple[tuple[Addr, int], ...]
"""Every address of the account once, with the bitmask of device indexes that take it."""


class AccountState:
    __slots__ = (
        "account",
        "activates",
        "assigned",
        "by_device",
        "fixed",
        "groups",
        "placed",
        "rate",
        "sessions",
        "sig",
    )

    def __init__(self, account: Account, entry: SigEntry, rate: Rate | None) -> None:
        self.account = account
        self.sig: Signature = entry.sig  # the shared one, not a per-account copy
        self.activates = entry.activates
        self.by_device: ListsByDevice = entry.by_device
        # The matched RADIUS groups when the replies were last made: the signature's entry
        # is shared and changed in place, so only this copy tells whether they moved.
        self.groups: tuple[CompiledGroup, ...] = entry.groups
        self.rate = rate  # the primary data service's; None without one
        self.assigned: tuple[Addr, ...] = ()
        self.fixed: Placed = ()  # `ip_assignments` and the RADIUS accounts' addresses
        self.placed: Placed = ()  # `fixed`, then the session addresses that are not fixed
        self.sessions: tuple[tuple[str, Addr], ...] = ()  # (NAS name, address)


def derive(
    account: Account,
    *,
    entry: SigEntry,
    rate: Rate | None,
    sessions: tuple[SessionAddress, ...],
    index: ScopeIndex,
) -> AccountState:
    state = AccountState(account, entry, rate)
    state.assigned = tuple(addr_of(prefix) for prefix in account.ip_assignments)
    fixed = {addr: index.containing(addr) for addr in state.assigned}
    for addr in radius_addrs(account):
        fixed[addr] = index.containing(addr)
    state.fixed = tuple(fixed.items())
    place_sessions(state, sessions, index)
    return state


def place_sessions(
    state: AccountState, sessions: tuple[SessionAddress, ...], index: ScopeIndex
) -> None:
    """Replace the account's live-session addresses (`sessions` and `placed`).

    When every session is on a fixed address, `placed` is `fixed` itself (the same object):
    most accounts have no session or one on their static address, and the engine then finds
    nothing moved at the cost of an identity check."""
    fixed = state.fixed
    if not sessions:
        state.sessions = ()
        state.placed = fixed
        return
    found: list[tuple[str, Addr]] = []
    placed = dict(fixed)
    for session in sessions:  # a plain loop: this runs for every accounting Start and Stop
        nas, addr = session.nas, addr_of(session.prefix)
        found.append((nas, addr))
        placed[addr] = placed.get(addr, 0) | (index.containing(addr) & index.sourced(nas))
    state.sessions = tuple(found)
    # A fixed address's mask already holds every device a session on it could add.
    state.placed = fixed if len(placed) == len(fixed) else tuple(placed.items())


def session_placed(state: AccountState) -> Placed:
    """The part of `placed` only the live sessions contribute (see the module docstring)."""
    return state.placed[len(state.fixed) :]


def claims(state: AccountState) -> Iterator[tuple[int, AddressKey]]:
    """(device index, key) of every address-list entry the account wants, once each."""
    return claims_of(state.placed, state.by_device)


def claims_of(placed: Placed, by_device: ListsByDevice) -> Iterator[tuple[int, AddressKey]]:
    """(device index, key) of the entries of these addresses (a part of `placed`)."""
    for index, names in enumerate(by_device):
        if not names:
            continue
        bit = 1 << index
        for (family, text, _, _), mask in placed:
            if mask & bit:
                for name in names:
                    yield index, (family, name, text)


def queue_for(state: AccountState, scope: Scope) -> QueueEntry | None:
    """DESIGN.md §4: only `ip_assignments` count (a PPP session already gets a dynamic queue
    from its RADIUS rate), only with a rate, only when activating unless `queue_inactive`."""
    device, rate = scope.device, state.rate
    if not device.queues or rate is None or not (state.activates or device.queue_inactive):
        return None
    bit = 1 << scope.index
    targets = [addr for addr, mask in state.placed if mask & bit and addr in state.assigned]
    if not targets:
        return None
    targets.sort(key=sort_key)
    account_id = state.account.id
    return QueueEntry(
        name=f"{device.comment_prefix}-{account_id}",
        target=",".join(text for _, text, _, _ in targets),
        max_limit=rate.max_limit(),
        account_id=account_id,
        burst_limit=rate.burst_limit(),
        burst_threshold=rate.burst_threshold(),
        burst_time=rate.burst_time(),
    )


def radius_addrs(account: Account) -> Iterator[Addr]:
    for radius in account.radius_accounts:
        if radius.framed_ip is not None:
            yield host_addr(radius.framed_ip)
        if radius.framed_ipv6_prefix is not None:
            yield addr_of(radius.framed_ipv6_prefix)
        if radius.delegated_ipv6_prefix is not None:
            yield addr_of(radius.delegated_ipv6_prefix)
