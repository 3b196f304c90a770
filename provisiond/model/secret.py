"""A value that must never reach a log, a repr or a response."""

from __future__ import annotations

import hmac
from typing import Final

_REDACTED: Final = "<secret>"


class Secret:
    """Wraps a secret string; `str()` and `repr()` never show it.

    Read the value only where it is used on the wire (`reveal()`), so a grep for
    `reveal(` finds every place a secret leaves the process.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def matches(self, candidate: str) -> bool:
        """Constant-time comparison, so a timing probe learns nothing."""
        return hmac.compare_digest(self._value.encode(), candidate.encode())

    def __repr__(self) -> str:
        return f"Secret({_REDACTED})"

    def __str__(self) -> str:
        return _REDACTED

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would write the value somewhere we do not control.
        raise TypeError("a Secret cannot be pickled")
