"""What the API handlers need from the daemon, bundled so `status` never imports `app`.

The composition root builds one `ApiContext` and hands it to `StatusServer`. Everything in
it is a value or a callable the daemon owns: the engine is behind a callable because a
config reload rebuilds it, and readiness is asked on every `/readyz` because it changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from provisiond.config.settings import WebhooksSettings

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping, Sequence

    from provisiond.model.clock import Clock
    from provisiond.plan import Plan
    from provisiond.policy.engine import PolicyEngine
    from provisiond.store import Store

Readiness: TypeAlias = "tuple[bool, Sequence[str]]"
"""`(ready, devices still syncing)`: `/readyz` answers 200, or 503 naming the devices."""

DeviceRow: TypeAlias = "Mapping[str, Any]"
"""One item of `GET /api/v1/devices` (DESIGN.md §7): plain JSON values."""


class DeviceReport(Protocol):
    def as_json(self) -> DeviceRow: ...


class DevicesView(Protocol):
    """The device sync as the API sees it; the daemon passes its reconciler.

    Errors are `model.errors`: `NotFoundError` for a device it does not manage (404),
    `ConflictError` for an approval of a plan not held or moved on, or a plan of a device
    it cannot reach (409).
    """

    def statuses(self) -> Sequence[DeviceReport]: ...

    async def plan(self, name: str, /) -> Plan: ...

    def sync(self, name: str, /) -> None: ...

    async def approve(self, name: str, plan_id: str | None, /) -> str: ...


class SessionsView(Protocol):
    """The session table as the API reads it (`store.sessions.SessionStore`)."""

    async def page(
        self, *, account_id: int | None, state: str, after: int | None, limit: int
    ) -> tuple[Sequence[Any], int | None]:
        """`(rows, next_after)`: `SessionRow`s with id > `after`, ascending by id;
        `state` is "open" or "closed"."""
        ...


class CoaControl(Protocol):
    """The CoA sender as the API steers it (DESIGN.md §5 "Disconnect breaker", §7).

    `held()` lists the Disconnects the breaker holds, as JSON objects
    `{session_id, account_id, username, nas, queued_at, reasons}`; `approve()` releases
    every one of them and returns how many; `disconnect_session` queues an admin's
    Disconnect-Request for an open session (False when no open session has that id).
    """

    def held(self) -> Sequence[Mapping[str, Any]]: ...

    async def approve(self) -> int: ...

    async def disconnect_session(self, session_id: int, /) -> bool: ...


class UsageView(Protocol):
    """Usage accounting as the API reads it (`usage.UsageService`): the §7 usage object
    of an existing account, from memory."""

    def usage(self, account_id: int, /) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiContext:
    """The daemon's side of the status endpoint.

    `wait_applied` returns once the in-memory state has applied every store change
    committed before the call: the API awaits it after each write, so a `GET /effective`
    that follows a write sees it (DESIGN.md §7: a write reaches store and state together).
    `devices_view` serves the `/api/v1/devices` endpoints; without it (or before it),
    `devices` alone fills the list.
    """

    store: Store
    engine: Callable[[], PolicyEngine]
    clock: Clock
    readiness: Callable[[], Readiness]
    wait_applied: Callable[[], Awaitable[None]]
    devices: Callable[[], Sequence[DeviceRow]] | None = None
    devices_view: DevicesView | None = None
    sessions: SessionsView | None = None  # `/api/v1/sessions`; None: RADIUS is not running
    coa: CoaControl | None = None  # `/api/v1/coa/*`, session disconnects; None: no CoA sender
    # `/accounts/{id}/usage`; None (no usage service): read from the store, months in UTC.
    usage: UsageView | None = None
    # `[webhooks]` as of now (asked per write, so a SIGHUP applies): trigger URL checks.
    webhooks: Callable[[], WebhooksSettings] = WebhooksSettings
