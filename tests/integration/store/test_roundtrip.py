"""Every kind survives create → get/list/load → update → delete unchanged."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest

from provisiond.model import objects
from provisiond.model.errors import NotFoundError
from provisiond.store import kinds
from tests.integration.store import samples

if TYPE_CHECKING:
    from provisiond.store import Store


async def test_import_then_load_gives_back_every_object(store: Store) -> None:
    dataset = samples.dataset()
    await store.import_dataset(dataset, actor="cli")
    assert await store.load() == dataset


@pytest.mark.parametrize("spec", kinds.SPECS, ids=lambda spec: spec.name)
async def test_get_and_list_each_kind(store: Store, spec: kinds.KindSpec[kinds.Model]) -> None:
    dataset = samples.dataset()
    await store.import_dataset(dataset, actor="cli")
    expected = getattr(dataset, spec.name)
    assert await store.list(spec.model, limit=1000) == sorted(expected, key=lambda o: o.id)
    for obj in expected:
        assert await store.get(spec.model, obj.id) == obj


async def test_create_assigns_ids_and_never_reuses_them(store: Store) -> None:
    first = await store.create(objects.AccountType(0, "a"), actor="admin")
    second = await store.create(objects.AccountType(0, "b"), actor="admin")
    assert (first.id, second.id) == (1, 2)
    await store.delete(objects.AccountType, second.id, actor="admin")
    third = await store.create(objects.AccountType(0, "c"), actor="admin")
    assert third.id == 3
    supplied = await store.create(objects.AccountType(40, "d"), actor="admin")
    assert supplied.id == 40
    await store.delete(objects.AccountType, 40, actor="admin")
    assert (await store.create(objects.AccountType(0, "e"), actor="admin")).id == 41


async def test_update_replaces_and_delete_removes(store: Store) -> None:
    dataset = samples.dataset()
    await store.import_dataset(dataset, actor="cli")
    alice = dataset.accounts[0]
    changed = dataclasses.replace(
        alice,
        name="Alice B.",
        group_ids=frozenset({2}),
        service_ids=(11,),
        ip_assignments=(),
        radius_accounts=alice.radius_accounts[1:],
        parent_id=None,
    )
    assert await store.update(changed, actor="admin") == changed
    assert await store.get(objects.Account, alice.id) == changed
    await store.delete(objects.Account, alice.id, actor="admin")
    with pytest.raises(NotFoundError):
        await store.get(objects.Account, alice.id)
    assert await store.list(objects.ScheduledEvent, account_id=alice.id) == []
    assert await store.list(objects.Vacation) == []


async def test_update_and_delete_of_a_missing_object_are_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError):
        await store.update(objects.AccountGroup(9, "x"), actor="admin")
    with pytest.raises(NotFoundError):
        await store.delete(objects.AccountGroup, 9, actor="admin")


async def test_list_pages_by_id(store: Store) -> None:
    for index in range(7):
        await store.create(objects.AccountGroup(0, f"g{index}"), actor="admin")
    first = await store.list(objects.AccountGroup, limit=3)
    second = await store.list(objects.AccountGroup, after=first[-1].id, limit=3)
    third = await store.list(objects.AccountGroup, after=second[-1].id, limit=3)
    assert [g.id for g in first + second + third] == list(range(1, 8))
    assert await store.list(objects.AccountGroup, after=7) == []


async def test_list_filters_schedules_by_account(store: Store) -> None:
    await store.import_dataset(samples.dataset(), actor="cli")
    events = await store.list(objects.ScheduledEvent, account_id=101)
    assert [e.id for e in events] == [8]
    with pytest.raises(TypeError):
        await store.list(objects.Account, account_id=1)


async def test_list_of_accounts_pages_with_their_child_rows(store: Store) -> None:
    dataset = samples.dataset()
    await store.import_dataset(dataset, actor="cli")
    page = await store.list(objects.Account, after=99, limit=1)
    assert page == [dataset.accounts[0]]


async def test_64_bit_values_round_trip(store: Store) -> None:
    big = 2**63 - 1
    dataset = objects.Dataset(
        account_statuses=(objects.AccountStatus(big, "Active", activates_account=True),),
        services=(objects.Service(big - 1, "fast", download_kbps=big // 1000, upload_kbps=1),),
        radius_groups=(objects.RadiusGroup(big, "g", priority=-(2**63)),),
        accounts=(objects.Account(big, "a", status_id=big, service_ids=(big - 1,)),),
    )
    await store.import_dataset(dataset, actor="cli")
    assert await store.load() == dataset
