"""Composition root: config → objects → supervised tasks. The only module that wires.

Everything here is glue: which object gets which settings, which task feeds which. The
behaviour lives in the packages it wires (store, policy, plan, runtime).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
from typing import TYPE_CHECKING

import provisiond
import provisiond.plan as planning
from provisiond import config
from provisiond.model import objects
from provisiond.model.errors import NotFoundError
from provisiond.model.secret import Secret
from provisiond.observability import logging as logsetup
from provisiond.observability.metrics import Metrics
from provisiond.policy.engine import PolicyEngine, PolicySettings
from provisiond.policy.errors import PolicyError
from provisiond.runtime import signals
from provisiond.runtime.clock import SystemClock
from provisiond.runtime.lock import LockHeldError, StateLock, is_locked
from provisiond.runtime.supervisor import Supervisor
from provisiond.runtime.systemd import Notifier
from provisiond.status import ApiContext, ListenError, StatusServer
from provisiond.store import Store

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path

    from provisiond.model.clock import Clock
    from provisiond.model.device_state import DesiredState
    from provisiond.model.objects import Dataset
    from provisiond.plan import Plan
    from provisiond.policy.definitions import Definition
    from provisiond.store.feed import Change

log = logging.getLogger(__name__)

STOP_GRACE_S = 5.0  # well inside the 10 s DESIGN.md §3 allows for a graceful stop
CLI_ACTOR = "cli"
STATUS_URL_FILE = "status.url"


def local_status_url(settings: config.Settings, port: int) -> str:
    """How a client on this host reaches the status endpoint (a wildcard means loopback)."""
    host = settings.status.listen_host
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104 - mapping, not binding
    if ":" in host:
        host = f"[{host}]"
    scheme = "https" if settings.status.tls_cert_file else "http"
    return f"{scheme}://{host}:{port}"


def running_status_url(settings: config.Settings) -> str | None:
    """The URL a running daemon wrote, or None when no daemon holds the state dir."""
    if not is_locked(settings.state_dir):
        return None
    try:
        return (settings.state_dir / STATUS_URL_FILE).read_text().strip() or None
    except FileNotFoundError:
        return None


class StartupError(RuntimeError):
    """The daemon cannot start (lock held, store unusable); the message says why."""


def policy_settings(settings: config.Settings) -> PolicySettings:
    return PolicySettings(
        rate_limit_attribute=settings.radius.rate_limit_attribute,
        default_rate=settings.radius.default_rate,
        reject_inactive=settings.radius.reject_inactive,
        interim_interval_s=round(settings.radius.interim_interval),
    )


def build_engine(settings: config.Settings, dataset: Dataset) -> PolicyEngine:
    engine = PolicyEngine(
        settings=policy_settings(settings),
        devices=[device.scope() for device in settings.devices],
    )
    engine.load(dataset)
    return engine


def secrets_in(value: object) -> Iterator[str]:
    """Every secret in a settings tree, for the log scrubber."""
    if isinstance(value, Secret):
        yield value.reveal()
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from secrets_in(getattr(value, field.name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from secrets_in(item)


async def open_store(settings: config.Settings, clock: Clock) -> Store:
    return await Store.open(
        settings.store.url,
        clock=clock,
        allow_multiple_data_services=settings.model.allow_multiple_data_services,
        secret_key=settings.store.secret_key,
    )


class Daemon:
    """`provisiond run`: holds the lock, the store, the in-memory state and the tasks."""

    def __init__(self, config_path: Path, settings: config.Settings, clock: Clock) -> None:
        self.config_path = config_path
        self.settings = settings
        self.clock = clock
        self.metrics = Metrics()
        self.scrubber = logsetup.SecretScrubber()
        self.notifier = Notifier()
        self.supervisor = Supervisor()
        self.store: Store | None = None
        self.engine: PolicyEngine | None = None
        # Serialises change application and engine rebuilds: a change committed while a
        # rebuild loads its snapshot waits in the feed and is re-read afterwards, so the
        # new engine never misses it.
        self._state_lock = asyncio.Lock()
        self._settled = asyncio.Condition()
        self._subscription: Store.Subscription | None = None
        self.status: StatusServer | None = None

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
        self.store = await open_store(self.settings, self.clock)
        try:
            subscription = self._subscription = self.store.feed.subscribe()
            self.engine = build_engine(self.settings, await self.store.load())
            self._publish_state_metrics()
            # Loaded state lives as long as the process: keep the collector off it.
            gc.collect()
            gc.freeze()
            self.supervisor.start("change-feed", lambda: self._follow_changes(subscription))
            self._start_watchdog()
            uninstall = signals.install(
                asyncio.get_running_loop(), stop=self.supervisor.stopping.set, reload=self._reload
            )
            try:
                await self._start_status(self.store)
                self.notifier.ready(self._status_line())
                log.info("provisiond %s ready: %s", provisiond.__version__, self._status_line())
                await self.supervisor.stopping.wait()
            finally:
                uninstall()
                self.notifier.stopping()
                if self.status is not None:
                    await self.status.stop()  # stop intake first
                    (self.settings.state_dir / STATUS_URL_FILE).unlink(missing_ok=True)
                await self.supervisor.stop(grace=STOP_GRACE_S)
                subscription.close()
        finally:
            await self.store.close()
        if self.supervisor.failure is not None:
            log.error("stopped after a failure: %s", self.supervisor.failure)
            return 1
        log.info("stopped")
        return 0

    async def _start_status(self, store: Store) -> None:
        api = ApiContext(
            store=store,
            engine=self._current_engine,
            clock=self.clock,
            readiness=self._readiness,
            wait_applied=self._wait_applied,
        )
        self.status = StatusServer(settings=self.settings.status, api=api, metrics=self.metrics)
        try:
            await self.status.start()
        except ListenError as exc:
            raise StartupError(str(exc)) from exc
        url = local_status_url(self.settings, self.status.bound_port)
        # Commands on this host (`provisiond import`) find the running API here.
        (self.settings.state_dir / STATUS_URL_FILE).write_text(url + "\n")

    def _current_engine(self) -> PolicyEngine:
        if self.engine is None:
            raise RuntimeError("the policy engine is not loaded yet")
        return self.engine

    def _readiness(self) -> tuple[bool, list[str]]:
        # The store is loaded and the sockets are bound before the API answers at all;
        # device sync state joins this when the reconciler lands.
        return self.engine is not None, []

    async def _wait_applied(self) -> None:
        """Return once every change committed so far is in the in-memory state."""

        def settled() -> bool:
            pending = self._subscription.pending if self._subscription else 0
            return pending == 0 and not self._state_lock.locked()

        async with self._settled:
            await self._settled.wait_for(settled)

    async def _notify_settled(self) -> None:
        async with self._settled:
            self._settled.notify_all()

    def _configure_logging(self) -> None:
        self.scrubber.set_secrets(secrets_in(self.settings))
        logsetup.configure(
            fmt=self.settings.logging.format,
            level=self.settings.logging.level,
            scrubber=self.scrubber,
        )

    def _status_line(self) -> str:
        accounts = self.engine.account_count if self.engine else 0
        return f"{accounts} accounts, {len(self.settings.devices)} devices"

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

    async def _follow_changes(self, subscription: Store.Subscription) -> None:
        async for change in subscription:
            async with self._state_lock:
                await self._apply_change(change)
            await self._notify_settled()

    async def _apply_change(self, change: Change) -> None:
        store, engine = self.store, self.engine
        if store is None or engine is None:
            return
        self.metrics.store_changes.labels(kind=change.kind).inc()
        if change.kind == "*":
            engine.load(await store.load())
        elif change.kind == "accounts":
            for account_id in sorted(change.ids):
                try:
                    engine.put_account(await store.get(objects.Account, account_id))
                except NotFoundError:
                    engine.remove_account(account_id)
        elif change.kind in _DEFINITION_KINDS:
            kind = _DEFINITION_KINDS[change.kind]
            for object_id in sorted(change.ids):
                try:
                    engine.put_definition(await store.get(kind, object_id))
                except NotFoundError:
                    engine.remove_definition(kind, object_id)
        self._publish_state_metrics()

    def _reload(self) -> None:
        """SIGHUP: validate first; a bad config is refused and the last good one kept."""
        try:
            fresh = config.load(self.config_path)
        except config.ConfigError as exc:
            for issue in exc.issues:
                log.exception("config reload refused: %s", issue)
            log.exception("keeping the last known good config")
            self.metrics.config_reload_successful.set(0)
            self.metrics.config_reloads.labels(outcome="refused").inc()
            return
        for name in _restart_only_changes(self.settings, fresh):
            log.warning("config: %s changed; it takes effect at the next restart", name)
        self.settings = dataclasses.replace(
            fresh,
            state_dir=self.settings.state_dir,
            store=self.settings.store,
            model=self.settings.model,
        )
        self._configure_logging()
        if self.status is not None:
            self.status.update_settings(self.settings.status)
        if self.engine is not None and self.store is not None:
            self.supervisor.start(
                f"reload-{self.clock.monotonic():.3f}", self._rebuild_engine, oneshot=True
            )
        self.metrics.config_reload_successful.set(1)
        self.metrics.config_reloads.labels(outcome="applied").inc()
        log.info("config reloaded from %s", self.config_path)

    async def _rebuild_engine(self) -> None:
        if self.store is None:
            return
        try:
            async with self._state_lock:
                self.engine = build_engine(self.settings, await self.store.load())
                self._publish_state_metrics()
        except PolicyError:
            # Config validation should make this unreachable; if not, stay on the old
            # state rather than die: the network keeps what it has.
            log.exception("the reloaded config cannot be applied; keeping the old state")
            self.metrics.config_reload_successful.set(0)
        finally:
            await self._notify_settled()

    def _publish_state_metrics(self) -> None:
        if self.engine is None:
            return
        self.metrics.accounts.set(self.engine.account_count)
        for device in self.settings.devices:
            desired = self.engine.desired(device.name)
            self.metrics.desired_entries.labels(device=device.name, kind="address").set(
                len(desired.addresses)
            )
            self.metrics.desired_entries.labels(device=device.name, kind="queue").set(
                len(desired.queues)
            )
            self.metrics.address_clashes.labels(device=device.name).set(
                len(self.engine.clashes(device.name))
            )


# The change-feed kinds the policy engine follows, and the model class behind each.
_DEFINITION_KINDS: Mapping[str, type[Definition]] = {
    "account_statuses": objects.AccountStatus,
    "account_types": objects.AccountType,
    "account_groups": objects.AccountGroup,
    "usage_policies": objects.UsagePolicy,
    "services": objects.Service,
    "address_lists": objects.AddressList,
    "radius_groups": objects.RadiusGroup,
}


def _restart_only_changes(old: config.Settings, new: config.Settings) -> Iterator[str]:
    for name in ("state_dir", "store", "model"):
        if getattr(old, name) != getattr(new, name):
            yield name


async def run_daemon(config_path: Path, *, clock: Clock | None = None) -> int:
    settings = config.load(config_path)
    return await Daemon(config_path, settings, clock or SystemClock()).run()


async def import_dataset(settings: config.Settings, dataset: Dataset) -> dict[str, int]:
    """`provisiond import` without a running daemon: write the store directly."""
    if is_locked(settings.state_dir):
        raise StartupError(
            "a provisiond daemon holds the lock on this state_dir; import through its API"
            " (POST /api/v1/import) instead"
        )
    lock = StateLock.acquire(settings.state_dir)
    try:
        store = await open_store(settings, SystemClock())
        try:
            return await store.import_dataset(dataset, actor=CLI_ACTOR)
        finally:
            await store.close()
    finally:
        lock.release()


async def load_dataset(settings: config.Settings) -> Dataset:
    """The stored model, for `export` and `plan` (SQLite WAL lets them read beside a daemon)."""
    with contextlib.suppress(FileExistsError):
        settings.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    store = await open_store(settings, SystemClock())
    try:
        return await store.load()
    finally:
        await store.close()


async def plan_devices(settings: config.Settings, device: str | None) -> list[Plan]:
    """What a sync would change; until the drivers exist, each device is observed empty."""
    names = [d.name for d in settings.devices if device is None or d.name == device]
    if device is not None and not names:
        raise StartupError(f"no device named {device!r} in the config")
    engine = build_engine(settings, await load_dataset(settings))
    by_name = {d.name: d for d in settings.devices}
    plans = []
    for name in names:
        desired: DesiredState = engine.desired(name)
        plan = planning.diff(desired, (), comment_prefix=by_name[name].comment_prefix)
        plans.append(
            planning.hold_mass_removals(
                plan,
                max_remove_fraction=settings.reconcile.max_remove_fraction,
                max_remove_min=settings.reconcile.max_remove_min,
            )
        )
    return plans
