from __future__ import annotations

import pytest

from provisiond.store.engine import resolve_url
from provisiond.store.errors import StoreError


@pytest.mark.parametrize(
    ("configured", "database"),
    [
        ("sqlite:////var/lib/provisiond/provisiond.db", "/var/lib/provisiond/provisiond.db"),
        ("sqlite:///relative.db", "relative.db"),
        ("sqlite+pysqlite:///relative.db", "relative.db"),
    ],
)
def test_sqlite_urls_use_aiosqlite(configured: str, database: str) -> None:
    url = resolve_url(configured)
    assert url.drivername == "sqlite+aiosqlite"
    assert url.database == database


def test_postgresql_needs_asyncpg() -> None:
    with pytest.raises(StoreError, match="asyncpg"):
        resolve_url("postgresql://user@db.example/provisiond")


@pytest.mark.parametrize("configured", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_store_is_refused(configured: str) -> None:
    with pytest.raises(StoreError, match="file path"):
        resolve_url(configured)
