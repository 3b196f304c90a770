"""The dashboard in headless Chromium (Debian's), driven by playwright-core from Node.

The server runs in this test's event loop; `dashboard.mjs` drives the browser in a
subprocess and reports what it saw as JSON. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pytest
import pytest_asyncio

from provisiond.observability.metrics import Metrics
from provisiond.runtime.clock import SystemClock
from provisiond.store import Store
from tests.conftest import require_tool
from tests.e2e.browser.world import (
    BROKEN,
    HELD,
    HOSTILE_ACCOUNT,
    HOSTILE_ERROR,
    HOSTILE_SESSION,
    HOSTILE_USERNAME,
    SUBSCRIBER,
    SUBSCRIBER_SESSION,
    World,
    make_world,
    seed,
)
from tests.integration.status.support import ADMIN

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

pytestmark = pytest.mark.timeout(90)

HERE: Final = Path(__file__).resolve().parent
SCRIPT: Final = HERE / "dashboard.mjs"
ARTIFACTS: Final = HERE.parents[1] / "artifacts"
BROWSER_TIMEOUT: Final = 60.0  # seconds for one scenario, Chromium's start included


def require_playwright() -> None:
    """playwright-core from `npm ci --prefix tests/e2e/browser`; missing is like a tool."""
    if (HERE / "node_modules" / "playwright-core").is_dir():
        return
    message = "playwright-core is not installed (npm ci --prefix tests/e2e/browser)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest_asyncio.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    store = await Store.open(f"sqlite:///{tmp_path}/p.db", clock=SystemClock())
    try:
        built = await make_world(store)
        await built.server.start()
        try:
            await seed(built)
            yield built
        finally:
            await built.server.stop()
    finally:
        await store.close()


async def drive(world: World, scenario: str) -> dict[str, Any]:
    node, chromium = require_tool("node"), require_tool("chromium")
    require_playwright()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    args = [str(SCRIPT), scenario, world.url, ADMIN, chromium, str(ARTIFACTS)]
    process = await asyncio.create_subprocess_exec(
        node, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        async with asyncio.timeout(BROWSER_TIMEOUT):
            stdout, stderr = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, stderr.decode()
    report: dict[str, Any] = json.loads(stdout)
    return report


def coa_rate_before_traffic() -> str:
    """`0.0/s` once the CoA counter is declared (nothing is sent here), else not available."""
    declared = {family.name for family in Metrics().registry.collect()}
    return "0.0/s" if "provisiond_coa_requests" in declared else "not available"


def assert_nothing_ran(report: dict[str, Any]) -> None:
    assert report["pageStatus"] == 200
    assert report["panelsHiddenBeforeLogin"] is True
    assert report["dialogs"] == []
    assert report["pageErrors"] == []
    assert report["violations"] == []
    assert report["foreignRequests"] == []
    assert report["storage"] == {"cookie": "", "localStorage": 0, "sessionStorage": 0, "cookies": 0}


async def test_log_in_approve_the_held_device_disconnect_and_release(world: World) -> None:
    report = await drive(world, "approve")
    assert_nothing_ran(report)
    assert report["wrongToken"] == {
        "message": "The token was refused. Enter a valid token.",
        "loginVisible": True,
        "panelsVisible": False,
    }
    assert "held" in report["heldRow"]
    assert "3 removals (3 held) of 4 changes" in report["heldRow"]
    assert world.devices.approvals == [(HELD, world.held_plan_id)]
    assert "in_sync" in report["approvedRow"]
    assert report["notice"] == f"approved the held plan of {HELD}"
    assert report["rates"] == [
        "RADIUS requests\t0.0/s",
        f"CoA requests\t{coa_rate_before_traffic()}",
    ]
    assert report["events"] == 2  # still there after a refresh that found nothing new
    assert report["notes"]["sessions"] == ""  # both sessions fit on the first page
    assert report["notes"]["coa-held"] == "1 held for approval"
    # A live session, disconnected with two clicks (the second confirms).
    cells = report["sessionRow"].split("\t")
    assert cells[:5] == [SUBSCRIBER, "7", "core-1", "100.64.0.1", "2026-03-01T12:00:00Z"]
    assert cells[5:8] == ["0 B", "1.5 MB", "nak (Error-Cause 404) at 2026-03-01T12:04:00Z"]
    assert report["disconnectNotice"] == f"Disconnect of {SUBSCRIBER} (session 1) queued"
    assert report["disconnectDisabled"] is True
    assert world.coa.disconnected == [SUBSCRIBER_SESSION]
    # The held Disconnect, released with two clicks.
    assert report["heldDisconnect"].split("\t")[:2] == [str(HOSTILE_SESSION), HOSTILE_USERNAME]
    assert report["releaseNotice"] == "released 1 held Disconnects"
    assert [held["session_id"] for held in world.coa.released] == [HOSTILE_SESSION]
    assert report["heldAfter"] == 0
    assert (ARTIFACTS / "dashboard-held.png").stat().st_size > 0
    assert (ARTIFACTS / "dashboard-approved.png").stat().st_size > 0


async def test_hostile_names_show_as_text_and_nothing_runs(world: World) -> None:
    report = await drive(world, "xss")
    assert_nothing_ran(report)
    assert report["accountCells"] == [HOSTILE_ACCOUNT]
    assert report["sessionCells"] == [HOSTILE_USERNAME]
    assert report["heldCells"] == [HOSTILE_USERNAME]
    assert world.coa.disconnected == []
    assert HOSTILE_ERROR in report["deviceError"]
    assert BROKEN in report["deviceError"]
    assert report["images"] == 0
    assert report["svgs"] == 0
