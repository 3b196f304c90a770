"""The `Driver` protocol the reconciler programs against, and per-platform capabilities.

A driver is the only code that talks to a device (DESIGN.md §8). It observes the entries
of one menu, applies a batch of `plan.Change`s and reads the uptime; the reconciler decides
what to change and when. Every failure is a `DriverError` (`provisiond.drivers.errors`).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from provisiond.drivers.outcomes import ApplyResult
    from provisiond.model.device_state import ObservedEntry
    from provisiond.plan import Change


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a platform can do, declared as data (STYLE.md §5.5), not found out by `if`s.

    - `pipeline_depth`: commands one connection may have in flight (1 = one at a time).
    - `batch_size`: changes sent per command (the console runs several per round trip;
      the API sends one per tagged command and pipelines them instead).
    - `supports_empty_reply`: the platform may answer an empty print with `!empty`
      (RouterOS ≥ 7.18 over the API); the driver must skip it.
    """

    pipeline_depth: int = 1
    batch_size: int = 1
    supports_empty_reply: bool = False


class Driver(Protocol):
    """One managed device.

    `connect()` logs in (again, after a failure); `close()` ends the connection and leaves
    no task behind. `observe(path, lists=)` returns every entry of a managed menu, values
    normalised; address lists are printed one list at a time (`lists` is required for
    them). `apply(changes)` sends the changes in the order given and reports each one.
    `uptime()` is the device's uptime in seconds: when it goes back, the device rebooted.
    """

    @property
    def capabilities(self) -> Capabilities: ...

    async def connect(self) -> None: ...

    async def close(self) -> None: ...

    async def observe(
        self, path: str, *, lists: Sequence[str] | None = None
    ) -> list[ObservedEntry]: ...

    async def apply(self, changes: Sequence[Change]) -> ApplyResult: ...

    async def uptime(self) -> float: ...


D = TypeVar("D", bound=Driver)


@contextlib.asynccontextmanager
async def connected(driver: D) -> AsyncIterator[D]:
    """`async with connected(driver) as d:` connects, and closes however the block ends."""
    await driver.connect()
    try:
        yield driver
    finally:
        await driver.close()
