"""Benchmarks: `make bench` prints one JSON object per line, `{"bench", "value", "unit"}`."""

from typing import NamedTuple


class Figure(NamedTuple):
    bench: str
    value: float
    unit: str
