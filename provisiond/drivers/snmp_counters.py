"""Pure arithmetic on SNMP counters: reboot detection and byte deltas between two polls.

No I/O: the poller (`provisiond.drivers.snmp`) reads the values, the reconciler and the
usage accounting call these with what it read. docs/snmp.md states the same rules for
operators.

sysUpTime is a 32-bit TimeTicks counter (hundredths of a second) that wraps every
2**32 / 100 s, about 497 days. A value that went back is either that wrap or a restart
of the router (or of its SNMP agent); `reboot_detected` tells them apart by how far it
went back. The simple-queue byte counters are Counter64: at 100 Gbit/s one wraps after
46 years, so a 64-bit counter that went back was reset (the queue was re-created or the
router rebooted), never wrapped. A 32-bit counter does wrap in practice (34 s at
1 Gbit/s), so a decrease of one is taken as a wrap unless the caller knows of a reset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Mapping

TIMETICKS_MODULUS: Final = 2**32
COUNTER32_MODULUS: Final = 2**32
COUNTER64_MODULUS: Final = 2**64
TICKS_PER_SECOND: Final = 100
_MIN_MODULUS: Final = 2  # a counter needs at least two values

WRAP_WINDOW_TICKS: Final = 86_400 * TICKS_PER_SECOND
"""How far past a wrap sysUpTime may be and still count as wrapped: one day.

It must exceed the longest gap between two polls of a device. A smaller window errs
towards "rebooted", which costs one needless full resync; a larger one would take the
reboot of a router that had been up for over 497 days less the window for a wrap.
"""


@dataclass(frozen=True, slots=True)
class QueueCounters:
    """One simple queue's byte counters as read (absolute, since the queue's creation).

    `download_bytes` went toward the subscriber (the queue's target), `upload_bytes`
    came from it: DESIGN.md §6's `in` and `out`.
    """

    download_bytes: int
    upload_bytes: int


@dataclass(frozen=True, slots=True)
class QueueDelta:
    """Bytes one simple queue passed between two polls, in each direction."""

    download_bytes: int
    upload_bytes: int


def reboot_detected(
    previous_ticks: int, current_ticks: int, *, wrap_window_ticks: int = WRAP_WINDOW_TICKS
) -> bool:
    """True when sysUpTime went back by less than a counter wrap explains.

    Going forward (or standing still) is never a reboot. Going back, the counter is taken
    to have wrapped when the distance forward across the wrap,
    `(current - previous) mod 2**32`, is at most `wrap_window_ticks`: `previous` was
    within the window of 2**32 and `current` is just past zero. Any other step back is
    a reboot. So 4294967295 → 0 is a wrap, 500 → 499 is a reboot.
    """
    _check_range(previous_ticks, TIMETICKS_MODULUS, "previous_ticks")
    _check_range(current_ticks, TIMETICKS_MODULUS, "current_ticks")
    if not 0 <= wrap_window_ticks < TIMETICKS_MODULUS:
        raise ValueError(f"wrap_window_ticks must be in [0, 2**32): {wrap_window_ticks}")
    if current_ticks >= previous_ticks:
        return False
    forward_across_wrap = (current_ticks - previous_ticks) % TIMETICKS_MODULUS
    return forward_across_wrap > wrap_window_ticks


def counter_delta(
    previous: int, current: int, *, modulus: int = COUNTER64_MODULUS, reset: bool = False
) -> int:
    """What a counter counted between two reads; never negative.

    - `reset` (the caller saw the device reboot): the counter restarted from zero, so
      everything it shows now was counted since; even when it is above `previous`.
    - Forward: the difference.
    - Back, 64-bit: a reset (see the module docstring); the new value, from zero.
    - Back, 32-bit or narrower: a wrap; the distance forward across it.

    After a reset the bytes between the previous read and the reset are lost: nothing on
    the device remembers them. Counting the new value rather than zero keeps what can be
    known.
    """
    if modulus < _MIN_MODULUS:
        raise ValueError(f"modulus must be at least 2: {modulus}")
    _check_range(previous, modulus, "previous")
    _check_range(current, modulus, "current")
    if reset:
        return current
    if current >= previous:
        return current - previous
    if modulus > COUNTER32_MODULUS:
        return current
    return (current - previous) % modulus


def queue_deltas(
    previous: Mapping[str, QueueCounters],
    current: Mapping[str, QueueCounters],
    *,
    reset: bool = False,
    modulus: int = COUNTER64_MODULUS,
) -> dict[str, QueueDelta]:
    """Per-queue bytes between two polls of one device, keyed by queue name.

    `previous` must be a real earlier poll: the first poll after start-up is only a
    baseline. A queue missing from `previous` was created since, so it counts from zero;
    a queue missing from `current` was removed and yields nothing. `reset` is
    `reboot_detected(...)` for the same two polls.
    """
    deltas: dict[str, QueueDelta] = {}
    for name, now in current.items():
        before = previous.get(name, QueueCounters(download_bytes=0, upload_bytes=0))
        deltas[name] = QueueDelta(
            download_bytes=counter_delta(
                before.download_bytes, now.download_bytes, modulus=modulus, reset=reset
            ),
            upload_bytes=counter_delta(
                before.upload_bytes, now.upload_bytes, modulus=modulus, reset=reset
            ),
        )
    return deltas


def _check_range(value: int, modulus: int, what: str) -> None:
    if not 0 <= value < modulus:
        raise ValueError(f"{what} must be in [0, {modulus}): {value}")
