"""How often a worker retries and checks, and how it tells that a device rebooted.

`ReconcileSettings` (DESIGN.md §2) fixes the resync interval and the hold; the rest are
these documented defaults, which tests shrink:

- while a device is unreachable, reconnects back off exponentially with jitter
  (tenacity's `wait_exponential_jitter`: 1 s, 2 s, 4 s … capped at 60 s, each plus up to
  1 s of jitter), at most `attempts` per round. A round that fails leaves the device
  `unreachable` until the next `resync_interval`, an admin's sync or a reboot seen by
  SNMP; notifications alone do not start a round, so a dead router is not hammered once
  per change. A device's own retry hint (`TemporaryDriverError.delay`) overrides a wait;
- a cheap reboot check (one `/system/resource` print) runs every `uptime_interval`
  while connected, on top of the check every full resync makes;
- surprises found by a full resync (an add that finds its key taken, a remove that
  finds nothing) schedule another at once, at most `follow_ups` times in a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from provisiond.drivers import TemporaryDriverError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from tenacity import RetryCallState

REBOOT_SLACK: Final = 2.0  # seconds: uptimes are printed in whole seconds
REBOOT_DRIFT: Final = 0.01  # of the elapsed time: clocks drift a little apart


@dataclass(frozen=True, slots=True)
class Timing:
    """Seconds, except `attempts` and `follow_ups` (counts)."""

    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    backoff_jitter: float = 1.0
    attempts: int = 8
    uptime_interval: float = 30.0
    follow_ups: int = 2


DEFAULT_TIMING: Final = Timing()


def retrying(
    timing: Timing,
    *,
    sleep: Callable[[float], Awaitable[None]],
    before_sleep: Callable[[RetryCallState], None],
) -> AsyncRetrying:
    """One bounded round of attempts; only temporary driver errors are retried, and the
    last one is re-raised as itself (no `RetryError` wrapper)."""
    backoff = wait_exponential_jitter(
        multiplier=timing.backoff_initial, max=timing.backoff_max, jitter=timing.backoff_jitter
    )

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        hint = error.delay if isinstance(error, TemporaryDriverError) else None
        return hint if hint is not None else float(backoff(state))

    return AsyncRetrying(
        sleep=sleep,
        stop=stop_after_attempt(timing.attempts),
        wait=wait,
        retry=retry_if_exception_type(TemporaryDriverError),
        reraise=True,
        before_sleep=before_sleep,
    )


@dataclass(frozen=True, slots=True)
class Uptime:
    """A device's uptime (`seconds`) as read at `at` (our monotonic clock)."""

    seconds: float
    at: float


def rebooted(before: Uptime, after: Uptime) -> bool:
    """The uptime went back: it is lower than the earlier reading plus the time between
    the two readings, by more than print rounding and clock drift explain."""
    elapsed = max(0.0, after.at - before.at)
    expected = before.seconds + elapsed
    return after.seconds + REBOOT_SLACK + REBOOT_DRIFT * elapsed < expected
