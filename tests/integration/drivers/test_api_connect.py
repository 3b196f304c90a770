"""Logging in over the API: credentials, refusals, timeouts, api-ssl verification."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest

from provisiond.drivers import (
    PermanentDriverError,
    RouterOSApiDriver,
    TemporaryDriverError,
    connected,
)
from provisiond.lab import LabRouter
from provisiond.model.secret import Secret
from tests.integration.drivers.support import PASSWORD, api_settings, self_signed

if TYPE_CHECKING:
    from pathlib import Path

    from provisiond.runtime.clock import FakeClock


async def test_login_and_uptime(router: LabRouter, clock: FakeClock) -> None:
    async with connected(RouterOSApiDriver(api_settings(router.port))) as driver:
        assert await driver.uptime() == 0.0
        await clock.advance(694_861)  # 1w1d1h1m1s
        assert await driver.uptime() == 694_861.0
    assert router.stats.logins == 1


async def test_a_wrong_password_is_permanent(router: LabRouter) -> None:
    driver = RouterOSApiDriver(api_settings(router.port, password=Secret("wrong-horse")))
    with pytest.raises(PermanentDriverError, match="login refused") as caught:
        await driver.connect()
    assert "wrong-horse" not in str(caught.value)
    assert router.stats.logins == 0
    await driver.close()


async def test_a_refused_connection_is_temporary(router: LabRouter) -> None:
    await router.stop_listening()
    driver = RouterOSApiDriver(api_settings(router.port))
    with pytest.raises(TemporaryDriverError, match="connection refused"):
        await driver.connect()


async def test_a_connection_closed_at_once_is_temporary(router: LabRouter) -> None:
    router.refuse_connections()
    driver = RouterOSApiDriver(api_settings(router.port))
    with pytest.raises(TemporaryDriverError, match="ConnectionClosed"):
        await driver.connect()


async def test_a_login_that_takes_too_long_is_temporary(router: LabRouter) -> None:
    router.set_latency(1.0)
    driver = RouterOSApiDriver(api_settings(router.port, timeout=0.1))
    with pytest.raises(TemporaryDriverError, match="timed out"):
        await driver.connect()


async def test_connect_again_after_the_connection_died(router: LabRouter) -> None:
    driver = RouterOSApiDriver(api_settings(router.port))
    async with connected(driver):
        await driver.connect()  # already connected: nothing happens
        assert router.stats.logins == 1
        await router.drop_connections()
        with pytest.raises(TemporaryDriverError):
            await driver.uptime()
        await driver.connect()
        assert await driver.uptime() >= 0.0
        assert router.stats.logins == 2


async def test_not_connected_is_temporary(router: LabRouter) -> None:
    driver = RouterOSApiDriver(api_settings(router.port))
    with pytest.raises(TemporaryDriverError, match="not connected"):
        await driver.uptime()
    await driver.close()


async def test_api_ssl_refuses_a_certificate_it_cannot_verify(tmp_path: Path) -> None:
    tls = self_signed(tmp_path)
    async with LabRouter(password=PASSWORD, ssl_context=tls.server) as router:
        driver = RouterOSApiDriver(api_settings(router.port, tls=True))
        with pytest.raises(PermanentDriverError, match="certificate verification failed"):
            await driver.connect()
        assert router.stats.logins == 0


async def test_api_ssl_with_the_ca_given(tmp_path: Path) -> None:
    tls = self_signed(tmp_path)
    async with LabRouter(password=PASSWORD, ssl_context=tls.server) as router:
        driver = RouterOSApiDriver(api_settings(router.port, tls=True), ca_file=tls.ca_file)
        async with connected(driver):
            assert await driver.uptime() >= 0.0


async def test_api_ssl_without_verification_warns_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tls = self_signed(tmp_path)
    async with LabRouter(password=PASSWORD, ssl_context=tls.server) as router:
        driver = RouterOSApiDriver(api_settings(router.port, tls=True, tls_verify=False))
        for _ in range(2):
            async with connected(driver):
                assert await driver.uptime() >= 0.0
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "api-ssl certificate verification is off (tls_verify = false)"
    ]
    assert warnings[0].__dict__["device"] == "lab-1"


async def test_plain_api_against_api_ssl_times_out(tmp_path: Path) -> None:
    tls = self_signed(tmp_path)
    async with LabRouter(password=PASSWORD, ssl_context=tls.server) as router:
        driver = RouterOSApiDriver(api_settings(router.port, timeout=0.2))
        with pytest.raises(TemporaryDriverError):
            await driver.connect()
