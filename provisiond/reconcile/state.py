"""What a device worker knows about its device, and the state the status API shows (§7).

Pure bookkeeping, with time passed in. The state is derived from a few facts rather than
set directly, so two of them at once (a held plan on a device that then goes down)
resolve the same way every time:

1. `unreachable`: a temporary error (refused, dropped, timed out) not yet recovered from;
2. `error`: a permanent error (login refused, certificate, unreadable reply);
3. `syncing`: the device's entries are not known to be converged: before the first
   complete sync, and after a failure, a surprise or a reboot until the full resync that
   follows completes. Incremental passes and periodic verification of a converged device
   do not flip it to `syncing`, so `/readyz` does not flap under a stream of changes;
4. `error`: changes the device refused with a trap (retried at the next full resync);
5. `held`: removals held back by the mass-removal rule until approved;
6. `in_sync`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime


class DeviceState(StrEnum):
    IN_SYNC = "in_sync"
    SYNCING = "syncing"
    UNREACHABLE = "unreachable"
    HELD = "held"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """One item of `GET /api/v1/devices` (DESIGN.md §7)."""

    name: str
    platform: str
    state: DeviceState
    last_sync_at: datetime | None
    pending_changes: int
    owned_entries: int
    blocked_entries: int
    last_error: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "platform": self.platform,
            "state": str(self.state),
            "last_sync_at": None if self.last_sync_at is None else self.last_sync_at.isoformat(),
            "pending_changes": self.pending_changes,
            "owned_entries": self.owned_entries,
            "blocked_entries": self.blocked_entries,
            "last_error": self.last_error,
        }


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    """`device.unreachable` (with the error) or `device.recovered`: the §6 trigger events,
    emitted once per outage, exactly when its start and its end are logged."""

    device: str
    event: str
    error: str | None
    at: datetime


UNREACHABLE_EVENT = "device.unreachable"
RECOVERED_EVENT = "device.recovered"


class Health:
    """The facts behind a device's state; `now` is monotonic seconds throughout."""

    def __init__(self, now: float) -> None:
        self.converged = False
        self.syncing_since = now
        self.outage_since: float | None = None
        self.failure: str | None = None  # a permanent error
        self.refused: str | None = None  # the first change the device refused
        self.held = False
        self.last_error: str | None = None
        self.last_sync_at: datetime | None = None
        self.pending = 0
        self.owned = 0
        self.blocked = 0

    @property
    def state(self) -> DeviceState:
        if self.outage_since is not None:
            return DeviceState.UNREACHABLE
        if self.failure is not None:
            return DeviceState.ERROR
        if not self.converged:
            return DeviceState.SYNCING
        if self.refused is not None:
            return DeviceState.ERROR
        return DeviceState.HELD if self.held else DeviceState.IN_SYNC

    def unsettle(self, now: float) -> None:
        """The mirror went stale: the device is syncing again until a full resync ends."""
        if self.converged:
            self.converged = False
            self.syncing_since = now

    def lost(self, error: str, now: float) -> bool:
        """A temporary error; True when it starts an outage (the one to log)."""
        self.last_error = error
        self.unsettle(now)
        if self.outage_since is not None:
            return False
        self.outage_since = now
        return True

    def reached(self, now: float) -> float | None:
        """The device answered; the outage's length when this ends one (the one to log)."""
        since, self.outage_since = self.outage_since, None
        return None if since is None else now - since

    def broken(self, error: str, now: float) -> bool:
        """A permanent error; True when it is a new one (the one to log)."""
        self.outage_since = None
        self.last_error = error
        self.unsettle(now)
        new = self.failure != error
        self.failure = error
        return new

    def synced(self, at: datetime, *, full: bool, refused: str | None) -> None:
        """A pass completed; a full one (re)establishes convergence and clears old errors."""
        self.last_sync_at = at
        if refused is not None:
            self.refused = refused
            self.last_error = refused
        if full:
            self.converged = True
            self.failure = None
            self.refused = refused
            self.last_error = refused

    def ready(self, now: float, timeout: float) -> bool:
        """§7 `/readyz`: not still syncing, or syncing for longer than `timeout` seconds."""
        return self.state is not DeviceState.SYNCING or now - self.syncing_since > timeout
