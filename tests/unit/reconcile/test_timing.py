"""Reboot detection from uptimes, and the retry round's waits."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from provisiond.drivers import PermanentDriverError, TemporaryDriverError
from provisiond.reconcile.timing import Timing, Uptime, rebooted, retrying

if TYPE_CHECKING:
    from tenacity import AsyncRetrying, RetryCallState


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (Uptime(1000, 0), Uptime(1300, 300), False),  # the uptime kept pace
        (Uptime(1000, 0), Uptime(1299, 300), False),  # printed in whole seconds
        (Uptime(1000, 0), Uptime(5, 300), True),  # went back
        (Uptime(1000, 0), Uptime(999, 0.5), False),  # rounding, not a reboot
        (Uptime(10, 0), Uptime(50, 3600), True),  # rebooted 50 s ago, an hour later
        (Uptime(86_400 * 300, 0), Uptime(86_400 * 300 + 86_000, 86_400), False),  # drift
    ],
)
def test_a_reboot_is_an_uptime_that_went_back(
    before: Uptime, after: Uptime, *, expected: bool
) -> None:
    assert rebooted(before, after) is expected


async def _no_sleep(seconds: float) -> None:
    del seconds


async def _fail_every_time(retry: AsyncRetrying, error: Exception, calls: list[int]) -> None:
    async for state in retry:
        with state:
            calls.append(1)
            raise error


async def _waits(timing: Timing, error: Exception) -> list[float]:
    waits: list[float] = []

    def record(state: RetryCallState) -> None:
        assert state.next_action is not None
        waits.append(state.next_action.sleep)

    retry = retrying(timing, sleep=_no_sleep, before_sleep=record)
    calls: list[int] = []
    with pytest.raises(type(error)):
        await _fail_every_time(retry, error, calls)
    assert len(calls) == (timing.attempts if isinstance(error, TemporaryDriverError) else 1)
    return waits


async def test_temporary_errors_back_off_exponentially_up_to_the_cap() -> None:
    timing = Timing(backoff_initial=1, backoff_max=4, backoff_jitter=0, attempts=5)
    assert await _waits(timing, TemporaryDriverError("refused")) == [1, 2, 4, 4]


async def test_a_hint_from_the_device_overrides_the_wait() -> None:
    timing = Timing(backoff_initial=1, backoff_max=4, backoff_jitter=0, attempts=3)
    assert await _waits(timing, TemporaryDriverError("busy", delay=7.5)) == [7.5, 7.5]


async def test_permanent_errors_are_not_retried() -> None:
    assert await _waits(Timing(attempts=5), PermanentDriverError("login refused")) == []
