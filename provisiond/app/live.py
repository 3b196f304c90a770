"""The in-memory state (the policy engine), kept in step with the store's change feed.

Every store commit reaches the engine through the feed; what the engine reports as changed
(`Dirty`) fans out to whoever serves from it: the RADIUS reply cache, the device
reconciler. Changes and rebuilds are serialised, so a change committed while a rebuild
loads its snapshot waits in the feed and is re-read afterwards: nothing is missed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, TypeVar

from provisiond.app.commands import build_engine
from provisiond.model import objects
from provisiond.model.errors import NotFoundError
from provisiond.policy import coa_reasons

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from provisiond import config
    from provisiond.model.device_state import DesiredState, SessionAddress
    from provisiond.model.objects import UsagePolicy
    from provisiond.observability.metrics import Metrics
    from provisiond.policy.auth import Accept, Reject
    from provisiond.policy.claims import Changes
    from provisiond.policy.definitions import Definition
    from provisiond.policy.engine import Dirty, PolicyEngine
    from provisiond.store import Store
    from provisiond.store.feed import Change

log = logging.getLogger(__name__)

T = TypeVar("T", bound="objects.Account | Definition")

# The change-feed kinds the policy engine follows, and the model class behind each.
DEFINITION_KINDS: Mapping[str, type[Definition]] = {
    "account_statuses": objects.AccountStatus,
    "account_types": objects.AccountType,
    "account_groups": objects.AccountGroup,
    "usage_policies": objects.UsagePolicy,
    "services": objects.Service,
    "address_lists": objects.AddressList,
    "radius_groups": objects.RadiusGroup,
}


class LiveState:
    def __init__(self, *, settings: config.Settings, store: Store, metrics: Metrics) -> None:
        self.settings = settings
        self._store = store
        self._metrics = metrics
        self._engine: PolicyEngine | None = None
        self._lock = asyncio.Lock()
        self._settled = asyncio.Condition()
        self._subscription = store.feed.subscribe()  # before the load: nothing slips between
        self._listeners: list[Callable[[Dirty], None]] = []
        self._reason_listeners: list[Callable[[Mapping[int, frozenset[str]]], None]] = []
        # Why each account changed in the change being applied (`coa_reasons`).
        self._reasons: dict[int, frozenset[str]] = {}
        # Address list id → name, for the reconciler's rename detection (`set list=`).
        self._list_names: dict[int, str] = {}
        # The accounts over their usage cap (usage accounting's), so an engine rebuilt or
        # reloaded keeps the `usage` filter where it was.
        self.over_cap_accounts: Callable[[], Iterable[int]] = frozenset

    @property
    def engine(self) -> PolicyEngine:
        if self._engine is None:
            raise RuntimeError("the policy engine is not loaded yet")
        return self._engine

    @property
    def loaded(self) -> bool:
        return self._engine is not None

    def authorize(self, username: str, nas: str) -> Accept | Reject:
        """The RADIUS server's question, answered by whichever engine is current."""
        return self.engine.authorize(username, nas)

    def on_dirty(self, listener: Callable[[Dirty], None]) -> None:
        self._listeners.append(listener)

    def on_account_reasons(self, listener: Callable[[Mapping[int, frozenset[str]]], None]) -> None:
        """Called after each applied change with why each account changed (the CoA
        vocabulary of `policy.coa_reasons`); accounts with no reason are left out."""
        self._reason_listeners.append(listener)

    def over_cap(self, account_id: int, over: bool) -> None:  # noqa: FBT001 - a flag value
        """Usage moved the account across its cap: the `usage` filter and a CoA follow."""
        if self._engine is None:
            return
        self._fan_out(self._engine.set_over_cap(account_id, over))
        self._emit_reasons({account_id: frozenset({coa_reasons.USAGE})})

    def seed_over_cap(self, account_ids: Iterable[int]) -> None:
        """At start: usage's over-cap accounts join the `usage` filter. No CoA reason: the
        sessions' replies were made by the same rule before the restart."""
        engine = self._engine
        if engine is None:
            return
        dirty = None
        for account_id in account_ids:
            step = engine.set_over_cap(account_id, over=True)
            dirty = step if dirty is None else dirty | step
        self._fan_out(dirty)  # once: the listeners' work is per device, not per account

    def usage_policy(self, account_id: int) -> UsagePolicy | None:
        """The usage policy of the account's primary service in the current engine."""
        return self._engine.usage_policy(account_id) if self._engine is not None else None

    def desired(self, device: str) -> DesiredState:
        """The current engine's desired state (an engine rebuilt on reload included)."""
        return self.engine.desired(device)

    def desired_view(self, device: str) -> DesiredState:
        """`PolicyEngine.desired_view`: no copy; use at once, never across an await."""
        return self.engine.desired_view(device)

    def take_changes(self, device: str) -> Changes:
        """The current engine's journal for the device; a rebuilt engine starts `full`."""
        return self.engine.take_changes(device)

    def address_lists(self) -> Mapping[int, str]:
        return self._list_names

    async def load(self, sessions: Iterable[SessionAddress] = ()) -> None:
        async with self._lock:
            dataset = await self._store.load()
            self._engine = build_engine(self.settings, dataset, sessions, self.over_cap_accounts())
            self._list_names = {item.id: item.name for item in dataset.address_lists}
        self.publish_metrics()

    async def rebuild(self, settings: config.Settings, sessions: Iterable[SessionAddress]) -> None:
        """A reload: a new engine for new settings; raises PolicyError and keeps the old."""
        try:
            async with self._lock:
                dataset = await self._store.load()
                self._engine = build_engine(settings, dataset, sessions, self.over_cap_accounts())
                self._list_names = {item.id: item.name for item in dataset.address_lists}
                self.settings = settings
        finally:
            await self._notify_settled()
        self.publish_metrics()

    async def follow(self) -> None:
        """The change-feed task: runs until the subscription closes."""
        async for change in self._subscription:
            async with self._lock:
                self._reasons = {}
                dirty = await self._apply(change)
                reasons, self._reasons = self._reasons, {}
            self._fan_out(dirty)
            self._emit_reasons(reasons)
            await self._notify_settled()

    def close(self) -> None:
        self._subscription.close()

    def set_sessions(self, account_id: int, addresses: tuple[SessionAddress, ...]) -> None:
        """Accounting changed an account's live-session addresses (soft addresses)."""
        if self._engine is not None:
            self._fan_out(self._engine.set_sessions(account_id, addresses))

    async def wait_applied(self) -> None:
        """Return once every change committed so far is in the in-memory state."""

        def settled() -> bool:
            return self._subscription.pending == 0 and not self._lock.locked()

        async with self._settled:
            await self._settled.wait_for(settled)

    async def _notify_settled(self) -> None:
        async with self._settled:
            self._settled.notify_all()

    async def _apply(self, change: Change) -> Dirty | None:
        engine = self._engine
        if engine is None:
            return None
        self._metrics.store_changes.labels(kind=change.kind).inc()
        if change.kind == "*":
            dataset = await self._store.load()
            self._list_names = {item.id: item.name for item in dataset.address_lists}
            before = {account.id: account for account in engine.accounts()}
            dirty = engine.load(
                dataset,
                sessions=engine.session_addresses(),
                over_cap=self.over_cap_accounts(),
            )
            self._reasons_after_reload(before, dataset.accounts, dirty)
            return dirty
        if change.kind == "accounts":
            return await self._apply_accounts(engine, change)
        if change.kind in DEFINITION_KINDS:
            return await self._apply_definitions(engine, DEFINITION_KINDS[change.kind], change)
        return None

    async def _current(self, kind: type[T], object_id: int, change: Change) -> T | None:
        """The committed version the change carries, else read back; None when deleted."""
        if object_id in change.committed:
            carried = change.committed[object_id]
            return carried if isinstance(carried, kind) else None
        try:
            return await self._store.get(kind, object_id)
        except NotFoundError:
            return None

    async def _apply_accounts(self, engine: PolicyEngine, change: Change) -> Dirty | None:
        dirty = None
        for account_id in sorted(change.ids):
            account = await self._current(objects.Account, account_id, change)
            self._add_reasons(
                account_id, coa_reasons.account_reasons(engine.account(account_id), account)
            )
            if account is None:
                step = engine.remove_account(account_id)
            else:
                step = engine.put_account(account)
            dirty = step if dirty is None else dirty | step
        return dirty

    async def _apply_definitions(
        self, engine: PolicyEngine, kind: type[Definition], change: Change
    ) -> Dirty | None:
        dirty = None
        for object_id in sorted(change.ids):
            definition = await self._current(kind, object_id, change)
            if definition is None:
                step = engine.remove_definition(kind, object_id)
                if kind is objects.AddressList:
                    self._list_names.pop(object_id, None)
            else:
                step = engine.put_definition(definition)
                if isinstance(definition, objects.AddressList):
                    self._list_names[definition.id] = definition.name
            dirty = step if dirty is None else dirty | step
        if dirty is not None:
            for account_id in dirty.account_ids:
                self._add_reasons(account_id, frozenset({coa_reasons.DEFINITIONS}))
        return dirty

    def _reasons_after_reload(
        self,
        before: Mapping[int, objects.Account],
        accounts: Iterable[objects.Account],
        dirty: Dirty,
    ) -> None:
        """A reload (an import) replaced everything: compare every account, and count a
        definition change for every account whose state moved."""
        seen = set()
        for account in accounts:
            seen.add(account.id)
            self._add_reasons(
                account.id, coa_reasons.account_reasons(before.get(account.id), account)
            )
        for account_id, account in before.items():
            if account_id not in seen:
                self._add_reasons(account_id, coa_reasons.account_reasons(account, None))
        for account_id in dirty.account_ids:
            self._add_reasons(account_id, frozenset({coa_reasons.DEFINITIONS}))

    def _add_reasons(self, account_id: int, reasons: frozenset[str]) -> None:
        if reasons:
            self._reasons[account_id] = self._reasons.get(account_id, frozenset()) | reasons

    def _emit_reasons(self, reasons: Mapping[int, frozenset[str]]) -> None:
        if not reasons:
            return
        for listener in self._reason_listeners:
            try:
                listener(reasons)
            except Exception:
                log.exception("a change listener failed")

    def _fan_out(self, dirty: Dirty | None) -> None:
        if not dirty:
            return
        self.publish_metrics(dirty.devices)
        for listener in self._listeners:
            listener(dirty)

    def publish_metrics(self, devices: Iterable[str] | None = None) -> None:
        engine = self._engine
        if engine is None:
            return
        self._metrics.accounts.set(engine.account_count)
        for name in engine.devices if devices is None else devices:
            counts = engine.counts(name)
            self._metrics.desired_entries.labels(device=name, kind="address").set(counts.addresses)
            self._metrics.desired_entries.labels(device=name, kind="queue").set(counts.queues)
            self._metrics.address_clashes.labels(device=name).set(counts.clashes)
