"""Lab: an in-process RouterOS API emulator for tests, `provisiond lab` and `make run`."""

from __future__ import annotations

from provisiond.lab.errors import CommandError, LabError, WireError
from provisiond.lab.server import LabRouter, LabStats

__all__ = ["CommandError", "LabError", "LabRouter", "LabStats", "WireError"]
