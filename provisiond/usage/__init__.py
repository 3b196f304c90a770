"""Usage accounting: billable and free bytes per account and month, caps, thresholds
(DESIGN.md §6; docs/usage.md)."""

from provisiond.usage.errors import IntervalError, UsageError
from provisiond.usage.service import UsageService
from provisiond.usage.split import Split, allocate, combined

__all__ = ["IntervalError", "Split", "UsageError", "UsageService", "allocate", "combined"]
