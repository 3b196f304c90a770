"""Errors about the model's data, shared by schema (payloads) and store (constraints).

Each names the offending field as a dotted path (`radius_accounts.0.username`), so the
API can answer `{"error": {"message", "field"}}` and the CLI can point at the input.
The HTTP status each maps to is fixed by DESIGN.md §7.
"""

from __future__ import annotations


class ModelError(Exception):
    """Root of every data error; `field` is a dotted path or None for the whole input."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidError(ModelError):
    """A value fails validation, or an id names no object (HTTP 422)."""


class ConflictError(ModelError):
    """Duplicate name or username, a second data service, a delete of something in use (409)."""


class NotFoundError(ModelError):
    """The addressed object does not exist (404)."""
