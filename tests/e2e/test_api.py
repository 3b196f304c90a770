"""`provisiond run` as a process, driven through its HTTP API."""

from __future__ import annotations

import asyncio
import signal
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from tests.e2e.conftest import EXAMPLE_DATA, Sandbox, wait_for_log

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]

ADMIN = {"Authorization": "Bearer e2e-admin-token"}


@pytest.fixture
async def api(sandbox: Sandbox) -> AsyncIterator[tuple[str, aiohttp.ClientSession]]:
    sandbox.cli("import", "-c", str(sandbox.config), str(EXAMPLE_DATA))
    process = await sandbox.start()
    try:
        await wait_for_log(process, "ready")
        url = (sandbox.state_dir / "status.url").read_text().strip()
        async with aiohttp.ClientSession() as session:
            yield url, session
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(10):
            assert await process.wait() == 0
        assert not (sandbox.state_dir / "status.url").exists()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def fetch(
    session: aiohttp.ClientSession, method: str, url: str, body: object = None
) -> tuple[int, Any]:
    async with session.request(method, url, json=body, headers=ADMIN) as response:
        payload = await response.json() if response.content_type == "application/json" else None
        return response.status, payload


async def test_an_api_write_changes_what_the_account_gets(
    api: tuple[str, aiohttp.ClientSession],
) -> None:
    url, session = api
    async with session.get(f"{url}/healthz") as health:
        assert health.status == 200
    async with session.get(f"{url}/readyz") as ready:
        assert ready.status == 200
    status, effective = await fetch(session, "GET", f"{url}/api/v1/accounts/1001/effective")
    assert status == 200
    assert "active" in effective["address_lists"]["edge-1"]

    status, patched = await fetch(
        session, "PATCH", f"{url}/api/v1/accounts/1001", {"delinquent": True}
    )
    assert status == 200
    assert patched["delinquent"] is True
    status, effective = await fetch(session, "GET", f"{url}/api/v1/accounts/1001/effective")
    assert "delinquent" in effective["address_lists"]["edge-1"]
    assert "active" not in effective["address_lists"]["edge-1"]

    status, events = await fetch(session, "GET", f"{url}/api/v1/events?limit=1000")
    assert status == 200
    assert events["items"][-1]["actor"] == "admin"


async def test_errors_follow_the_contract(api: tuple[str, aiohttp.ClientSession]) -> None:
    url, session = api
    async with session.get(f"{url}/api/v1/accounts") as unauthenticated:
        assert unauthenticated.status == 401
    status, error = await fetch(
        session, "POST", f"{url}/api/v1/accounts", {"name": "X", "status_id": 999_999}
    )
    assert status == 422
    assert error["error"]["field"] == "status_id"
    status, _ = await fetch(session, "GET", f"{url}/api/v1/accounts/424242")
    assert status == 404


@pytest.mark.usefixtures("api")
async def test_status_command_summarises_the_daemon(sandbox: Sandbox) -> None:
    result = await asyncio.to_thread(sandbox.cli, "status", "-c", str(sandbox.config))
    assert "readiness: ready" in result.stdout
    assert "accounts:  12" in result.stdout
    dead = await asyncio.to_thread(
        sandbox.cli, "status", "--url", "http://127.0.0.1:1", check=False
    )
    assert dead.returncode == 1
    assert "cannot reach provisiond" in dead.stderr
