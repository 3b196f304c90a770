"""Each integrity rule fails with the error class and field DESIGN.md §7 asks for."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest

from provisiond.model import objects
from provisiond.model.enums import EventAction
from provisiond.model.errors import ConflictError, InvalidError, ModelError
from provisiond.store import Store
from tests.integration.store import samples

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from provisiond.runtime.clock import FakeClock

AT = samples.AT


@pytest.fixture
async def seeded(store: Store) -> Store:
    await store.import_dataset(samples.dataset(), actor="cli")
    return store


async def _fails(
    write: Awaitable[object], error: type[ModelError], field: str | None
) -> ModelError:
    with pytest.raises(error) as caught:
        await write
    assert caught.value.field == field
    return caught.value


@pytest.mark.parametrize(
    "obj",
    [
        objects.AccountStatus(0, "Active", activates_account=False),
        objects.AccountType(0, "Residential"),
        objects.AccountGroup(0, "North"),
        objects.UsagePolicy(0, "100 GB", cap_gb=1),
        objects.Service(0, "100M", download_kbps=1, upload_kbps=1),
        objects.AddressList(0, "active-subs"),
        objects.RadiusGroup(0, "rate"),
        objects.Trigger(0, "activated", samples.dataset().triggers[0].event, "https://x"),
    ],
    ids=lambda obj: type(obj).__name__,
)
async def test_names_are_unique_per_kind(seeded: Store, obj: objects.AccountStatus) -> None:
    await _fails(seeded.create(obj, actor="admin"), ConflictError, "name")


async def test_renaming_onto_a_taken_name_conflicts(seeded: Store) -> None:
    south = objects.AccountGroup(2, "North")
    await _fails(seeded.update(south, actor="admin"), ConflictError, "name")


async def test_client_supplied_id_that_is_taken_conflicts(seeded: Store) -> None:
    await _fails(seeded.create(objects.AccountGroup(1, "West"), actor="a"), ConflictError, "id")


async def test_radius_usernames_are_unique_across_accounts(seeded: Store) -> None:
    carol = objects.Account(
        0,
        "Carol",
        status_id=1,
        radius_accounts=(objects.RadiusAccount("carol"), objects.RadiusAccount("alice")),
    )
    error = await _fails(
        seeded.create(carol, actor="admin"), ConflictError, "radius_accounts.1.username"
    )
    assert "100" in error.message


async def test_a_username_twice_in_one_account_conflicts(store: Store) -> None:
    await store.create(objects.AccountStatus(1, "Active", activates_account=True), actor="a")
    twice = objects.Account(
        0,
        "X",
        status_id=1,
        radius_accounts=(objects.RadiusAccount("u"), objects.RadiusAccount("u")),
    )
    await _fails(store.create(twice, actor="a"), ConflictError, "radius_accounts.1.username")


async def test_second_data_service_conflicts_unless_allowed(
    seeded: Store, db_url: str, clock: FakeClock
) -> None:
    two = objects.Account(0, "Carol", status_id=1, service_ids=(10, 11))
    await _fails(seeded.create(two, actor="admin"), ConflictError, "service_ids")
    await seeded.close()
    relaxed = await Store.open(db_url, clock=clock, allow_multiple_data_services=True)
    try:
        created = await relaxed.create(two, actor="admin")
        assert created.service_ids == (10, 11)
    finally:
        await relaxed.close()


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        (objects.Account(0, "C", status_id=9), "status_id"),
        (objects.Account(0, "C", status_id=1, type_id=9), "type_id"),
        (objects.Account(0, "C", status_id=1, group_ids=frozenset({1, 9})), "group_ids.1"),
        (objects.Account(0, "C", status_id=1, service_ids=(9,)), "service_ids.0"),
        (objects.Account(0, "C", status_id=1, parent_id=999), "parent_id"),
        (objects.Account(55, "C", status_id=1, parent_id=55), "parent_id"),
        (objects.Service(0, "S", 1, 1, usage_policy_id=9), "usage_policy_id"),
        (
            objects.AddressList(0, "L", filter=objects.MembershipFilter(status_ids=frozenset({9}))),
            "status_ids.0",
        ),
        (
            objects.RadiusGroup(
                0, "G", filter=objects.MembershipFilter(usage_policy_ids=frozenset({5, 9}))
            ),
            "usage_policy_ids.1",
        ),
        (objects.ScheduledEvent(0, 999, AT, EventAction.SET_DELINQUENT), "account_id"),
        (objects.ScheduledEvent(0, 100, AT, EventAction.CHANGE_STATUS, object_id=9), "object_id"),
        (objects.ScheduledEvent(0, 100, AT, EventAction.ADD_SERVICE, object_id=1), "object_id"),
        (objects.ScheduledEvent(0, 100, AT, EventAction.ADD_SERVICE), "object_id"),
        (
            objects.ScheduledEvent(
                0, 100, AT, EventAction.SWAP_SERVICE, object_id=10, replacement_id=9
            ),
            "replacement_id",
        ),
        (objects.Vacation(0, 999, AT, AT, status_id=1, service_id=10), "account_id"),
        (objects.Vacation(0, 100, AT, AT, status_id=9, service_id=10), "status_id"),
        (objects.Vacation(0, 100, AT, AT, status_id=1, service_id=9), "service_id"),
    ],
    ids=lambda value: value if isinstance(value, str) else type(value).__name__,
)
async def test_references_must_exist(seeded: Store, obj: objects.Account, field: str) -> None:
    await _fails(seeded.create(obj, actor="admin"), InvalidError, field)


@pytest.mark.parametrize(
    ("kind", "obj_id", "named"),
    [
        (objects.AccountStatus, 1, "accounts 100"),
        (objects.AccountStatus, 2, "accounts 101"),
        (objects.AccountType, 1, "address lists 1"),
        (objects.AccountGroup, 2, "accounts 100"),
        (objects.Service, 10, "scheduled events 7"),
        (objects.Service, 11, "vacations 3"),
        (objects.UsagePolicy, 5, "services 10"),
        (objects.Account, 101, "accounts (as parent) 100"),
    ],
)
async def test_delete_of_something_in_use_conflicts(
    seeded: Store, kind: type[objects.AccountStatus], obj_id: int, named: str
) -> None:
    error = await _fails(seeded.delete(kind, obj_id, actor="admin"), ConflictError, None)
    assert named in error.message


async def test_delete_names_how_many_more_refer(store: Store) -> None:
    await store.create(objects.AccountStatus(1, "Active", activates_account=True), actor="a")
    for index in range(7):
        await store.create(objects.Account(0, f"a{index}", status_id=1), actor="a")
    error = await _fails(store.delete(objects.AccountStatus, 1, actor="a"), ConflictError, None)
    assert "accounts 1, 2, 3, 4, 5 and 2 more" in error.message


async def test_a_failed_write_leaves_nothing(seeded: Store) -> None:
    before = await seeded.load()
    events = await seeded.events(limit=1000)
    bad = dataclasses.replace(before.accounts[1], service_ids=(99,))
    await _fails(seeded.update(bad, actor="admin"), InvalidError, "service_ids.0")
    assert await seeded.load() == before
    assert await seeded.events(limit=1000) == events
