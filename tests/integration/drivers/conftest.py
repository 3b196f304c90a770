"""A lab router per test (API, and SSH in front of the same device), and drivers for it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

from provisiond.drivers import RouterOSApiDriver, RouterOSSshDriver
from provisiond.lab import LabRouter
from provisiond.lab.ssh import LabSshServer
from tests.integration.drivers.support import PASSWORD, api_settings, ssh_settings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path

    from provisiond.runtime.clock import FakeClock


@pytest.fixture(autouse=True)
def _no_errors_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Neither the lab nor a driver may log an error (a failed task, a lost exception)."""
    caplog.set_level(logging.DEBUG, logger="provisiond.drivers")
    yield
    records = [
        *caplog.get_records("setup"),
        *caplog.get_records("call"),
        *caplog.get_records("teardown"),
    ]
    errors = [record for record in records if record.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


@pytest_asyncio.fixture
async def router(clock: FakeClock) -> AsyncIterator[LabRouter]:
    lab = LabRouter(password=PASSWORD, clock=clock.monotonic, wall_clock=clock.now)
    await lab.start()
    try:
        yield lab
    finally:
        await lab.stop()


@pytest_asyncio.fixture
async def api(router: LabRouter) -> AsyncIterator[RouterOSApiDriver]:
    driver = RouterOSApiDriver(api_settings(router.port))
    await driver.connect()
    try:
        yield driver
    finally:
        await driver.close()


@pytest_asyncio.fixture
async def sshd(router: LabRouter) -> AsyncIterator[LabSshServer]:
    server = LabSshServer(router.device, password=PASSWORD)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def known_hosts(sshd: LabSshServer, tmp_path: Path) -> Path:
    path = tmp_path / "known_hosts"
    path.write_text(sshd.known_hosts_line())
    return path


@pytest_asyncio.fixture
async def ssh(sshd: LabSshServer, known_hosts: Path) -> AsyncIterator[RouterOSSshDriver]:
    driver = RouterOSSshDriver(ssh_settings(sshd.port, known_hosts))
    await driver.connect()
    try:
        yield driver
    finally:
        await driver.close()
