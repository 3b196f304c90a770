"""The Disconnect breaker (DESIGN.md §5): a flood of Disconnect-Requests waits for an admin.

A wrong filter, a bad import or a billing glitch can make thousands of accounts
"no longer authorised" at once; sending each a Disconnect would take a whole town
offline in seconds. The breaker counts the Disconnect-Requests sent in the last
`WINDOW` seconds: when one more would exceed both `max_disconnect_fraction` of the live
sessions and `max_disconnect_min`, it is not sent but held for approval. Both limits
must be exceeded, so a small network is not held up by a handful of disconnects and a
large one still gets a proportionate allowance. CoA-Requests (rate changes) are never
held: they change a session without dropping it.

Pure: the caller passes monotonic `now` and the live-session count.
"""

from __future__ import annotations

import collections
from typing import Final

WINDOW: Final = 60.0  # seconds of Disconnect-Requests counted


class DisconnectBreaker:
    def __init__(self, *, max_fraction: float, max_min: int) -> None:
        self._max_fraction = max_fraction
        self._max_min = max_min
        self._sent: collections.deque[float] = collections.deque()
        self.tripped = False  # held one since the window last allowed one: log once

    def configure(self, *, max_fraction: float, max_min: int) -> None:
        """New limits (a reload); the window keeps what was sent."""
        self._max_fraction = max_fraction
        self._max_min = max_min

    def recent(self, now: float) -> int:
        """Disconnect-Requests sent within the window before `now`."""
        sent = self._sent
        while sent and sent[0] <= now - WINDOW:
            sent.popleft()
        return len(sent)

    def allows(self, now: float, *, live: int) -> bool:
        """Whether one more Disconnect may go now, with `live` sessions open.

        A refusal sets `tripped`; an allowance clears it (the burst is over)."""
        count = self.recent(now) + 1
        refused = count > self._max_fraction * live and count > self._max_min
        self.tripped = refused
        return not refused

    def record(self, now: float) -> None:
        """A Disconnect-Request was sent (held ones are not counted: they were not)."""
        self._sent.append(now)
