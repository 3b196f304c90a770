"""Import: an idempotent upsert by id, all or nothing, checked against the union."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest

from provisiond.model import objects
from provisiond.model.errors import ConflictError, InvalidError
from provisiond.store import kinds
from tests.integration.store import samples

if TYPE_CHECKING:
    from provisiond.store import Store

ALL_ZERO = {spec.name: 0 for spec in kinds.SPECS}


async def test_counts_then_zeros_on_a_second_import(store: Store) -> None:
    dataset = samples.dataset()
    first = await store.import_dataset(dataset, actor="cli")
    assert first == {name: len(getattr(dataset, name)) for name in ALL_ZERO}
    audit_rows = len(await store.events(limit=1000))
    assert await store.import_dataset(dataset, actor="cli") == ALL_ZERO
    assert len(await store.events(limit=1000)) == audit_rows


async def test_counts_only_what_changed(store: Store) -> None:
    dataset = samples.dataset()
    await store.import_dataset(dataset, actor="cli")
    changed = dataclasses.replace(
        dataset,
        account_groups=(dataset.account_groups[0], objects.AccountGroup(2, "South-East")),
        accounts=(*dataset.accounts, objects.Account(102, "Carol", status_id=1)),
    )
    counts = await store.import_dataset(changed, actor="cli")
    assert counts == {**ALL_ZERO, "account_groups": 1, "accounts": 1}
    entries = (await store.events(limit=1000))[-2:]
    assert [(e.action, e.kind, e.object_id) for e in entries] == [
        ("import", "account_groups", 2),
        ("import", "accounts", 102),
    ]
    assert entries[0].before is not None
    assert entries[0].before["name"] == "South"
    assert entries[1].before is None


async def test_an_import_without_secrets_keeps_the_stored_ones(store: Store) -> None:
    dataset = samples.dataset()
    await store.import_dataset(dataset, actor="cli")
    alice = dataset.accounts[0]
    bare_entries = tuple(
        dataclasses.replace(entry, password=None) for entry in alice.radius_accounts
    )
    bare = dataclasses.replace(
        dataset,
        accounts=(dataclasses.replace(alice, radius_accounts=bare_entries), dataset.accounts[1]),
        triggers=(dataclasses.replace(dataset.triggers[0], secret=None),),
    )
    assert await store.import_dataset(bare, actor="cli") == ALL_ZERO
    assert await store.load() == dataset


async def test_a_failing_import_leaves_the_store_unchanged(store: Store) -> None:
    dataset = samples.dataset()
    await store.import_dataset(dataset, actor="cli")
    before = await store.load()
    audit_rows = await store.events(limit=1000)
    broken = dataclasses.replace(
        dataset,
        account_groups=(objects.AccountGroup(1, "Renamed"), objects.AccountGroup(3, "New")),
        accounts=(*dataset.accounts, objects.Account(102, "Carol", status_id=77)),
    )
    with pytest.raises(InvalidError) as caught:
        await store.import_dataset(broken, actor="cli")
    assert caught.value.field == "accounts.2.status_id"
    assert await store.load() == before
    assert await store.events(limit=1000) == audit_rows


async def test_references_may_point_forward_within_the_import(store: Store) -> None:
    dataset = objects.Dataset(
        account_statuses=(objects.AccountStatus(1, "A", activates_account=True),),
        accounts=(
            objects.Account(1, "child", status_id=1, parent_id=2),
            objects.Account(2, "parent", status_id=1),
        ),
    )
    await store.import_dataset(dataset, actor="cli")
    assert (await store.get(objects.Account, 1)).parent_id == 2


async def test_a_username_may_move_between_imported_accounts(store: Store) -> None:
    await store.import_dataset(samples.dataset(), actor="cli")
    dataset = await store.load()
    alice, bob = dataset.accounts
    moved = dataclasses.replace(
        dataset,
        accounts=(
            dataclasses.replace(alice, radius_accounts=alice.radius_accounts[:1]),
            dataclasses.replace(bob, radius_accounts=alice.radius_accounts[1:]),
        ),
    )
    await store.import_dataset(moved, actor="cli")
    assert (await store.get(objects.Account, 101)).radius_accounts == alice.radius_accounts[1:]


@pytest.mark.parametrize(
    ("dataset", "error", "field"),
    [
        (
            objects.Dataset(
                account_groups=(objects.AccountGroup(1, "a"), objects.AccountGroup(2, "a"))
            ),
            ConflictError,
            "account_groups.1.name",
        ),
        (
            objects.Dataset(
                account_groups=(objects.AccountGroup(1, "a"), objects.AccountGroup(1, "b"))
            ),
            InvalidError,
            "account_groups.1.id",
        ),
        (objects.Dataset(account_types=(objects.AccountType(0, "a"),)), InvalidError,
         "account_types.0.id"),
    ],
)  # fmt: skip
async def test_import_errors_name_the_document_path(
    store: Store, dataset: objects.Dataset, error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as caught:
        await store.import_dataset(dataset, actor="cli")
    assert getattr(caught.value, "field", None) == field


async def test_an_imported_name_clashing_with_a_stored_object_conflicts(store: Store) -> None:
    await store.import_dataset(samples.dataset(), actor="cli")
    clash = objects.Dataset(account_groups=(objects.AccountGroup(3, "North"),))
    with pytest.raises(ConflictError) as caught:
        await store.import_dataset(clash, actor="cli")
    assert caught.value.field == "account_groups.0.name"
