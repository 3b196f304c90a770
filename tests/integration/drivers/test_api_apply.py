"""Applying changes over the API: one pipelined batch, per-change outcomes, idempotent traps."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from provisiond.drivers import Capabilities, OutcomeKind, RouterOSApiDriver, connected
from tests.integration.drivers.support import (
    ADDRESS_LIST,
    QUEUES,
    add,
    adds,
    api_settings,
    queue,
    removal,
    setting,
)

if TYPE_CHECKING:
    from provisiond.lab import LabRouter


def _rows(router: LabRouter, path: str = ADDRESS_LIST) -> dict[str, dict[str, str]]:
    return {row[".id"]: row for row in router.table(path)}


async def test_sets_adds_and_removes_in_one_call(router: LabRouter, api: RouterOSApiDriver) -> None:
    keep = router.add_foreign(ADDRESS_LIST, list="a", address="10.0.0.1", comment="provisiond:1")
    gone = router.add_foreign(ADDRESS_LIST, list="a", address="10.0.0.2", comment="provisiond:2")
    changes = [
        setting(keep, comment="provisiond:9", disabled="false"),
        add("a", "10.0.0.3", 3),
        add("b", "10.0.0.3/32", 4),
        removal(gone),
    ]
    result = await api.apply(changes)
    assert [o.kind for o in result.outcomes] == [OutcomeKind.APPLIED] * 4
    assert [o.change for o in result.outcomes] == changes
    rows = _rows(router)
    assert set(rows) == {keep, result.outcomes[1].entry_id, result.outcomes[2].entry_id}
    assert rows[keep]["comment"] == "provisiond:9"
    assert rows[str(result.outcomes[2].entry_id)]["address"] == "10.0.0.3"
    assert result.outcomes[0].entry_id == keep
    assert result.outcomes[3].entry_id == gone
    assert not result.needs_reobserve


async def test_a_bulk_apply_is_pipelined(router: LabRouter, api: RouterOSApiDriver) -> None:
    router.set_latency(0.02, max_in_flight=64)
    await api.connect()
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = await api.apply(adds(640))
    elapsed = loop.time() - started
    assert len(result.applied) == 640
    assert len(router.table(ADDRESS_LIST)) == 640
    # 640 commands 64 at a time: 10 round trips of 20 ms, not 640.
    assert 0.2 <= elapsed < 3.0


async def test_the_pipeline_depth_is_a_capability(router: LabRouter) -> None:
    router.set_latency(0.02)
    shallow = Capabilities(pipeline_depth=4, batch_size=1, supports_empty_reply=True)
    driver = RouterOSApiDriver(api_settings(router.port), capabilities=shallow)
    async with connected(driver):
        loop = asyncio.get_running_loop()
        started = loop.time()
        await driver.apply(adds(40))
        assert loop.time() - started >= 10 * 0.02


async def test_duplicates_and_missing_ids_are_idempotent(
    router: LabRouter, api: RouterOSApiDriver
) -> None:
    there = router.add_foreign(ADDRESS_LIST, list="a", address="10.0.0.1", comment="provisiond:1")
    router.add_foreign(QUEUES, name="provisiond-7", target="10.0.0.7")
    result = await api.apply(
        [
            setting("*FFF", comment="provisiond:2"),
            add("a", "10.0.0.1/32", 1),
            queue("provisiond-7", "10.0.0.7", "1M/2M", 7),
            removal("*FFE"),
            removal(there),
        ]
    )
    kinds = [o.kind for o in result.outcomes]
    assert kinds == [
        OutcomeKind.GONE,
        OutcomeKind.PRESENT,
        OutcomeKind.PRESENT,
        OutcomeKind.GONE,
        OutcomeKind.APPLIED,
    ]
    assert [o.needs_reobserve for o in result.outcomes] == [True, True, True, True, False]
    assert result.needs_reobserve
    assert result.rejected == ()
    assert result.outcomes[1].trap is not None
    assert "already have such entry" in result.outcomes[1].trap.message
    assert _rows(router) == {}


async def test_a_trap_on_one_change_leaves_the_others(
    router: LabRouter, api: RouterOSApiDriver
) -> None:
    router.inject_trap(
        ADDRESS_LIST,
        message="input does not match any value of list",
        where={"address": "100.64.0.5"},
        category=1,
    )
    changes = adds(10)
    result = await api.apply(changes)
    assert len(result.applied) == 9
    (rejected,) = result.rejected
    assert rejected.change == changes[4]
    assert rejected.trap.message == "input does not match any value of list"
    assert rejected.trap.category == 1
    assert result.outcomes[4].kind is OutcomeKind.REJECTED
    assert result.needs_reobserve
    assert len(router.table(ADDRESS_LIST)) == 9


async def test_queues(router: LabRouter, api: RouterOSApiDriver) -> None:
    result = await api.apply([queue("provisiond-1", "10.0.0.1", "2M/10M", 1)])
    (row,) = router.table(QUEUES)
    assert row[".id"] == result.outcomes[0].entry_id
    assert row["max-limit"] == "2000000/10000000"
    assert row["target"] == "10.0.0.1/32"
    await api.apply([setting(row[".id"], path=QUEUES, **{"max-limit": "4M/20M"})])
    (q,) = await api.observe(QUEUES)
    assert q.attrs["max-limit"] == "4000000/20000000"


async def test_words_are_utf8(router: LabRouter, api: RouterOSApiDriver) -> None:
    comment = 'provisiond:1 Zürich 東京 = "q"'
    await api.apply(
        [setting(router.add_foreign(ADDRESS_LIST, list="a", address="10.0.0.1"), comment=comment)]
    )
    (entry,) = await api.observe(ADDRESS_LIST, lists=["a"])
    assert entry.attrs["comment"] == comment


async def test_nothing_to_apply(router: LabRouter, api: RouterOSApiDriver) -> None:
    commands = router.stats.commands
    result = await api.apply([])
    assert result.outcomes == ()
    assert router.stats.commands == commands
