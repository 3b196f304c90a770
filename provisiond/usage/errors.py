"""The usage package's one exception root."""

from __future__ import annotations


class UsageError(Exception):
    """Root of the errors of usage accounting."""


class IntervalError(UsageError, ValueError):
    """Traffic that cannot be placed in time: a naive datetime, an end before its start,
    or a negative byte count."""
