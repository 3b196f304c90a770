"""Persistence: SQLAlchemy Core (async) on SQLite by default, Alembic migrations."""

from provisiond.store.audit import AuditEntry
from provisiond.store.errors import SecretKeyError, StoreClosedError, StoreError
from provisiond.store.feed import Change, ChangeFeed, ChangeSubscription
from provisiond.store.store import Store

__all__ = [
    "AuditEntry",
    "Change",
    "ChangeFeed",
    "ChangeSubscription",
    "SecretKeyError",
    "Store",
    "StoreClosedError",
    "StoreError",
]
