"""Durations in the config: seconds as a number, or a string such as `"5m"` or `"12m30s"`.

Parts must come largest unit first and each unit at most once, so `"30s5m"` (likely a
typo) is refused rather than guessed at. Every duration is held as float seconds.
"""

from __future__ import annotations

import math
import re
from typing import Final

UNIT_SECONDS: Final = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
_EXPECTED: Final = (
    'expected a duration: seconds, or a string like "30s", "5m", "4h", "1d", "12m30s"'
)
_UNITS_HINT: Final = 'units d, h, m, s, largest first, e.g. "1h30m" or "90s"'

# One group per unit, in descending order; each optional, at least one checked below.
_COMPOUND: Final = re.compile(
    r"(?:(?P<d>\d+(?:\.\d+)?)d)?(?:(?P<h>\d+(?:\.\d+)?)h)?"
    r"(?:(?P<m>\d+(?:\.\d+)?)m)?(?:(?P<s>\d+(?:\.\d+)?)s)?"
)


class DurationError(ValueError):
    """The value is not a duration; the message says what is accepted."""


def parse_duration(value: object) -> float:
    """Seconds from an int/float (>= 0) or a unit string; bools are refused, not 0/1."""
    if isinstance(value, bool):
        raise DurationError(_EXPECTED + ", got boolean")
    if isinstance(value, int | float):
        return _check_number(float(value))
    if isinstance(value, str):
        return _parse_text(value)
    raise DurationError(_EXPECTED + f", got {type(value).__name__}")


def _check_number(seconds: float) -> float:
    if not math.isfinite(seconds):
        raise DurationError("must be a finite number of seconds")
    if seconds < 0:
        raise DurationError("must not be negative")
    return seconds


def _parse_text(text: str) -> float:
    match = _COMPOUND.fullmatch(text)
    if not text or match is None:
        raise DurationError(f"{text!r} is not a duration ({_UNITS_HINT})")
    return sum(
        float(amount) * UNIT_SECONDS[unit]
        for unit, amount in match.groupdict().items()
        if amount is not None
    )
