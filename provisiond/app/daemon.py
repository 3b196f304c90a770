"""`provisiond run`: the lock, the store, the live state, the servers and their tasks."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import logging
from typing import TYPE_CHECKING

import provisiond
from provisiond import config
from provisiond.app.aaa import Aaa
from provisiond.app.commands import (
    STATUS_URL_FILE,
    StartupError,
    local_status_url,
    open_store,
    secrets_in,
)
from provisiond.app.live import LiveState
from provisiond.app.reboots import RebootWatch
from provisiond.drivers import registry as driver_registry
from provisiond.events import EventsService
from provisiond.model.enums import TriggerEvent
from provisiond.observability import logging as logsetup
from provisiond.observability.metrics import Metrics
from provisiond.policy import coa_reasons
from provisiond.policy.errors import PolicyError
from provisiond.radius.errors import RadiusBindError
from provisiond.reconcile import Reconciler
from provisiond.runtime import signals
from provisiond.runtime.clock import SystemClock
from provisiond.runtime.lock import LockHeldError, StateLock
from provisiond.runtime.supervisor import Supervisor
from provisiond.runtime.systemd import Notifier
from provisiond.status import ApiContext, ListenError, StatusServer
from provisiond.usage.service import UsageService

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping
    from datetime import datetime
    from pathlib import Path

    from provisiond.drivers.snmp_counters import QueueCounters
    from provisiond.model.clock import Clock
    from provisiond.policy.engine import Dirty, PolicyEngine
    from provisiond.radius.server import RadiusServer
    from provisiond.reconcile.state import DeviceEvent
    from provisiond.store import Store

log = logging.getLogger(__name__)

# Reasons (`policy.coa_reasons`) that can move an account across its usage cap.
_CAP_REASONS = frozenset({coa_reasons.SERVICE, coa_reasons.DEFINITIONS, coa_reasons.DELETED})
STOP_GRACE_S = 5.0  # well inside the 10 s DESIGN.md §3 allows for a graceful stop
# CoA in flight at a stop gets less: what does not finish stays in the outbox and is sent
# after the restart, and the device sync's grace must still fit in the 10 s.
COA_STOP_GRACE_S = 1.5
SYNC_STATUS_INTERVAL_S = 5.0
MAX_SWEEP_INTERVAL_S = 60.0  # stale-session sweep: often enough that stale_after holds


class Daemon:
    """Owns every long-lived object of a running provisiond and the order they start in."""

    def __init__(self, config_path: Path, settings: config.Settings, clock: Clock) -> None:
        self.config_path = config_path
        self.settings = settings
        self.clock = clock
        self.metrics = Metrics()
        self.scrubber = logsetup.SecretScrubber()
        self.notifier = Notifier()
        self.supervisor = Supervisor()
        self.store: Store | None = None
        self.live: LiveState | None = None
        self.aaa: Aaa | None = None
        self.status: StatusServer | None = None
        self.events: EventsService | None = None
        self.usage: UsageService | None = None
        self.reconciler: Reconciler | None = None
        self._uninstall_signals: Callable[[], None] | None = None

    @property
    def radius(self) -> RadiusServer | None:
        return self.aaa.server if self.aaa is not None else None

    @property
    def engine(self) -> PolicyEngine | None:
        return self.live.engine if self.live and self.live.loaded else None

    async def run(self) -> int:
        self._configure_logging()
        self.metrics.build_info.info({"version": provisiond.__version__})
        self.metrics.config_reload_successful.set(1)
        try:
            lock = StateLock.acquire(self.settings.state_dir)
        except LockHeldError as exc:
            raise StartupError(str(exc)) from exc
        try:
            return await self._serve()
        finally:
            lock.release()

    async def _serve(self) -> int:
        store = self.store = await open_store(self.settings, self.clock)
        try:
            live = self.live = LiveState(settings=self.settings, store=store, metrics=self.metrics)
            try:
                await self._start(store, live)
                await self.supervisor.stopping.wait()
            finally:
                await self._stop(live)
        finally:
            await store.close()
        if self.supervisor.failure is not None:
            log.error("stopped after a failure: %s", self.supervisor.failure)
            return 1
        log.info("stopped")
        return 0

    async def _start(self, store: Store, live: LiveState) -> None:
        events = self.events = EventsService(
            store=store,
            clock=self.clock,
            metrics=self.metrics,
            webhooks=lambda: self.settings.webhooks,
            on_disconnect=self._scheduled_disconnect,
        )
        usage = self.usage = UsageService(
            store=store,
            clock=self.clock,
            settings=self.settings.usage,
            policy_of=live.usage_policy,
            on_over_cap=live.over_cap,
            fire=events.fire,
            in_session=self._in_session,
        )
        aaa = self.aaa = Aaa(
            settings=self.settings,
            store=store,
            live=live,
            clock=self.clock,
            metrics=self.metrics,
            usage=usage,
        )
        radius = aaa.server
        await radius.load()  # open sessions first: their addresses seed the engine
        await live.load(radius.open_session_addresses())
        await usage.start()  # this period's totals: who is over the cap
        live.over_cap_accounts = usage.over_cap_accounts
        live.seed_over_cap(usage.over_cap_accounts())
        live.on_dirty(self._on_dirty)
        live.on_account_reasons(aaa.account_reasons)
        live.on_account_reasons(self._usage_reasons)
        # Loaded state lives as long as the process: keep the collector off it.
        gc.collect()
        gc.freeze()
        self.supervisor.start("change-feed", live.follow)
        self.supervisor.start("session-sweep", self._sweep_sessions)
        self._start_watchdog()
        loop = asyncio.get_running_loop()
        self._uninstall_signals = signals.install(
            loop, stop=self.supervisor.stopping.set, reload=self._reload
        )
        try:
            await aaa.start()  # the AAA server, then the CoA outbox, then the relay
        except RadiusBindError as exc:
            raise StartupError(str(exc)) from exc
        await events.start()  # late scheduled events run now, in time order
        self.reconciler = self._reconciler(store, live)
        await self.reconciler.start()  # first syncs run in the background: READY is not held
        self.supervisor.start("sync-status", self._report_sync_progress)
        reboots = RebootWatch(
            devices=self.settings.devices,
            clock=self.clock,
            on_reboot=self._device_rebooted,
            on_counters=self._queue_counters,
        )
        if reboots.watching:
            self.supervisor.start("snmp-reboots", reboots.run)
        await self._start_status(store, live)
        self.notifier.ready(self._status_line())
        log.info("provisiond %s ready: %s", provisiond.__version__, self._status_line())

    async def _stop(self, live: LiveState) -> None:
        """Stop intake first (HTTP, RADIUS), then the tasks, then the feed."""
        if self._uninstall_signals is not None:
            self._uninstall_signals()
            self._uninstall_signals = None
        self.notifier.stopping()
        if self.status is not None:
            await self.status.stop()
            (self.settings.state_dir / STATUS_URL_FILE).unlink(missing_ok=True)
        if self.aaa is not None:
            # The relay, then CoA (in-flight work ends or stays in the outbox), then the
            # AAA server, which answers the accounting it accepted after committing it.
            await self.aaa.stop(COA_STOP_GRACE_S)
        if self.reconciler is not None:
            await self.reconciler.stop(STOP_GRACE_S)  # finish the pass in progress
        if self.usage is not None:
            await self.usage.stop()  # after accounting: its last batch is counted
        if self.events is not None:
            await self.events.stop()  # pending steps and deliveries are durable
        await self.supervisor.stop(grace=STOP_GRACE_S)
        live.close()

    def _reconciler(self, store: Store, live: LiveState) -> Reconciler:
        return Reconciler(
            devices=self.settings.devices,
            driver_factory=driver_registry.create,
            desired=live.desired,
            address_lists=live.address_lists,
            changes=live.take_changes,
            desired_view=live.desired_view,
            store=store,
            clock=self.clock,
            settings=self.settings.reconcile,
            metrics=self.metrics,
            on_event=self._on_device_event,
        )

    def _scheduled_disconnect(self, account_id: int) -> None:
        """A scheduled `disconnect` (§6): the status moved in the event's own transaction;
        the live sessions get a Disconnect-Request whatever `coa_on` says."""
        if self.aaa is not None:
            self.aaa.coa.disconnect_account(account_id, "scheduled")

    def _in_session(self, account_id: int) -> bool:
        """Usage: an account with an open session is counted by RADIUS, not SNMP."""
        return self.radius is not None and self.radius.book.has_sessions(account_id)

    def _usage_reasons(self, reasons: Mapping[int, frozenset[str]]) -> None:
        """A new primary service, a policy edit or a deletion can move an account across
        its cap without new traffic: usage judges those accounts again."""
        if self.usage is None:
            return
        moved = [account_id for account_id, why in reasons.items() if why & _CAP_REASONS]
        if moved:
            self.usage.policy_changed(moved)

    async def _queue_counters(
        self,
        device: config.DeviceSettings,
        at: datetime,
        counters: Mapping[str, QueueCounters],
        rebooted: bool,  # noqa: FBT001 - RebootWatch's callback signature
    ) -> None:
        if self.usage is not None:
            await self.usage.queue_counters(
                device.name, at, counters, comment_prefix=device.comment_prefix, reset=rebooted
            )

    def _on_device_event(self, event: DeviceEvent) -> None:
        """`device.unreachable` / `device.recovered` become trigger events (§6)."""
        events = self.events
        if events is None:
            return
        data = {"device": event.device, "error": event.error}

        async def fire() -> None:
            await events.fire(TriggerEvent(event.event), None, data)

        self.supervisor.start(
            f"{event.event}-{event.device}-{event.at.timestamp()}", fire, oneshot=True
        )

    async def _device_rebooted(self, name: str) -> None:
        if self.reconciler is not None and name in self.reconciler.device_names:
            self.reconciler.request_full_sync(name)
        if self.radius is not None:
            await self.radius.nas_rebooted(name)

    async def _report_sync_progress(self) -> None:
        """systemd's STATUS= line: how many devices are in sync, refreshed every few seconds."""
        while True:
            self.notifier.status(self._status_line())
            await self.clock.sleep(SYNC_STATUS_INTERVAL_S)

    async def _start_status(self, store: Store, live: LiveState) -> None:
        api = ApiContext(
            store=store,
            engine=lambda: live.engine,
            clock=self.clock,
            readiness=self._readiness,
            wait_applied=live.wait_applied,
            webhooks=lambda: self.settings.webhooks,
            devices_view=self.reconciler,
            sessions=self.radius.sessions if self.radius is not None else None,
            coa=self.aaa.coa if self.aaa is not None else None,
            usage=self.usage,
        )
        self.status = StatusServer(settings=self.settings.status, api=api, metrics=self.metrics)
        try:
            await self.status.start()
        except ListenError as exc:
            raise StartupError(str(exc)) from exc
        url = local_status_url(self.settings, self.status.bound_port)
        # Commands on this host (`provisiond import`) find the running API here.
        (self.settings.state_dir / STATUS_URL_FILE).write_text(url + "\n")

    def _on_dirty(self, dirty: Dirty) -> None:
        if self.radius is not None:
            self.radius.invalidate(dirty.usernames)
        if self.reconciler is not None:
            self.reconciler.notify(dirty.devices)

    def _readiness(self) -> tuple[bool, list[str]]:
        # The store is loaded and the sockets are bound before the API answers at all;
        # what remains is the devices' first sync (bounded by `ready_timeout`).
        if self.engine is None or self.reconciler is None:
            return False, []
        return self.reconciler.ready(self.clock.monotonic())

    async def _sweep_sessions(self) -> None:
        interval = min(MAX_SWEEP_INTERVAL_S, self.settings.radius.stale_after / 4)
        while True:
            await self.clock.sleep(interval)
            if self.radius is not None:
                await self.radius.sweep(self.clock.now())

    def _configure_logging(self) -> None:
        self.scrubber.set_secrets(secrets_in(self.settings))
        logsetup.configure(
            fmt=self.settings.logging.format,
            level=self.settings.logging.level,
            scrubber=self.scrubber,
        )

    def _status_line(self) -> str:
        accounts = self.engine.account_count if self.engine else 0
        if self.reconciler is None:
            return f"{accounts} accounts"
        states = [status.state for status in self.reconciler.statuses()]
        in_sync = sum(1 for state in states if state == "in_sync")
        return f"{accounts} accounts, {in_sync}/{len(states)} devices in sync"

    def _start_watchdog(self) -> None:
        interval = self.notifier.watchdog_interval()
        if interval is None:
            return

        async def watchdog() -> None:
            # Sent from the event loop itself: a blocked loop stops the pings, as it should.
            while True:
                self.notifier.watchdog()
                await self.clock.sleep(interval)

        self.supervisor.start("watchdog", watchdog)

    def _reload(self) -> None:
        """SIGHUP: validate first; a bad config is refused and the last good one kept."""
        try:
            fresh = config.load(self.config_path)
        except config.ConfigError as exc:
            self._refuse_reload(exc.issues)
            return
        for name in _restart_only_changes(self.settings, fresh):
            log.warning("config: %s changed; it takes effect at the next restart", name)
        current = self.settings
        self.settings = dataclasses.replace(
            fresh, state_dir=current.state_dir, store=current.store, model=current.model
        )
        self._configure_logging()
        if self.status is not None:
            self.status.update_settings(self.settings.status)
        if self.aaa is not None:
            self.aaa.update(self.settings)
        if self.usage is not None:
            self.usage.update_settings(self.settings.usage)
        name = f"reload-{self.clock.monotonic():.3f}"
        self.supervisor.start(name, self._rebuild_engine, oneshot=True)
        self.metrics.config_reload_successful.set(1)
        self.metrics.config_reloads.labels(outcome="applied").inc()
        log.info("config reloaded from %s", self.config_path)

    def _refuse_reload(self, issues: Iterable[config.ConfigIssue]) -> None:
        for issue in issues:
            log.error("config reload refused: %s", issue)
        log.error("keeping the last known good config")
        self.metrics.config_reload_successful.set(0)
        self.metrics.config_reloads.labels(outcome="refused").inc()

    async def _rebuild_engine(self) -> None:
        live, radius = self.live, self.radius
        if live is None or not live.loaded:
            return
        try:
            await live.rebuild(self.settings, live.engine.session_addresses())
        except PolicyError:
            # Config validation should make this unreachable; if not, stay on the old
            # state rather than die: the network keeps what it has.
            log.exception("the reloaded config cannot be applied; keeping the old state")
            self.metrics.config_reload_successful.set(0)
            return
        if radius is not None:
            radius.set_engine(live)  # the same seam; every cached answer goes


def _restart_only_changes(old: config.Settings, new: config.Settings) -> Iterator[str]:
    for name in ("state_dir", "store", "model"):
        if getattr(old, name) != getattr(new, name):
            yield name


async def run_daemon(config_path: Path, *, clock: Clock | None = None) -> int:
    settings = config.load(config_path)
    return await Daemon(config_path, settings, clock or SystemClock()).run()
