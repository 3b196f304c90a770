"""Observing over the API: per-list prints, every entry returned, values normalised."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from provisiond.drivers import TemporaryDriverError
from tests.integration.drivers.support import ADDRESS_LIST, IPV6_ADDRESS_LIST, QUEUES

if TYPE_CHECKING:
    from provisiond.drivers import RouterOSApiDriver
    from provisiond.lab import LabRouter
    from provisiond.runtime.clock import FakeClock


async def test_prints_only_the_lists_asked_for(router: LabRouter, api: RouterOSApiDriver) -> None:
    for name in ("a", "b", "other"):
        router.add_foreign(ADDRESS_LIST, list=name, address="10.0.0.1", comment=f"x:{name}")
    commands = router.stats.commands
    entries = await api.observe(ADDRESS_LIST, lists=["a", "b", "a"])
    assert sorted(e.attrs["list"] for e in entries) == ["a", "b"]
    assert router.stats.commands == commands + 2  # one print per distinct list


async def test_returns_every_entry_of_a_list(router: LabRouter, api: RouterOSApiDriver) -> None:
    ours = router.add_foreign(ADDRESS_LIST, list="a", address="10.0.0.1", comment="provisiond:1")
    foreign = router.add_foreign(ADDRESS_LIST, list="a", address="10.0.0.2", comment="hand")
    bare = router.add_foreign(ADDRESS_LIST, list="a", address="10.0.0.3")
    dynamic = router.add_dynamic(ADDRESS_LIST, list="a", address="10.0.0.4", comment="provisiond:4")
    timed = router.add_foreign(ADDRESS_LIST, list="a", address="10.0.0.5", timeout="1h")
    entries = {e.id: e for e in await api.observe(ADDRESS_LIST, lists=["a"])}
    assert set(entries) == {ours, foreign, bare, dynamic, timed}
    assert entries[ours].attrs == {
        "list": "a",
        "address": "10.0.0.1",
        "comment": "provisiond:1",
        "dynamic": "false",
        "disabled": "false",
    }
    assert "comment" not in entries[bare].attrs
    assert entries[dynamic].dynamic
    assert entries[timed].dynamic
    assert entries[timed].attrs["timeout"] == "1h"
    assert not entries[ours].dynamic


async def test_values_come_back_canonical(router: LabRouter, api: RouterOSApiDriver) -> None:
    router.add_foreign(ADDRESS_LIST, list="100", address="203.0.113.77/24", comment="12345")
    router.add_foreign(ADDRESS_LIST, list="100", address="198.51.100.1/32", disabled="yes")
    router.add_foreign(QUEUES, name="q", target="10.0.0.1/32,10.0.1.0/24", max_limit="2M/10M")
    rows = sorted(await api.observe(ADDRESS_LIST, lists=["100"]), key=lambda e: e.id)
    assert [e.attrs["address"] for e in rows] == ["203.0.113.0/24", "198.51.100.1"]
    assert rows[0].attrs["comment"] == "12345"
    assert rows[0].attrs["list"] == "100"
    assert rows[1].attrs["disabled"] == "true"
    (q,) = await api.observe(QUEUES)
    assert q.attrs["target"] == "10.0.0.1,10.0.1.0/24"
    assert q.attrs["max-limit"] == "2000000/10000000"
    assert q.attrs["burst-limit"] == "0/0"
    assert q.attrs["burst-time"] == "0s/0s"
    assert set(q.attrs) == {
        "name",
        "target",
        "max-limit",
        "burst-limit",
        "burst-threshold",
        "burst-time",
        "dynamic",
        "disabled",
    }


async def test_ipv6_lists(router: LabRouter, api: RouterOSApiDriver) -> None:
    router.add_foreign(IPV6_ADDRESS_LIST, list="v6", address="2001:DB8::1/128")
    router.add_foreign(IPV6_ADDRESS_LIST, list="v6", address="2001:db8:0:1::9/64")
    entries = await api.observe(IPV6_ADDRESS_LIST, lists=["v6"])
    assert [e.attrs["address"] for e in entries] == ["2001:db8::1", "2001:db8:0:1::/64"]
    assert {e.path for e in entries} == {IPV6_ADDRESS_LIST}


@pytest.mark.parametrize("empty_reply", [True, False])
async def test_an_empty_list_with_or_without_empty_reply(
    router: LabRouter, api: RouterOSApiDriver, *, empty_reply: bool
) -> None:
    router.empty_reply = empty_reply
    assert await api.observe(ADDRESS_LIST, lists=["nothing", "none"]) == []
    assert await api.observe(ADDRESS_LIST, lists=[]) == []


async def test_long_prints_of_several_lists_interleave(
    router: LabRouter, api: RouterOSApiDriver
) -> None:
    # The lab yields every 256 rows, so the three prints' rows arrive interleaved.
    for n in range(1_800):
        name = "abc"[n % 3]
        router.add_foreign(ADDRESS_LIST, list=name, address=f"10.{n // 250}.{n % 250}.1")
    entries = await api.observe(ADDRESS_LIST, lists=["a", "b", "c"])
    assert len(entries) == 1_800
    assert len({e.id for e in entries}) == 1_800
    by_list = [e.attrs["list"] for e in entries]
    assert by_list == ["a"] * 600 + ["b"] * 600 + ["c"] * 600


async def test_observe_asks_address_lists_by_list(api: RouterOSApiDriver) -> None:
    with pytest.raises(ValueError, match="per list"):
        await api.observe(ADDRESS_LIST)
    with pytest.raises(ValueError, match="not printed per list"):
        await api.observe(QUEUES, lists=["a"])
    with pytest.raises(ValueError, match="does not observe"):
        await api.observe("/interface")


async def test_a_reboot_renumbers_and_resets_the_uptime(
    router: LabRouter, api: RouterOSApiDriver, clock: FakeClock
) -> None:
    router.add_foreign(ADDRESS_LIST, list="a", address="10.0.0.1", comment="provisiond:1")
    router.add_dynamic(ADDRESS_LIST, list="a", address="10.0.0.2")
    await clock.advance(3_600)
    before = await api.observe(ADDRESS_LIST, lists=["a"])
    assert await api.uptime() == 3_600.0
    await router.reboot()
    with pytest.raises(TemporaryDriverError):
        await api.uptime()
    await api.connect()
    assert await api.uptime() == 0.0
    after = await api.observe(ADDRESS_LIST, lists=["a"])
    assert len(before) == 2
    assert [e.attrs for e in after] == [before[0].attrs]
    assert after[0].id != before[0].id
