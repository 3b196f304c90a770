"""Reboot detection from sysUpTime and byte deltas from queue counters."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provisiond.drivers.snmp_counters import (
    COUNTER32_MODULUS,
    COUNTER64_MODULUS,
    TIMETICKS_MODULUS,
    WRAP_WINDOW_TICKS,
    QueueCounters,
    QueueDelta,
    counter_delta,
    queue_deltas,
    reboot_detected,
)

TOP = TIMETICKS_MODULUS - 1
ticks = st.integers(min_value=0, max_value=TOP)
moduli = st.sampled_from([COUNTER32_MODULUS, COUNTER64_MODULUS])
counter32 = st.integers(min_value=0, max_value=COUNTER32_MODULUS - 1)


@pytest.mark.parametrize(
    ("previous", "current", "rebooted"),
    [
        (0, 0, False),
        (500, 500, False),
        (500, 501, False),
        (0, TOP, False),  # forward is forward, however far
        (500, 499, True),  # back by one tick
        (123_456_789, 4_200, True),
        (TOP, 0, False),  # the wrap itself
        (TOP, WRAP_WINDOW_TICKS - 1, False),  # forward across the wrap == the window
        (TOP, WRAP_WINDOW_TICKS, True),  # one tick more than the window
        (TIMETICKS_MODULUS - WRAP_WINDOW_TICKS, 0, False),  # back by 2**32 - window
        (TIMETICKS_MODULUS - WRAP_WINDOW_TICKS - 1, 0, True),
    ],
)
def test_reboot_detected_edges(previous: int, current: int, *, rebooted: bool) -> None:
    assert reboot_detected(previous, current) is rebooted


def test_reboot_detected_with_no_window_takes_every_step_back_for_a_reboot() -> None:
    assert reboot_detected(TOP, 0, wrap_window_ticks=0)
    assert not reboot_detected(TOP, TOP, wrap_window_ticks=0)


@pytest.mark.parametrize(
    ("previous", "current", "window"),
    [(-1, 0, 0), (0, TIMETICKS_MODULUS, 0), (0, 0, -1), (0, 0, TIMETICKS_MODULUS)],
)
def test_reboot_detected_rejects_values_a_timeticks_cannot_hold(
    previous: int, current: int, window: int
) -> None:
    with pytest.raises(ValueError, match="must be in"):
        reboot_detected(previous, current, wrap_window_ticks=window)


@given(previous=ticks, elapsed=st.integers(min_value=0, max_value=WRAP_WINDOW_TICKS))
def test_uptime_running_on_is_never_a_reboot(previous: int, elapsed: int) -> None:
    assert not reboot_detected(previous, (previous + elapsed) % TIMETICKS_MODULUS)


@given(previous=ticks, since_boot=ticks)
def test_reboot_is_detected_unless_the_old_uptime_was_within_the_window_of_a_wrap(
    previous: int, since_boot: int
) -> None:
    if since_boot < previous and previous - since_boot < TIMETICKS_MODULUS - WRAP_WINDOW_TICKS:
        assert reboot_detected(previous, since_boot)


@pytest.mark.parametrize(
    ("previous", "current", "modulus", "reset", "delta"),
    [
        (100, 150, COUNTER64_MODULUS, False, 50),
        (150, 150, COUNTER64_MODULUS, False, 0),
        (150, 40, COUNTER64_MODULUS, False, 40),  # 64-bit back: a reset, counted from zero
        (COUNTER64_MODULUS - 1, 0, COUNTER64_MODULUS, False, 0),
        (COUNTER32_MODULUS - 10, 5, COUNTER32_MODULUS, False, 15),  # 32-bit back: a wrap
        (150, 40, COUNTER32_MODULUS, True, 40),  # a known reset is no wrap
        (100, 150, COUNTER64_MODULUS, True, 150),  # reset and already past the old value
        (0, 0, COUNTER64_MODULUS, True, 0),
    ],
)
def test_counter_delta_cases(
    previous: int,
    current: int,
    modulus: int,
    *,
    reset: bool,
    delta: int,
) -> None:
    assert counter_delta(previous, current, modulus=modulus, reset=reset) == delta


@pytest.mark.parametrize(
    ("previous", "current", "modulus"),
    [(-1, 0, COUNTER64_MODULUS), (0, COUNTER32_MODULUS, COUNTER32_MODULUS), (0, 0, 1)],
)
def test_counter_delta_rejects_values_the_counter_cannot_hold(
    previous: int, current: int, modulus: int
) -> None:
    with pytest.raises(ValueError, match="must be"):
        counter_delta(previous, current, modulus=modulus)


@st.composite
def counter_reads(draw: st.DrawFn) -> tuple[int, int, int]:
    modulus = draw(moduli)
    return modulus, draw(st.integers(0, modulus - 1)), draw(st.integers(0, modulus - 1))


@given(reads=counter_reads(), reset=st.booleans())
def test_counter_delta_is_never_negative_nor_beyond_the_counter(
    reads: tuple[int, int, int],
    *,
    reset: bool,
) -> None:
    modulus, previous, current = reads
    assert 0 <= counter_delta(previous, current, modulus=modulus, reset=reset) < modulus


@given(previous=counter32, counted=counter32)
def test_counter32_delta_is_wrap_consistent(previous: int, counted: int) -> None:
    current = (previous + counted) % COUNTER32_MODULUS
    assert counter_delta(previous, current, modulus=COUNTER32_MODULUS) == counted


@given(previous=st.integers(0, COUNTER64_MODULUS - 1), counted=st.integers(0, 2**48))
def test_counter64_delta_counts_what_was_added(previous: int, counted: int) -> None:
    current = previous + counted
    if current < COUNTER64_MODULUS:
        assert counter_delta(previous, current) == counted


@given(reads=counter_reads())
def test_counter_delta_after_a_reset_is_the_new_value(reads: tuple[int, int, int]) -> None:
    modulus, previous, current = reads
    assert counter_delta(previous, current, modulus=modulus, reset=True) == current


@given(
    first=counter32,
    steps=st.lists(counter32, max_size=8),
)
def test_counter32_deltas_add_up_across_any_number_of_wraps(first: int, steps: list[int]) -> None:
    reads = [first]
    for step in steps:
        reads.append((reads[-1] + step) % COUNTER32_MODULUS)
    total = sum(
        counter_delta(before, after, modulus=COUNTER32_MODULUS)
        for before, after in itertools.pairwise(reads)
    )
    assert total == sum(steps)


def counters(download: int, upload: int) -> QueueCounters:
    return QueueCounters(download_bytes=download, upload_bytes=upload)


def test_queue_deltas_per_queue_and_direction() -> None:
    previous = {"provisiond-1": counters(1_000, 100), "provisiond-2": counters(50, 5)}
    current = {"provisiond-1": counters(1_500, 130), "provisiond-2": counters(50, 5)}

    assert queue_deltas(previous, current) == {
        "provisiond-1": QueueDelta(download_bytes=500, upload_bytes=30),
        "provisiond-2": QueueDelta(download_bytes=0, upload_bytes=0),
    }


def test_queue_deltas_count_a_new_queue_from_zero_and_drop_a_removed_one() -> None:
    previous = {"gone": counters(9, 9)}
    current = {"new": counters(70, 7)}

    assert queue_deltas(previous, current) == {"new": QueueDelta(download_bytes=70, upload_bytes=7)}


def test_queue_deltas_after_a_reboot_count_from_zero() -> None:
    previous = {"q": counters(10_000, 1_000)}
    current = {"q": counters(20_000, 10)}  # download climbed past the old value already

    assert queue_deltas(previous, current, reset=True) == {
        "q": QueueDelta(download_bytes=20_000, upload_bytes=10)
    }


def test_queue_deltas_of_a_recreated_queue_count_from_zero() -> None:
    assert queue_deltas({"q": counters(10_000, 1_000)}, {"q": counters(300, 20)}) == {
        "q": QueueDelta(download_bytes=300, upload_bytes=20)
    }


@given(
    previous=st.dictionaries(
        st.sampled_from(["a", "b", "c"]),
        st.builds(counters, st.integers(0, COUNTER64_MODULUS - 1), st.integers(0, 2**40)),
    ),
    current=st.dictionaries(
        st.sampled_from(["a", "b", "d"]),
        st.builds(counters, st.integers(0, COUNTER64_MODULUS - 1), st.integers(0, 2**40)),
    ),
    reset=st.booleans(),
)
def test_queue_deltas_are_bounded_and_cover_exactly_the_current_queues(
    previous: dict[str, QueueCounters],
    current: dict[str, QueueCounters],
    *,
    reset: bool,
) -> None:
    deltas = queue_deltas(previous, current, reset=reset)

    assert deltas.keys() == current.keys()
    for name, delta in deltas.items():
        # A 64-bit counter never wraps, so no interval can count more than it shows.
        assert 0 <= delta.download_bytes <= current[name].download_bytes
        assert 0 <= delta.upload_bytes <= current[name].upload_bytes
