"""Connection faults during apply and observe: what was confirmed is on the router."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from provisiond.drivers import (
    ApplyInterruptedError,
    OutcomeKind,
    RouterOSApiDriver,
    TemporaryDriverError,
    connected,
)
from tests.integration.drivers.support import ADDRESS_LIST, adds, api_settings, setting

if TYPE_CHECKING:
    from provisiond.lab import LabRouter


async def test_a_dropped_connection_mid_batch(router: LabRouter, api: RouterOSApiDriver) -> None:
    changes = adds(200)
    router.drop_after(50, count="sent")  # 50 replies get out, then the connection dies
    with pytest.raises(ApplyInterruptedError) as caught:
        await api.apply(changes)
    confirmed = caught.value.result.outcomes
    assert len(confirmed) == 50
    rows = {row[".id"]: row for row in router.table(ADDRESS_LIST)}
    for outcome in confirmed:
        assert outcome.kind is OutcomeKind.APPLIED
        assert rows[str(outcome.entry_id)]["address"] == outcome.change.entry["address"]
    # Resending everything converges: what got through is found present.
    await api.connect()
    again = await api.apply(changes)
    assert {o.kind for o in again.outcomes} <= {OutcomeKind.APPLIED, OutcomeKind.PRESENT}
    assert len(again.applied) == 200 - len(rows)
    assert len(router.table(ADDRESS_LIST)) == 200


async def test_fatal_mid_batch(router: LabRouter, api: RouterOSApiDriver) -> None:
    entry = router.add_foreign(ADDRESS_LIST, list="a", address="10.0.0.1")
    router.inject_fatal(ADDRESS_LIST, verb="add", message="out of memory")
    with pytest.raises(ApplyInterruptedError, match="!fatal: out of memory") as caught:
        await api.apply([setting(entry, comment="provisiond:1"), *adds(5)])
    (done,) = caught.value.result.outcomes  # the set phase finished before the adds
    assert done.kind is OutcomeKind.APPLIED
    assert router.table(ADDRESS_LIST)[0]["comment"] == "provisiond:1"
    with pytest.raises(TemporaryDriverError):
        await api.observe(ADDRESS_LIST, lists=["a"])
    await api.connect()
    assert len(await api.observe(ADDRESS_LIST, lists=["a"])) == 1


async def test_fatal_during_observe(router: LabRouter, api: RouterOSApiDriver) -> None:
    router.inject_fatal(ADDRESS_LIST, verb="print")
    with pytest.raises(TemporaryDriverError, match="!fatal"):
        await api.observe(ADDRESS_LIST, lists=["a", "b"])


async def test_a_drop_during_a_long_print(router: LabRouter, api: RouterOSApiDriver) -> None:
    for n in range(500):
        router.add_foreign(ADDRESS_LIST, list="a", address=f"10.0.{n // 250}.{n % 250}")
    router.drop_after(300, count="sent")
    with pytest.raises(TemporaryDriverError, match="connection"):
        await api.observe(ADDRESS_LIST, lists=["a"])


async def test_a_silent_device_times_out(router: LabRouter) -> None:
    async with connected(RouterOSApiDriver(api_settings(router.port, timeout=0.2))) as driver:
        router.set_latency(1.0)
        with pytest.raises(ApplyInterruptedError, match=r"no reply within 0\.2 s"):
            await driver.apply(adds(3))
        with pytest.raises(TemporaryDriverError, match="not connected"):
            await driver.uptime()


async def test_a_slow_device_within_the_timeout(router: LabRouter) -> None:
    async with connected(RouterOSApiDriver(api_settings(router.port, timeout=0.5))) as driver:
        router.set_latency(0.1, write_time=0.001)
        result = await driver.apply(adds(100))
        assert len(result.applied) == 100


async def test_a_cancelled_print_is_temporary(router: LabRouter, api: RouterOSApiDriver) -> None:
    router.inject_trap(ADDRESS_LIST, verb="print", message="interrupted", category=2)
    with pytest.raises(TemporaryDriverError, match="interrupted"):
        await api.observe(ADDRESS_LIST, lists=["a"])
    # The connection itself is fine.
    assert await api.observe(ADDRESS_LIST, lists=["a"]) == []


async def test_a_refused_print_is_permanent(router: LabRouter, api: RouterOSApiDriver) -> None:
    router.inject_trap(ADDRESS_LIST, verb="print", message="no such command prefix", category=0)
    with pytest.raises(Exception, match="refused: no such command prefix") as caught:
        await api.observe(ADDRESS_LIST, lists=["a"])
    assert not isinstance(caught.value, TemporaryDriverError)
