"""End to end over both drivers: diff → apply → observe → diff again is empty."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from provisiond import plan
from provisiond.model.device_state import AddressEntry, DesiredState, QueueEntry
from tests.integration.drivers.support import (
    ADDRESS_LIST,
    IPV6_ADDRESS_LIST,
    QUEUES,
    open_driver,
)

if TYPE_CHECKING:
    from pathlib import Path

    from provisiond.drivers import Driver
    from provisiond.lab import LabRouter
    from provisiond.model.device_state import ObservedEntry

LISTS = ("active", "suspended", "gone")


def _desired() -> DesiredState:
    addresses = [
        AddressEntry(4, "active", "100.64.0.1", 1),
        AddressEntry(4, "active", "100.64.0.2", 2),
        AddressEntry(4, "active", "100.64.0.9", 9),  # held by a hand-made entry
        AddressEntry(4, "suspended", "100.64.0.3", 3),
        AddressEntry(4, "active", "198.51.100.0/24", 4),
        AddressEntry(6, "active", "2001:db8::/56", 1),
    ]
    queues = [
        QueueEntry("provisiond-1", "100.64.0.1", "2000000/10000000", 1),
        QueueEntry("provisiond-2", "100.64.0.2", "1M/5M", 2, "2M/10M", "1M/5M", "8s/8s"),
    ]
    return DesiredState(
        device="lab-1",
        addresses={entry.key: entry for entry in addresses},
        queues={q.name: q for q in queues},
    )


def _seed(router: LabRouter) -> None:
    """A router someone has been at: ours edited and duplicated, foreign and dynamic entries."""
    add = router.add_foreign
    add(ADDRESS_LIST, list="active", address="100.64.0.1", comment="provisiond:7")  # wrong owner
    add(
        ADDRESS_LIST, list="active", address="100.64.0.2/32", comment="provisiond:2", disabled="yes"
    )
    add(ADDRESS_LIST, list="active", address="100.64.0.9", comment="by hand")
    add(ADDRESS_LIST, list="gone", address="100.64.0.5", comment="provisiond:5")
    add(ADDRESS_LIST, list="other", address="100.64.0.6", comment="provisiond:6")  # not managed
    add(ADDRESS_LIST, list="suspended", address="10.9.9.9", comment="someone else")
    router.add_dynamic(ADDRESS_LIST, list="suspended", address="100.64.0.8")
    add(
        QUEUES,
        name="provisiond-1",
        target="100.64.0.1/32",
        max_limit="1M/1M",
        comment="provisiond:1",
    )
    add(QUEUES, name="provisiond-3", target="100.64.0.3", comment="provisiond:3")
    add(QUEUES, name="customer", target="10.0.0.1")


async def _observe(driver: Driver) -> list[ObservedEntry]:
    return [
        *await driver.observe(ADDRESS_LIST, lists=LISTS),
        *await driver.observe(IPV6_ADDRESS_LIST, lists=LISTS),
        *await driver.observe(QUEUES),
    ]


async def _sync(driver: Driver) -> plan.Plan:
    first = plan.diff(_desired(), await _observe(driver), comment_prefix="provisiond")
    result = await driver.apply(first.changes)
    assert result.rejected == ()
    assert not result.needs_reobserve
    return first


@pytest.mark.parametrize("kind", ["api", "ssh"])
async def test_a_sync_converges(router: LabRouter, kind: str, tmp_path: Path) -> None:
    _seed(router)
    untouched = [row for row in router.table(ADDRESS_LIST) if row["list"] in ("other",)]
    async with open_driver(kind, router, tmp_path) as driver:
        first = await _sync(driver)
        again = plan.diff(_desired(), await _observe(driver), comment_prefix="provisiond")
    assert {change.op for change in first.changes} == set(plan.Op)
    (blocked,) = first.blocked
    assert blocked.entry == {"list": "active", "address": "100.64.0.9"}
    assert again.is_empty, plan.to_text(again)
    # Entries that are not ours, or not on a managed list, are exactly as they were.
    assert [row for row in router.table(ADDRESS_LIST) if row["list"] == "other"] == untouched
    assert any(
        row["comment"] == "by hand" for row in router.table(ADDRESS_LIST) if "comment" in row
    )
    assert {row["name"] for row in router.table(QUEUES)} == {
        "provisiond-1",
        "provisiond-2",
        "customer",
    }
