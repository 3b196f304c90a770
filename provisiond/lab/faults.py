"""Fault knobs of a lab router, settable while it runs.

Pure bookkeeping: the session asks these objects what to do; it does the sleeping and
the closing itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Mapping

    from provisiond.lab.device import Command

Direction = Literal["received", "sent"]


@dataclass
class Injection:
    """A trap (or `!fatal`) the next matching commands get instead of running.

    `where` matches property words exactly as sent (`{"list": "blocked"}`); `times=None`
    keeps the injection for good.
    """

    message: str
    path: str | None = None
    verb: str | None = None
    where: Mapping[str, str] = field(default_factory=dict)
    category: int | None = None
    fatal: bool = False
    times: int | None = 1

    def matches(self, command: Command) -> bool:
        if self.path is not None and command.path != self.path:
            return False
        if self.verb is not None and command.verb != self.verb:
            return False
        return all(command.attrs.get(k) == v for k, v in self.where.items())


class Faults:
    """Latency, write cost, drops, refusals and injected traps of one lab router.

    - `latency`: seconds every command waits before it runs (its round trip, on top of
      the network's); tagged commands wait concurrently.
    - `write_time`: seconds each write (add, set, remove, …) occupies the router's single
      writer, so writes from all connections queue behind each other, as on a router CPU
      that applies changes one at a time. Accounted in virtual time, so 50 µs is honoured
      on average even though the event loop cannot sleep that briefly.
    - `max_in_flight`: commands one connection may have running; further sentences are
      not read until one finishes (None: no limit).
    - `refuse`: close every new connection right after accepting it.
    """

    latency: float
    write_time: float
    max_in_flight: int | None
    refuse: bool
    injections: list[Injection]

    def __init__(self) -> None:
        self._drop: dict[Direction, int | None] = {}
        self._busy_until = 0.0
        self.clear()

    def clear(self) -> None:
        """Back to a healthy router."""
        self.latency = 0.0
        self.write_time = 0.0
        self.max_in_flight = None
        self.refuse = False
        self.injections = []
        self._drop = {"received": None, "sent": None}

    def drop_after(self, sentences: int | None, *, count: Direction = "received") -> None:
        """Abort the connection that receives (or sends) the sentence after the next
        `sentences` ones, counted over all connections; then the fault disarms.
        None disarms it now."""
        self._drop[count] = sentences

    def should_drop(self, direction: Direction) -> bool:
        """Count one sentence; True when it is the one that must not get through."""
        left = self._drop[direction]
        if left is None:
            return False
        if left == 0:
            self._drop[direction] = None
            return True
        self._drop[direction] = left - 1
        return False

    def take_injection(self, command: Command) -> Injection | None:
        for injection in self.injections:
            if injection.matches(command):
                self._use(injection)
                return injection
        return None

    def _use(self, injection: Injection) -> None:
        if injection.times is None:
            return
        injection.times -= 1
        if injection.times <= 0:
            self.injections.remove(injection)

    def reserve_write(self, now: float) -> float:
        """Book the router's writer for one write; the seconds until that write is done."""
        start = max(now, self._busy_until)
        self._busy_until = start + self.write_time
        return self._busy_until - now
