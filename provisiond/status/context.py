"""What the API handlers need from the daemon, bundled so `status` never imports `app`.

The composition root builds one `ApiContext` and hands it to `StatusServer`. Everything in
it is a value or a callable the daemon owns: the engine is behind a callable because a
config reload rebuilds it, and readiness is asked on every `/readyz` because it changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping, Sequence

    from provisiond.model.clock import Clock
    from provisiond.policy.engine import PolicyEngine
    from provisiond.store import Store

Readiness: TypeAlias = "tuple[bool, Sequence[str]]"
"""`(ready, devices still syncing)`: `/readyz` answers 200, or 503 naming the devices."""

DeviceRow: TypeAlias = "Mapping[str, Any]"
"""One item of `GET /api/v1/devices` (DESIGN.md §7): plain JSON values."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiContext:
    """The daemon's side of the status endpoint.

    `wait_applied` returns once the in-memory state has applied every store change
    committed before the call: the API awaits it after each write, so a `GET /effective`
    that follows a write sees it (DESIGN.md §7: a write reaches store and state together).
    """

    store: Store
    engine: Callable[[], PolicyEngine]
    clock: Clock
    readiness: Callable[[], Readiness]
    wait_applied: Callable[[], Awaitable[None]]
    devices: Callable[[], Sequence[DeviceRow]] | None = None
