"""The store's exception root (STYLE §6): storage failures, not data errors.

Data errors (a duplicate name, an unknown id) are `provisiond.model.errors` values
carrying the field; `StoreError` is for what the data cannot fix: the database is
unreachable or corrupt, a driver is missing, the secret key is absent or wrong.
SQLAlchemy and aiosqlite errors are translated into it at the boundary with
`raise ... from exc`, so callers never import a database library to catch one.
"""

from __future__ import annotations


class StoreError(Exception):
    """A storage failure; the message says what to fix."""


class SecretKeyError(StoreError):
    """The store's encrypted secrets cannot be read with the configured key (or none)."""


class StoreClosedError(StoreError):
    """A write was submitted after `Store.close()` began."""
