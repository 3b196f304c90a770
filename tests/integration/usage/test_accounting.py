"""Accounting through a real RADIUS server into usage: the totals are stored with the
records they come from, a retransmit counts once, the API shows them, a restart keeps
them, and each usage trigger fires once."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import aiohttp
import pytest_asyncio

from provisiond.config.settings import RadiusSettings
from provisiond.model.objects import Account, AccountStatus
from provisiond.observability.metrics import Metrics
from provisiond.radius.clients import NasTable
from provisiond.radius.server import RadiusServer
from provisiond.radius.wire import Code
from provisiond.status import ApiContext, StatusServer
from provisiond.store.usage_totals import UsageRow
from tests.integration.radius.nas import FakeNas
from tests.integration.status.conftest import status_settings
from tests.integration.status.support import Client
from tests.integration.usage.conftest import CAPPED, MARCH
from tests.unit.policy.factory import TIER_SLOW
from tests.unit.radius import world as radius_world

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from provisiond.runtime.clock import FakeClock
    from provisiond.store import Store
    from provisiond.usage import UsageService
    from tests.integration.usage.conftest import World

BOB = radius_world.BOB.id
TINY = dataclasses.replace(CAPPED, cap_gb=1e-5)  # 10,000 bytes
USAGE = f"/api/v1/accounts/{BOB}/usage"


@dataclasses.dataclass
class Daemon:
    """The parts the daemon wires: a usage service, RADIUS counting through it, the API."""

    usage: UsageService
    radius: RadiusServer
    status: StatusServer
    client: Client

    async def stop(self, world: World) -> None:
        await self.status.stop()
        await self.radius.stop()
        await world.stop(self.usage)


async def seed(store: Store) -> None:
    await store.create(AccountStatus(1, "Active", activates_account=True), actor="seed")
    await store.create(TINY, actor="seed")
    await store.create(dataclasses.replace(TIER_SLOW, usage_policy_id=TINY.id), actor="seed")
    await store.create(Account(BOB, "Bob", status_id=1, service_ids=(2,)), actor="seed")


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as opened:
        yield opened


async def start_daemon(
    world: World, tmp_path: Path, clock: FakeClock, http: aiohttp.ClientSession
) -> Daemon:
    world.policies[BOB] = TINY
    usage = await world.start()
    engine = radius_world.engine()
    radius = RadiusServer(
        settings=RadiusSettings(listen=("127.0.0.1",), auth_port=0, acct_port=0),
        nas_table=NasTable.from_devices([radius_world.nas_device()]),
        state_dir=tmp_path / "state",
        engine=engine,
        store=world.store,
        clock=clock,
        metrics=Metrics(),
        on_sessions_changed=lambda _account_id, _addresses: None,
        usage=usage,
    )
    await radius.start()

    async def applied() -> None:
        return None

    api = ApiContext(
        store=world.store,
        engine=lambda: engine,
        clock=clock,
        readiness=lambda: (True, ()),
        wait_applied=applied,
        usage=usage,
    )
    status = StatusServer(settings=status_settings(), api=api, metrics=Metrics())
    await status.start()
    client = Client(http, f"http://127.0.0.1:{status.bound_port}")
    return Daemon(usage, radius, status, client)


async def answered(daemon: Daemon, nas: FakeNas, request: bytes) -> None:
    reply = await nas.ask(daemon.radius.acct_addresses[0], request)
    assert reply is not None
    assert reply.code == Code.ACCOUNTING_RESPONSE


def octets(sent: int, received: int) -> tuple[tuple[str, int], ...]:
    """Counters as the NAS reports them: Input is from the subscriber, Output toward it."""
    return (("Acct-Input-Octets", sent), ("Acct-Output-Octets", received))


async def test_accounting_is_counted_once_shown_by_the_api_and_kept_across_a_restart(
    world: World, tmp_path: Path, clock: FakeClock, http: aiohttp.ClientSession
) -> None:
    await seed(world.store)
    daemon = await start_daemon(world, tmp_path, clock, http)
    async with FakeNas(radius_world.NAS_SECRET) as nas:
        await answered(daemon, nas, nas.accounting("Start", "s1", "bob"))
        await clock.advance(300)
        interim = nas.accounting("Interim-Update", "s1", "bob", *octets(1000, 5000))
        await answered(daemon, nas, interim)
        # The answer came: the usage is on disk with the session.
        assert await world.stored(MARCH) == {BOB: UsageRow(BOB, MARCH, 5000, 1000, 0, 0)}

        # The same datagram again gets the cached answer; the same counters in a new
        # request count nothing more.
        replayed = await nas.exchange(daemon.radius.acct_addresses[0], interim)
        assert replayed is not None
        again = nas.accounting("Interim-Update", "s1", "bob", *octets(1000, 5000))
        await answered(daemon, nas, again)
        assert (await world.stored(MARCH))[BOB].billable_in == 5000

        await clock.advance(120)
        stop = nas.accounting("Stop", "s1", "bob", *octets(2000, 9000))
        await answered(daemon, nas, stop)

    expected = {
        "period_start": "2026-03-01T00:00:00+01:00",
        "billable_in_bytes": 9000,
        "billable_out_bytes": 2000,
        "free_in_bytes": 0,
        "free_out_bytes": 0,
        "cap_bytes": 10_000,
        "percent": 110.0,
    }
    reply = await daemon.client.get(USAGE)
    assert (reply.status, reply.json()) == (200, expected)
    await daemon.usage.settled()
    # Both triggers (80 % and 100 %) once; the crossing came in two steps (50 %, 110 %).
    assert await world.deliveries() == [(1, BOB, "2:2026-03"), (2, BOB, "2:2026-03")]
    assert world.flips == [(BOB, True)]

    await daemon.stop(world)
    daemon = await start_daemon(world, tmp_path, clock, http)
    try:
        reply = await daemon.client.get(USAGE)
        assert reply.json() == expected
        async with FakeNas(radius_world.NAS_SECRET) as nas:
            await answered(daemon, nas, nas.accounting("Start", "s2", "bob"))
            await clock.advance(60)
            await answered(daemon, nas, nas.accounting("Stop", "s2", "bob", *octets(0, 500)))
        await daemon.usage.settled()
        assert (await daemon.client.get(USAGE)).json()["billable_in_bytes"] == 9500
        assert len(await world.deliveries()) == 2  # once per period per trigger
        missing = await daemon.client.get("/api/v1/accounts/999/usage")
        assert missing.status == 404
    finally:
        await daemon.stop(world)
