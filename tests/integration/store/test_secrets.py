"""Secrets at rest: AES-GCM with the configured key, checked when the store opens."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from provisiond.model import objects
from provisiond.model.secret import Secret
from provisiond.store import SecretKeyError, Store, StoreError, tables
from tests.integration.store import samples

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from provisiond.runtime.clock import FakeClock

KEY = Secret("0123456789abcdef-store-key")
PASSWORD = b"alice-password-value"
TRIGGER_SECRET = b"trigger-secret-value"


def _raw(db_url: str) -> bytes:
    """The database file and its WAL and shared-memory files, as bytes."""
    path = Path(db_url.removeprefix("sqlite:///"))
    siblings = (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
    return b"".join(p.read_bytes() for p in siblings if p.exists())


async def _open(db_url: str, clock: FakeClock, key: Secret | None) -> Store:
    return await Store.open(db_url, clock=clock, secret_key=key)


async def test_the_file_holds_no_secret_and_the_key_reads_them_back(
    db_url: str, clock: FakeClock
) -> None:
    store = await _open(db_url, clock, KEY)
    try:
        await store.import_dataset(samples.dataset(), actor="cli")
        assert PASSWORD not in _raw(db_url)
        assert TRIGGER_SECRET not in _raw(db_url)
    finally:
        await store.close()
    assert PASSWORD not in _raw(db_url)
    store = await _open(db_url, clock, KEY)
    try:
        assert await store.load() == samples.dataset()
    finally:
        await store.close()


async def test_without_a_key_secrets_are_stored_as_they_are(db_url: str, clock: FakeClock) -> None:
    store = await _open(db_url, clock, None)
    try:
        await store.import_dataset(samples.dataset(), actor="cli")
        assert PASSWORD in _raw(db_url)
    finally:
        await store.close()


async def test_an_encrypted_store_does_not_open_without_its_key(
    db_url: str, clock: FakeClock
) -> None:
    store = await _open(db_url, clock, KEY)
    await store.import_dataset(samples.dataset(), actor="cli")
    await store.close()
    with pytest.raises(SecretKeyError, match="secret_key_file"):
        await _open(db_url, clock, None)
    with pytest.raises(StoreError, match="not the one"):
        await _open(db_url, clock, Secret("another key"))


async def test_a_damaged_value_is_found_at_open(db_url: str, clock: FakeClock) -> None:
    store = await _open(db_url, clock, KEY)
    await store.import_dataset(samples.dataset(), actor="cli")
    await store.close()
    reopened = await _open(db_url, clock, KEY)

    async def damage(conn: AsyncConnection) -> None:
        await conn.execute(sa.update(tables.triggers).values(secret="v1:AAAA"))

    try:
        await reopened.write(damage)
    finally:
        await reopened.close()
    with pytest.raises(SecretKeyError, match=r"triggers\.secret"):
        await _open(db_url, clock, KEY)


async def test_a_key_added_later_encrypts_what_is_stored(db_url: str, clock: FakeClock) -> None:
    store = await _open(db_url, clock, None)
    await store.import_dataset(samples.dataset(), actor="cli")
    await store.close()
    assert PASSWORD in _raw(db_url)
    store = await _open(db_url, clock, KEY)
    try:
        assert PASSWORD not in _raw(db_url)
        assert TRIGGER_SECRET not in _raw(db_url)
        assert await store.load() == samples.dataset()
        alice = await store.get(objects.Account, 100)
        assert alice.radius_accounts[0].password == Secret(PASSWORD.decode())
    finally:
        await store.close()
    with pytest.raises(SecretKeyError):
        await _open(db_url, clock, None)
