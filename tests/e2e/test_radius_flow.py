"""`provisiond run` with `provisiond lab` and a NAS simulator: what a subscriber sees.

The whole chain as a process: a vacation booked through the API moves the account's
entries between address lists and its queue to 1M/1M on the router, and its live PPP
session gets a CoA-Request with `Mikrotik-Rate-Limit = 1M/1M`; at the end everything
reverts. And a NAS that reboots without sending Stops, whose pool hands an address to
another subscriber: the router's lists follow the new owner.
"""

from __future__ import annotations

import asyncio
import textwrap
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import aiohttp
import librouteros
import pytest

from provisiond.lab.nas import NasSimulator
from provisiond.lab.nas_requests import Usage
from provisiond.plan import normalise
from tests.e2e.conftest import Sandbox, free_tcp_port, free_udp_ports, lab_and_daemon

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable
    from pathlib import Path

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

ADMIN = {"Authorization": "Bearer e2e-admin-token"}
NAS_SECRET = "e2e-nas-secret"
ALICE = 1001  # the sample's "Alice Martin": Home 100 (20M/100M with burst), 100.64.0.11/32
BOB, INACTIVE_STATUS = 1002, 2  # "Bob Chen" (Home 25), "Inactive"
CAROL = 1003  # "Carol Diaz": Home 25, 100.64.0.13/32
VACATION_STATUS, VACATION_SERVICE = 4, 4  # "Vacation" and "Vacation 1M" in the sample
ONE_MEG = "1000000/1000000"
POLL_S = 0.1


def write_config(root: Path, *, router_port: int, coa_port: int) -> tuple[Path, int, int]:
    auth, acct, relay = free_udp_ports(3)
    path = root / "provisiond.toml"
    path.write_text(
        textwrap.dedent(
            f"""\
            state_dir = "{root / "var"}"

            [status]
            listen = "127.0.0.1:0"
            admin_token = "e2e-admin-token"

            [logging]
            format = "json"

            [radius]
            auth_port = {auth}
            acct_port = {acct}
            coa_port = {relay}

            [coa]
            timeout = "1s"

            [[device]]
            name = "edge-1"
            platform = "routeros"
            host = "127.0.0.1"
            port = {router_port}
            username = "provisiond"
            password = "e2e-router-password"
            queues = true

            [device.nas]
            address = "127.0.0.1"
            secret = "{NAS_SECRET}"
            coa_address = "127.0.0.1"
            coa_port = {coa_port}
            """
        )
    )
    return path, auth, acct


class Running:
    def __init__(self, sandbox: Sandbox, router_port: int, nas: NasSimulator) -> None:
        self.sandbox = sandbox
        self.router_port = router_port
        self.nas = nas
        self.http: aiohttp.ClientSession | None = None

    @property
    def base(self) -> str:
        url = (self.sandbox.state_dir / "status.url").read_text().strip()
        return f"{url}/api/v1"

    async def api(self, method: str, path: str, body: object = None) -> Any:
        assert self.http is not None
        async with self.http.request(method, self.base + path, json=body, headers=ADMIN) as r:
            assert r.status < 300, await r.text()
            return await r.json()

    async def router(self, *menu: str) -> list[dict[str, Any]]:
        api = await librouteros.async_connect(
            "127.0.0.1",
            "provisiond",
            "e2e-router-password",
            port=self.router_port,
            encoding="utf-8",
        )
        try:
            return [dict(row) async for row in api.path(*menu)]
        finally:
            await api.close()

    async def listed(self, list_name: str) -> set[str]:
        rows = await self.router("ip", "firewall", "address-list")
        return {row["address"] for row in rows if row.get("list") == list_name}

    async def queue_limit(self, account_id: int) -> str | None:
        for row in await self.router("queue", "simple"):
            if row.get("name") == f"provisiond-{account_id}":
                return normalise.rates(row.get("max-limit"))
        return None


async def until(check: Callable[[], Awaitable[bool]], what: str, within: float = 20.0) -> None:
    """Poll a condition the daemon reaches on its own (sync, schedule, CoA)."""
    for _ in range(int(within / POLL_S)):
        if await check():
            return
        await asyncio.sleep(POLL_S)
    pytest.fail(f"{what}: not within {within} s")


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    router_port, coa_port = free_tcp_port(), free_udp_ports(1)[0]
    config, auth, acct = write_config(tmp_path, router_port=router_port, coa_port=coa_port)
    sandbox = Sandbox(tmp_path, config, tmp_path / "var")
    nas = NasSimulator(
        secret=NAS_SECRET,
        port=coa_port,
        auth_server=("127.0.0.1", auth),
        acct_server=("127.0.0.1", acct),
        nas_ip_address="127.0.0.1",
    )
    async with lab_and_daemon(sandbox), nas, aiohttp.ClientSession() as http:
        state = Running(sandbox, router_port, nas)
        state.http = http
        yield state


async def test_a_vacation_reaches_router_and_live_session_and_reverts(running: Running) -> None:
    nas = running.nas
    session = await nas.connect("alice.martin", "lab-alice-Tq82", "alice-1", framed_ip="100.64.8.1")
    full_rate = session.rate_limit
    assert full_rate is not None
    assert full_rate.startswith("20M/100M")  # upload first, with burst
    await until(lambda: _has(running.listed("active"), "100.64.8.1"), "session address listed")
    assert await running.queue_limit(ALICE) == "20000000/100000000"

    now = datetime.now(UTC)
    start, end = now + timedelta(seconds=2), now + timedelta(seconds=7)
    vacation = await running.api(
        "POST",
        f"/accounts/{ALICE}/vacation",
        {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "status_id": VACATION_STATUS,
            "service_id": VACATION_SERVICE,
        },
    )
    assert vacation["state"] == "scheduled"

    # At the start: the entries join the vacation list, the queue and the session go 1M/1M.
    await until(lambda: _has(running.listed("vacation"), "100.64.0.11"), "vacation list")
    assert "100.64.8.1" in await running.listed("vacation")  # the session's address too
    await until(lambda: _equals(running.queue_limit(ALICE), ONE_MEG), "queue at 1M/1M")
    coa = await nas.wait_received(1)
    assert coa.kind == "coa"
    assert coa.get("Mikrotik-Rate-Limit") == "1M/1M"
    assert coa.get("User-Name") == "alice.martin"
    assert coa.get("Acct-Session-Id") == "alice-1"
    assert coa.get("Framed-IP-Address") == "100.64.8.1"
    live = nas.session("alice-1")
    assert live is not None
    assert live.rate_limit == "1M/1M"  # applied without a redial
    # The ACK is recorded on the session through the accounting writer, just after.
    await until(lambda: _last_coa(running, "alice-1", "ack"), "the ACK on the session")

    # At the end: everything reverts, and a second CoA restores the full rate.
    await until(lambda: _lacks(running.listed("vacation"), "100.64.0.11"), "vacation over")
    await until(lambda: _equals(running.queue_limit(ALICE), "20000000/100000000"), "queue back")
    back = await nas.wait_received(2)
    assert back.get("Mikrotik-Rate-Limit") == full_rate
    restored = nas.session("alice-1")
    assert restored is not None
    assert restored.rate_limit == full_rate
    (done,) = await _vacations(running)
    assert done["state"] == "done"


async def test_a_reused_pool_address_follows_its_new_owner(running: Running) -> None:
    """Dave (delinquent) has 100.64.9.9 from the pool; the NAS reboots without Stops and
    hands 100.64.9.9 to Alice: the address leaves `delinquent` and joins `active`."""
    nas = running.nas
    await nas.start_session("dave-1", "dave.okafor", framed_ip="100.64.9.9")
    await until(lambda: _has(running.listed("delinquent"), "100.64.9.9"), "dave listed")
    assert "100.64.9.9" not in await running.listed("active")

    nas.sessions.clear()  # the NAS reboots and forgets its sessions; no Stop is sent
    await nas.start_session("alice-9", "alice.martin", framed_ip="100.64.9.9")
    await until(lambda: _lacks(running.listed("delinquent"), "100.64.9.9"), "dave unlisted")
    assert "100.64.9.9" in await running.listed("active")
    closed = await running.api("GET", "/sessions?state=closed")
    (dave,) = [row for row in closed["items"] if row["username"] == "dave.okafor"]
    assert dave["terminate_cause"] == "Stale"


async def _last_coa(running: Running, acct_session_id: str, result: str) -> bool:
    sessions = await running.api("GET", f"/sessions?account_id={ALICE}")
    (row,) = [row for row in sessions["items"] if row["acct_session_id"] == acct_session_id]
    return row["last_coa"] is not None and row["last_coa"]["result"] == result


async def _vacations(running: Running) -> list[dict[str, Any]]:
    found = await running.api("GET", f"/accounts/{ALICE}/vacation")
    items: list[dict[str, Any]] = found["items"]
    return items


async def _has(listed: Awaitable[set[str]], address: str) -> bool:
    return address in await listed


async def _lacks(listed: Awaitable[set[str]], address: str) -> bool:
    return address not in await listed


async def _equals(value: Awaitable[str | None], expected: str) -> bool:
    return await value == expected


async def test_a_scheduled_disconnect_ends_the_live_session(running: Running) -> None:
    """Sonar's account disconnection (§6): the status moves, and the session gets a
    Disconnect-Request whatever `coa_on` says; the NAS ends it and sends the Stop."""
    nas = running.nas
    await nas.connect("bob.chen", "lab-bob-Vn41", "bob-1")
    at = datetime.now(UTC) + timedelta(seconds=1)
    await running.api(
        "POST",
        f"/accounts/{BOB}/scheduled-events",
        {"at": at.isoformat(), "action": "disconnect", "object_id": INACTIVE_STATUS},
    )
    request = await asyncio.wait_for(nas.wait_received(1), timeout=20)
    assert request.kind == "disconnect"
    assert request.get("User-Name") == "bob.chen"
    assert request.get("Acct-Session-Id") == "bob-1"
    assert nas.session("bob-1") is None
    await until(lambda: _closed(running, BOB), "the session closed by its Stop")
    account = await running.api("GET", f"/accounts/{BOB}")
    assert account["status_id"] == INACTIVE_STATUS


async def test_crossing_the_usage_cap_throttles_the_live_session(running: Running) -> None:
    """An operator's `over_cap` RADIUS group: usage from accounting crosses the cap, the
    `usage` filter flips and the live session gets a CoA with the throttled rate."""
    nas = running.nas
    # Alice's service has the sample's "Standard 500GB" policy: 1 GB, no free periods.
    await running.api("PATCH", "/usage-policies/1", {"cap_gb": 1, "free_periods": []})
    await running.api(
        "POST",
        "/radius-groups",
        {
            "name": "over-cap",
            "usage": "over_cap",
            "priority": 10,
            "replies": [{"attribute": "Mikrotik-Rate-Limit", "op": ":=", "value": "2M/2M"}],
        },
    )
    await nas.connect("alice.martin", "lab-alice-Tq82", "alice-2", framed_ip="100.64.8.2")
    await nas.interim("alice-2", Usage(input_octets=100_000_000, output_octets=1_200_000_000))
    coa = await asyncio.wait_for(nas.wait_received(1), timeout=20)
    assert coa.kind == "coa"
    assert coa.get("Mikrotik-Rate-Limit") == "2M/2M"
    session = nas.session("alice-2")
    assert session is not None
    assert session.rate_limit == "2M/2M"
    usage = await running.api("GET", f"/accounts/{ALICE}/usage")
    assert usage["billable_in_bytes"] == 1_200_000_000  # toward the subscriber
    assert usage["billable_out_bytes"] == 100_000_000
    assert usage["cap_bytes"] == 1_000_000_000
    assert usage["percent"] >= 100


async def _closed(running: Running, account_id: int) -> bool:
    found = await running.api("GET", f"/sessions?account_id={account_id}&state=closed")
    return bool(found["items"])


async def test_an_api_write_reaches_the_live_session(running: Running) -> None:
    """PATCH an account delinquent: the sample's `delinquent-redirect` group answers with
    a Mikrotik-Address-List, which a NAS cannot change live, so the session gets a
    Disconnect-Request and redials into the walled garden (DESIGN.md §5)."""
    nas = running.nas
    await nas.connect("carol.diaz", "lab-carol-Hs07", "carol-1", framed_ip="100.64.8.3")
    await running.api("PATCH", f"/accounts/{CAROL}", {"delinquent": True})
    request = await asyncio.wait_for(nas.wait_received(1), timeout=20)
    assert request.kind == "disconnect"
    assert request.get("Acct-Session-Id") == "carol-1"
    await until(lambda: _has(running.listed("delinquent"), "100.64.0.13"), "carol walled")
    assert nas.session("carol-1") is None  # ended by the NAS, which sent its Stop
    redial = await nas.connect("carol.diaz", "lab-carol-Hs07", "carol-2", framed_ip="100.64.8.3")
    assert redial.rate_limit == "512k/512k"
    assert redial.attributes["Mikrotik-Address-List"] == "delinquent"
