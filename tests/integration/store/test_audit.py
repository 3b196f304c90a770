"""The audit log: every write, with actor and time, secrets only as "<changed>"."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from typing import TYPE_CHECKING

from provisiond.model import objects
from provisiond.model.secret import Secret
from tests.integration.store import samples

if TYPE_CHECKING:
    from provisiond.runtime.clock import FakeClock
    from provisiond.store import AuditEntry, Store

SECRETS = ("alice-password-value", "trigger-secret-value", "new-password")


def _no_secret_in(entries: list[AuditEntry]) -> None:
    text = json.dumps([[e.before, e.after] for e in entries])
    for secret in SECRETS:
        assert secret not in text


async def test_creates_record_actor_time_and_changed_secrets(
    store: Store, clock: FakeClock
) -> None:
    dataset = samples.dataset()
    await store.create(dataset.account_statuses[0], actor="alice")
    await clock.advance(60)
    await store.create(dataset.triggers[0], actor="alice")
    entries = await store.events()
    assert [(e.id, e.actor, e.action, e.kind, e.object_id) for e in entries] == [
        (1, "alice", "create", "account_statuses", 1),
        (2, "alice", "create", "triggers", 1),
    ]
    assert entries[1].at - entries[0].at == timedelta(seconds=60)
    assert entries[1].before is None
    assert entries[1].after is not None
    assert entries[1].after["secret"] == "<changed>"
    _no_secret_in(entries)


async def test_password_changes_are_marked_per_entry(store: Store) -> None:
    await store.import_dataset(samples.dataset(), actor="cli")
    alice = await store.get(objects.Account, 100)
    renamed = dataclasses.replace(alice, name="Alice B.")
    await store.update(renamed, actor="admin")
    new_password = dataclasses.replace(alice.radius_accounts[0], password=Secret("new-password"))
    await store.update(
        dataclasses.replace(renamed, radius_accounts=(new_password, *alice.radius_accounts[1:])),
        actor="admin",
    )
    rename, repassword = (await store.events(limit=1000))[-2:]
    assert rename.after is not None
    assert repassword.after is not None
    assert [entry.get("password") for entry in rename.after["radius_accounts"]] == [None, None]
    assert [entry.get("password") for entry in repassword.after["radius_accounts"]] == [
        "<changed>",
        None,
    ]
    _no_secret_in(await store.events(limit=1000))


async def test_an_unchanged_update_writes_no_audit_row(store: Store) -> None:
    await store.import_dataset(samples.dataset(), actor="cli")
    count = len(await store.events(limit=1000))
    alice = await store.get(objects.Account, 100)
    assert await store.update(alice, actor="admin") == alice
    assert len(await store.events(limit=1000)) == count


async def test_deleting_an_account_audits_its_schedules_too(store: Store) -> None:
    await store.import_dataset(samples.dataset(), actor="cli")
    await store.delete(objects.Account, 100, actor="admin")
    entries = (await store.events(limit=1000))[-3:]
    assert [(e.action, e.kind, e.object_id) for e in entries] == [
        ("delete", "scheduled_events", 7),
        ("delete", "vacations", 3),
        ("delete", "accounts", 100),
    ]
    assert all(e.after is None and e.before is not None for e in entries)
    _no_secret_in(entries)


async def test_events_page_by_id(store: Store) -> None:
    await store.import_dataset(samples.dataset(), actor="cli")
    first = await store.events(limit=4)
    rest = await store.events(after=first[-1].id, limit=1000)
    assert [e.id for e in first + rest] == list(range(1, len(first) + len(rest) + 1))
    assert await store.events(after=rest[-1].id) == []
