"""Benchmarks: `make bench` prints one JSON object per line, `{"bench", "value", "unit"}`,
and `"note"` where a figure needs one (e.g. a reference that was skipped)."""

from typing import NamedTuple


class Figure(NamedTuple):
    bench: str
    value: float
    unit: str
    note: str = ""
