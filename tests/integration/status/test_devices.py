"""The device endpoints of DESIGN.md §7, answered from a fake `DevicesView`.

The fake raises the reconciler's own errors, so the mapping they rely on (a
`NotFoundError` is a 404, a `ConflictError` a 409) is what is tested here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from provisiond.model.device_state import ADDRESS_LIST_PATH
from provisiond.plan import Change, Op, Plan, Reason
from provisiond.reconcile import (
    DeviceState,
    DeviceStatus,
    DeviceUnreachableError,
    NotHeldError,
    PlanChangedError,
    UnknownDeviceError,
)
from tests.integration.status.support import BOB, READER, Client

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import aiohttp

    from provisiond.runtime.clock import FakeClock
    from provisiond.status import StatusServer
    from tests.integration.status.conftest import Daemon

V4 = ADDRESS_LIST_PATH[4]
AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
ADD = Change(
    Op.ADD,
    V4,
    {"list": "active", "address": "100.64.0.1", "comment": "provisiond:1"},
    Reason.MISSING,
)
REMOVE = Change(
    Op.REMOVE,
    V4,
    {".id": "*2", "list": "active", "address": "100.64.0.2", "comment": "provisiond:2"},
    Reason.NOT_DESIRED,
)


@dataclass
class FakeView:
    held: set[str] = field(default_factory=lambda: {"core-1"})
    synced: list[str] = field(default_factory=list)
    approved: list[tuple[str, str | None]] = field(default_factory=list)

    def statuses(self) -> list[DeviceStatus]:
        return [
            DeviceStatus("core-1", "routeros", DeviceState.HELD, AT, 1, 12, 2, None),
            DeviceStatus("edge-2", "routeros-ssh", DeviceState.UNREACHABLE, None, 0, 0, 0, "down"),
        ]

    async def plan(self, name: str) -> Plan:
        self._check(name)
        if name == "edge-2":
            raise DeviceUnreachableError("device edge-2 is unreachable: connection refused")
        return Plan(name, changes=(ADD,), held=(REMOVE,), owned_entries=12)

    def sync(self, name: str) -> None:
        self._check(name)
        self.synced.append(name)

    async def approve(self, name: str, plan_id: str | None) -> str:
        self._check(name)
        if name not in self.held:
            raise NotHeldError(f"device {name} has no held plan")
        current = (await self.plan(name)).plan_id
        if plan_id is not None and plan_id != current:
            raise PlanChangedError(f"plan {plan_id} is not the current plan")
        self.approved.append((name, plan_id))
        return current

    def _check(self, name: str) -> None:
        if name not in ("core-1", "edge-2"):
            raise UnknownDeviceError(f"no managed device {name!r}")


@pytest.fixture
def view() -> FakeView:
    return FakeView()


@pytest.fixture
async def devices(
    daemon: Daemon,
    clock: FakeClock,
    view: FakeView,
    start_server: Callable[..., Awaitable[StatusServer]],
    session: aiohttp.ClientSession,
) -> Client:
    api = dataclasses.replace(daemon.context(clock), devices_view=view)
    server = await start_server(api=api)
    return Client(session, f"http://127.0.0.1:{server.bound_port}")


async def test_the_device_list_is_the_contract_shape(devices: Client) -> None:
    reply = await devices.as_(READER).get("/api/v1/devices")
    assert reply.status == 200
    assert reply.json() == {
        "items": [
            {
                "name": "core-1",
                "platform": "routeros",
                "state": "held",
                "last_sync_at": "2026-01-02T03:04:05+00:00",
                "pending_changes": 1,
                "owned_entries": 12,
                "blocked_entries": 2,
                "last_error": None,
            },
            {
                "name": "edge-2",
                "platform": "routeros-ssh",
                "state": "unreachable",
                "last_sync_at": None,
                "pending_changes": 0,
                "owned_entries": 0,
                "blocked_entries": 0,
                "last_error": "down",
            },
        ]
    }
    assert (await devices.as_(None).get("/api/v1/devices")).status == 401


async def test_without_a_view_the_list_is_empty_or_the_daemons_rows(
    daemon: Daemon,
    clock: FakeClock,
    client: Client,
    start_server: Callable[..., Awaitable[StatusServer]],
    session: aiohttp.ClientSession,
) -> None:
    assert (await client.get("/api/v1/devices")).json() == {"items": []}
    reply = await client.get("/api/v1/devices/core-1/plan")
    assert reply.status == 404
    assert reply.error["message"] == "no managed device 'core-1'"
    rows = [{"name": "core-1", "state": "in_sync"}]
    api = dataclasses.replace(daemon.context(clock), devices=lambda: rows)
    server = await start_server(api=api)
    other = Client(session, f"http://127.0.0.1:{server.bound_port}")
    assert (await other.get("/api/v1/devices")).json() == {"items": rows}


async def test_the_plan_is_the_whole_diff_with_held_removals_marked(devices: Client) -> None:
    reply = await devices.as_(BOB).get("/api/v1/devices/core-1/plan")
    assert reply.status == 200
    body: dict[str, Any] = reply.json()
    assert body == {
        "device": "core-1",
        "plan_id": Plan("core-1", changes=(ADD,), held=(REMOVE,)).plan_id,
        "changes": [
            {"op": "add", "path": V4, "entry": dict(ADD.entry)},
            {"op": "remove", "path": V4, "entry": dict(REMOVE.entry), "held": True},
        ],
    }
    missing = await devices.get("/api/v1/devices/nope/plan")
    assert missing.status == 404
    assert missing.error == {"message": "no managed device 'nope'", "field": None}
    unreachable = await devices.get("/api/v1/devices/edge-2/plan")
    assert unreachable.status == 409
    assert "unreachable" in unreachable.error["message"]


async def test_a_sync_is_accepted(devices: Client, view: FakeView) -> None:
    reply = await devices.post("/api/v1/devices/core-1/sync")
    assert reply.status == 202
    assert reply.json() == {"device": "core-1", "sync": "requested"}
    assert view.synced == ["core-1"]
    assert (await devices.post("/api/v1/devices/nope/sync")).status == 404
    assert (await devices.as_(READER).post("/api/v1/devices/core-1/sync")).status == 403
    assert (await devices.as_(None).post("/api/v1/devices/core-1/sync")).status == 401
    assert view.synced == ["core-1"]


async def test_approve_with_and_without_a_plan_id(devices: Client, view: FakeView) -> None:
    current = (await devices.get("/api/v1/devices/core-1/plan")).json()["plan_id"]
    reply = await devices.post("/api/v1/devices/core-1/approve")
    assert reply.status == 200
    assert reply.json() == {"device": "core-1", "plan_id": current}
    reply = await devices.post("/api/v1/devices/core-1/approve", {"plan_id": current})
    assert reply.status == 200
    assert view.approved == [("core-1", None), ("core-1", current)]


async def test_approve_conflicts_and_bad_input(devices: Client, view: FakeView) -> None:
    path = "/api/v1/devices/core-1/approve"
    stale = await devices.post(path, {"plan_id": "0000000000000000"})
    assert stale.status == 409
    assert stale.error["field"] is None
    not_held = await devices.post("/api/v1/devices/edge-2/approve")
    assert not_held.status == 409
    assert (await devices.post("/api/v1/devices/nope/approve")).status == 404
    wrong_type = await devices.post(path, {"plan_id": 7})
    assert (wrong_type.status, wrong_type.error["field"]) == (422, "plan_id")
    unknown = await devices.post(path, {"plan_id": "x", "force": True})
    assert (unknown.status, unknown.error["field"]) == (422, "force")
    malformed = await devices.call("POST", path, raw=b"{nope")
    assert malformed.status == 400
    assert (await devices.as_(READER).post(path, {"plan_id": "x"})).status == 403
    assert view.approved == []
