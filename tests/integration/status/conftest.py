"""A real `StatusServer` on 127.0.0.1 port 0 over a real SQLite store and policy engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import aiohttp
import pytest
import pytest_asyncio

from provisiond.config.settings import NamedToken, StatusSettings, TokenRole
from provisiond.model.device_state import DeviceScope
from provisiond.model.objects import AccountStatus
from provisiond.model.secret import Secret
from provisiond.observability.metrics import Metrics
from provisiond.policy.engine import PolicyEngine, PolicySettings
from provisiond.status import ApiContext, StatusServer
from provisiond.store import Store
from tests.integration.status.support import ADMIN, ALICE, BOB, READER, Client

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
    from pathlib import Path

    from provisiond.runtime.clock import FakeClock

DEVICE = "core-1"


def status_settings(**changes: object) -> StatusSettings:
    base: dict[str, object] = {
        "listen_host": "127.0.0.1",
        "listen_port": 0,
        "admin_token": Secret(ADMIN),
        "read_token": Secret(READER),
        "tokens": (
            NamedToken("alice", TokenRole.ADMIN, Secret(ALICE)),
            NamedToken("bob", TokenRole.READ, Secret(BOB)),
        ),
    }
    return StatusSettings(**{**base, **changes})  # type: ignore[arg-type]


@dataclass
class Daemon:
    """The daemon's side of `ApiContext`, as the tests drive it."""

    store: Store
    engine: PolicyEngine
    ready: bool = True
    waiting: list[str] = field(default_factory=list)
    applied: int = 0  # how many times a write waited for the state

    def readiness(self) -> tuple[bool, Sequence[str]]:
        return self.ready, self.waiting

    async def wait_applied(self) -> None:
        # The daemon follows the change feed; reloading applies the same committed changes.
        self.engine.load(await self.store.load())
        self.applied += 1

    def context(self, clock: FakeClock) -> ApiContext:
        return ApiContext(
            store=self.store,
            engine=lambda: self.engine,
            clock=clock,
            readiness=self.readiness,
            wait_applied=self.wait_applied,
        )


@pytest_asyncio.fixture
async def store(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Store]:
    opened = await Store.open(f"sqlite:///{tmp_path}/p.db", clock=clock)
    try:
        yield opened
    finally:
        await opened.close()


@pytest_asyncio.fixture
async def daemon(store: Store) -> Daemon:
    engine = PolicyEngine(settings=PolicySettings(), devices=[DeviceScope(DEVICE)])
    engine.load(await store.load())
    return Daemon(store, engine)


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest_asyncio.fixture
async def start_server(
    daemon: Daemon, clock: FakeClock, metrics: Metrics
) -> AsyncIterator[Callable[..., Awaitable[StatusServer]]]:
    """Start a server (settings and context overridable); every one is stopped after."""
    started: list[StatusServer] = []

    async def start(
        settings: StatusSettings | None = None, api: ApiContext | None = None
    ) -> StatusServer:
        server = StatusServer(
            settings=settings or status_settings(),
            api=api or daemon.context(clock),
            metrics=metrics,
        )
        await server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        await server.stop()


@pytest_asyncio.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as opened:
        yield opened


@pytest_asyncio.fixture
async def server(start_server: Callable[..., Awaitable[StatusServer]]) -> StatusServer:
    return await start_server()


@pytest.fixture
def client(server: StatusServer, session: aiohttp.ClientSession) -> Client:
    return Client(session, f"http://127.0.0.1:{server.bound_port}")


@pytest_asyncio.fixture
async def seeded(daemon: Daemon) -> Daemon:
    """Status 1 (activating), which every account payload names."""
    await daemon.store.create(AccountStatus(1, "Active", activates_account=True), actor="seed")
    await daemon.wait_applied()
    return daemon
