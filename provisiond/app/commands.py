"""Shared wiring helpers, and the one-shot commands (`import`, `export`, `plan`)."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import TYPE_CHECKING

from provisiond.drivers import registry as driver_registry
from provisiond.lab import runner as lab_runner
from provisiond.model.secret import Secret
from provisiond.observability import logging as logsetup
from provisiond.observability.metrics import Metrics
from provisiond.policy.engine import PolicyEngine, PolicySettings
from provisiond.reconcile import Reconciler
from provisiond.runtime import signals
from provisiond.runtime.clock import SystemClock
from provisiond.runtime.lock import StateLock, is_locked
from provisiond.store import Store, trigger_log

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from provisiond import config
    from provisiond.model.clock import Clock
    from provisiond.model.device_state import SessionAddress
    from provisiond.model.objects import Dataset
    from provisiond.plan import Plan

CLI_ACTOR = "cli"
STATUS_URL_FILE = "status.url"


class StartupError(RuntimeError):
    """The daemon cannot start (lock held, port taken, store unusable); the message says why."""


def policy_settings(settings: config.Settings) -> PolicySettings:
    return PolicySettings(
        rate_limit_attribute=settings.radius.rate_limit_attribute,
        default_rate=settings.radius.default_rate,
        reject_inactive=settings.radius.reject_inactive,
        interim_interval_s=round(settings.radius.interim_interval),
    )


def build_engine(
    settings: config.Settings,
    dataset: Dataset,
    sessions: Iterable[SessionAddress] = (),
    over_cap: Iterable[int] = (),
) -> PolicyEngine:
    engine = PolicyEngine(
        settings=policy_settings(settings),
        devices=[device.scope() for device in settings.devices],
    )
    engine.load(dataset, sessions=sessions, over_cap=over_cap)
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


async def import_dataset(
    settings: config.Settings, dataset: Dataset, *, triggers: bool = False
) -> dict[str, int]:
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
            # Without `triggers` an import fires nothing: a migration must not send
            # thousands of welcome messages. With it, the running daemon delivers them.
            return await trigger_log.import_dataset(
                store, dataset, actor=CLI_ACTOR, triggers=triggers
            )
        finally:
            await store.close()
    finally:
        lock.release()


async def load_dataset(settings: config.Settings) -> Dataset:
    """The stored model, for `export` and `plan` (SQLite WAL lets them read beside a daemon)."""
    settings.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    store = await open_store(settings, SystemClock())
    try:
        return await store.load()
    finally:
        await store.close()


async def plan_devices(settings: config.Settings, device: str | None) -> list[Plan]:
    """`provisiond plan`: observe each managed device and diff it; changes nothing.

    Beside a running daemon this only reads: the store through SQLite WAL, the routers
    through their own connections.
    """
    managed = [d for d in settings.devices if d.platform.managed]
    names = [d.name for d in managed if device is None or d.name == device]
    if device is not None and not names:
        raise StartupError(f"no managed device named {device!r} in the config")
    clock = SystemClock()
    store = await open_store(settings, clock)
    try:
        dataset = await store.load()
        engine = build_engine(settings, dataset)
        lists = {item.id: item.name for item in dataset.address_lists}
        reconciler = Reconciler(
            devices=managed,
            driver_factory=driver_registry.create,
            desired=engine.desired,
            address_lists=lambda: lists,
            store=store,
            clock=clock,
            settings=settings.reconcile,
            metrics=Metrics(),
        )
        try:
            return [await reconciler.plan(name) for name in names]
        finally:
            await reconciler.stop(0)
    finally:
        await store.close()


async def run_lab(settings: config.Settings, *, nas: Sequence[str] = ()) -> None:
    """`provisiond lab`: emulate the config's loopback routers (and the NAS named in `nas`)
    until SIGINT or SIGTERM."""
    logsetup.configure(
        fmt=settings.logging.format,
        level=settings.logging.level,
        scrubber=logsetup.SecretScrubber(),
    )
    stop = asyncio.Event()
    uninstall = signals.install(asyncio.get_running_loop(), stop=stop.set, reload=lambda: None)
    try:
        await lab_runner.run(settings, stop, nas=nas)
    finally:
        uninstall()
