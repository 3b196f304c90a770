"""`provisiond run` beside `provisiond lab`: an API write lands on the router, as a process."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import aiohttp
import librouteros
import pytest

from tests.e2e.conftest import Sandbox, free_tcp_port, lab_and_daemon, write_config

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

ADMIN = {"Authorization": "Bearer e2e-admin-token"}
ADDRESS_LIST = ("ip", "firewall", "address-list")


@pytest.fixture
async def synced(tmp_path: Path) -> AsyncIterator[tuple[Sandbox, int]]:
    port = free_tcp_port()
    state_dir = tmp_path / "var"
    sandbox = Sandbox(
        tmp_path, write_config(tmp_path, state_dir=state_dir, device_port=port), state_dir
    )
    async with lab_and_daemon(sandbox):
        yield sandbox, port


async def router_entries(port: int, list_name: str) -> list[dict[str, Any]]:
    api = await librouteros.async_connect(
        "127.0.0.1", "provisiond", "e2e-router-password", port=port, encoding="utf-8"
    )
    try:
        path = api.path(*ADDRESS_LIST)
        return [dict(row) async for row in path if row.get("list") == list_name]
    finally:
        await api.close()


async def until_on_router(port: int, list_name: str, address: str) -> dict[str, Any]:
    for _ in range(100):
        for entry in await router_entries(port, list_name):
            if entry.get("address") == address:
                return entry
        await asyncio.sleep(0.1)
    pytest.fail(f"{address} never reached list {list_name!r} on the router")


async def until_gone(port: int, list_name: str, address: str) -> None:
    for _ in range(100):
        if all(entry.get("address") != address for entry in await router_entries(port, list_name)):
            return
        await asyncio.sleep(0.1)
    pytest.fail(f"{address} never left list {list_name!r} on the router")


async def test_plan_shows_the_diff_and_changes_nothing(synced: tuple[Sandbox, int]) -> None:
    sandbox, port = synced
    await until_on_router(port, "active", "100.64.0.11")  # the daemon's first sync is done
    # Edit the router by hand: the plan must show the repair, and must not apply it.
    api = await librouteros.async_connect(
        "127.0.0.1", "provisiond", "e2e-router-password", port=port, encoding="utf-8"
    )
    try:
        path = api.path(*ADDRESS_LIST)
        ids = [row[".id"] async for row in path if row.get("address") == "100.64.0.11"]
        await path.remove(*ids)
    finally:
        await api.close()
    result = await asyncio.to_thread(
        sandbox.cli, "plan", "-c", str(sandbox.config), "--device", "edge-1", "--json"
    )
    plan = json.loads(result.stdout)
    assert set(plan) == {"device", "plan_id", "changes"}
    assert plan["device"] == "edge-1"
    adds = [c for c in plan["changes"] if c["op"] == "add"]
    assert [c["entry"]["address"] for c in adds] == ["100.64.0.11"]
    assert adds[0]["path"] == "/ip/firewall/address-list"
    assert adds[0]["entry"]["comment"] == "provisiond:1001"


async def test_an_api_write_reaches_the_router(synced: tuple[Sandbox, int]) -> None:
    sandbox, port = synced
    active = await until_on_router(port, "active", "100.64.0.11")  # the first sync
    assert active["comment"] == "provisiond:1001"

    url = (sandbox.state_dir / "status.url").read_text().strip()
    async with aiohttp.ClientSession(headers=ADMIN) as session:
        async with session.patch(f"{url}/api/v1/accounts/1001", json={"delinquent": True}) as reply:
            assert reply.status == 200
        moved = await until_on_router(port, "delinquent", "100.64.0.11")
        assert moved["comment"] == "provisiond:1001"
        await until_gone(port, "active", "100.64.0.11")  # a list swap adds first, then removes

        async with session.get(f"{url}/api/v1/devices") as reply:
            devices = (await reply.json())["items"]
        assert devices[0]["name"] == "edge-1"
        assert devices[0]["owned_entries"] > 0
        async with session.get(f"{url}/readyz") as reply:
            assert reply.status == 200
