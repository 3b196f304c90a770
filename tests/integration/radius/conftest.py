"""A started RADIUS server on loopback with a real store, an engine and a fake clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

from provisiond.config.settings import RadiusSettings
from provisiond.lab.nas import NasSimulator
from provisiond.observability.metrics import Metrics
from provisiond.radius.clients import NasTable
from provisiond.radius.server import RadiusServer
from provisiond.store import Store
from tests.integration.radius.nas import FakeNas
from tests.unit.radius import world

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable
    from pathlib import Path

    from provisiond.config.settings import DeviceSettings
    from provisiond.model.device_state import SessionAddress
    from provisiond.policy.engine import PolicyEngine
    from provisiond.runtime.clock import FakeClock


@dataclass
class Running:
    server: RadiusServer
    engine: PolicyEngine
    store: Store
    metrics: Metrics
    changes: list[tuple[int, tuple[SessionAddress, ...]]] = field(default_factory=list)

    @property
    def auth(self) -> tuple[str, int]:
        return self.server.auth_addresses[0]

    @property
    def acct(self) -> tuple[str, int]:
        return self.server.acct_addresses[0]

    def sessions_changed(self, account_id: int, addresses: tuple[SessionAddress, ...]) -> None:
        """What the daemon does: the engine learns the addresses, cached answers go."""
        self.changes.append((account_id, addresses))
        self.server.invalidate(self.engine.set_sessions(account_id, addresses).usernames)

    def drops(self, reason: str) -> float:
        value = self.metrics.registry.get_sample_value(
            "provisiond_radius_drops_total", {"reason": reason}
        )
        return value or 0.0


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/state/provisiond.db"


@pytest_asyncio.fixture
async def store(db_url: str, clock: FakeClock) -> AsyncIterator[Store]:
    opened = await Store.open(db_url, clock=clock)
    try:
        yield opened
    finally:
        await opened.close()


@pytest_asyncio.fixture
async def start_server(
    tmp_path: Path, store: Store, clock: FakeClock
) -> AsyncIterator[Callable[..., Awaitable[Running]]]:
    started: list[RadiusServer] = []

    async def start(
        *devices: DeviceSettings,
        engine: PolicyEngine | None = None,
        state_dir: Path | None = None,
        **settings: object,
    ) -> Running:
        policy = engine or world.engine()
        defaults: dict[str, object] = {"listen": ("127.0.0.1",), "auth_port": 0, "acct_port": 0}
        radius = RadiusSettings(**{**defaults, **settings})  # type: ignore[arg-type]
        metrics = Metrics()
        running: Running | None = None

        def callback(account_id: int, addresses: tuple[SessionAddress, ...]) -> None:
            assert running is not None
            running.sessions_changed(account_id, addresses)

        server = RadiusServer(
            settings=radius,
            nas_table=NasTable.from_devices(devices or (world.nas_device(),)),
            state_dir=state_dir or tmp_path / "state",
            engine=policy,
            store=store,
            clock=clock,
            metrics=metrics,
            on_sessions_changed=callback,
        )
        running = Running(server, policy, store, metrics)
        await server.start()
        started.append(server)
        return running

    try:
        yield start
    finally:
        for server in started:
            await server.stop()


@pytest_asyncio.fixture
async def running(start_server: Callable[..., Awaitable[Running]]) -> Running:
    return await start_server()


@pytest_asyncio.fixture
async def nas() -> AsyncIterator[FakeNas]:
    async with FakeNas(world.NAS_SECRET) as client:
        yield client


@pytest_asyncio.fixture
async def simulator(running: Running, clock: FakeClock) -> AsyncIterator[NasSimulator]:
    """The lab's NAS simulator as the world's NAS "core", a client of `running`."""
    async with NasSimulator(
        secret=world.NAS_SECRET,
        auth_server=running.auth,
        acct_server=running.acct,
        nas_identifier="core",
        clock=clock,
    ) as nas:
        yield nas
