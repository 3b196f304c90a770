"""The list memory: what is written when, and how renames are found."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from provisiond.reconcile.lists import Lists
from tests.unit.reconcile.fakes import FakeMemory

AT = datetime(2026, 1, 1, tzinfo=UTC)


async def test_a_new_name_is_written_once_and_a_full_resync_refreshes_all() -> None:
    memory = FakeMemory()
    writes: list[int] = []
    remember = memory.remember

    async def counting(device: str, seen: object, *, at: datetime) -> None:
        listed = list(seen)  # type: ignore[call-overload]
        writes.append(len(listed))
        await remember(device, listed, at=at)

    memory.remember = counting  # type: ignore[method-assign]
    lists = Lists("d", memory)
    await lists.load()
    current = {1: "active", 2: "suspended"}
    await lists.note({(4, "active")}, current, at=AT, all_=False)
    await lists.note({(4, "active")}, current, at=AT, all_=False)
    await lists.note({(4, "active"), (6, "active")}, current, at=AT, all_=True)
    assert writes == [1, 2]
    assert memory.rows == {("d", 4, "active"): 1, ("d", 6, "active"): 1}
    assert lists.names(4) == {"active"}
    assert lists.names(6) == {"active"}


async def test_a_list_whose_id_has_a_new_name_was_renamed() -> None:
    memory = FakeMemory({("d", 4, "subs"): 1, ("d", 4, "gone"): 2, ("d", 4, "old"): None})
    lists = Lists("d", memory)
    await lists.load()
    assert lists.renames({1: "customers", 3: "gone"}) == {"subs": "customers"}
    # Pushing under the new name ties it to the id; the old name keeps pointing there.
    await lists.note({(4, "customers")}, {1: "customers"}, at=AT, all_=False)
    assert memory.rows[("d", 4, "customers")] == 1
    assert lists.renames({1: "customers"}) == {"subs": "customers"}


async def test_a_name_no_list_has_keeps_its_id() -> None:
    memory = FakeMemory({("d", 4, "subs"): 1})
    lists = Lists("d", memory)
    await lists.load()
    await lists.note({(4, "subs")}, {}, at=AT, all_=True)
    assert memory.rows[("d", 4, "subs")] == 1


def test_the_memory_must_be_loaded_first() -> None:
    with pytest.raises(RuntimeError):
        Lists("d", FakeMemory()).names(4)
