"""What the browser sees: a real `StatusServer` over a real SQLite store, hostile data in it.

The account is named like an XSS payload, as a billing system may well send it, and the
device view is a fake with one `held` device whose approval it records. Device errors
carry markup too: they come from routers, and the dashboard must show them as text. So
does a RADIUS username (a NAS reports whatever the subscriber typed): the sessions come
from the real session table, and the fake CoA sender holds a Disconnect of that session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import aiohttp

from provisiond.model.device_state import DeviceScope
from provisiond.model.errors import ConflictError, NotFoundError
from provisiond.observability.metrics import Metrics
from provisiond.plan import Change, Op, Plan, Reason
from provisiond.policy.engine import PolicyEngine, PolicySettings
from provisiond.runtime.clock import SystemClock
from provisiond.status import ApiContext, StatusServer
from tests.integration.status.conftest import Daemon, status_settings
from tests.integration.status.fakes import FakeCoa, held_row, session_row, store_sessions
from tests.integration.status.support import ADMIN

if TYPE_CHECKING:
    from collections.abc import Sequence

    from provisiond.status import DeviceRow
    from provisiond.store import Store

HOSTILE_ACCOUNT: Final = "<img src=x onerror=alert(1)>"
HOSTILE_ERROR: Final = "<svg onload=alert(2)>router said no</svg>"
HOSTILE_USERNAME: Final = "<img src=x onerror=alert(1)>"
SUBSCRIBER: Final = "alice@example.net"
SUBSCRIBER_SESSION: Final = 1
HOSTILE_SESSION: Final = 2
HELD: Final = "edge-1"
BROKEN: Final = "edge-2"
ADDRESS_LIST: Final = "/ip/firewall/address-list"
SYNCED_AT: Final = "2026-01-01T00:00:00Z"


def _removal(number: int) -> Change:
    entry = {".id": f"*{number:X}", "list": "active", "address": f"100.64.0.{number}"}
    return Change(Op.REMOVE, ADDRESS_LIST, entry, Reason.NOT_DESIRED)


def held_plan() -> Plan:
    """Three removals kept back by the mass-removal rule, one add that is not held."""
    add = Change(
        Op.ADD,
        ADDRESS_LIST,
        {"list": "active", "address": "100.64.1.1", "comment": "provisiond:1"},
        Reason.MISSING,
    )
    return Plan(HELD, changes=(add,), held=tuple(_removal(n) for n in (1, 2, 3)), owned_entries=4)


@dataclass
class FakeDevice:
    name: str
    state: str
    plan: Plan
    last_error: str | None = None

    def as_json(self) -> DeviceRow:
        return {
            "name": self.name,
            "platform": "routeros",
            "state": self.state,
            "last_sync_at": SYNCED_AT,
            "pending_changes": len(self.plan.whole),
            "owned_entries": self.plan.owned_entries,
            "blocked_entries": 0,
            "last_error": self.last_error,
        }


@dataclass
class FakeDevices:
    """A `DevicesView` that approves the way the reconciler does, and remembers it."""

    devices: dict[str, FakeDevice] = field(default_factory=dict)
    approvals: list[tuple[str, str | None]] = field(default_factory=list)

    def statuses(self) -> Sequence[FakeDevice]:
        return list(self.devices.values())

    def _device(self, name: str) -> FakeDevice:
        try:
            return self.devices[name]
        except KeyError:
            raise NotFoundError(f"no managed device {name!r}") from None

    async def plan(self, name: str, /) -> Plan:
        return self._device(name).plan

    def sync(self, name: str, /) -> None:
        self._device(name)

    async def approve(self, name: str, plan_id: str | None, /) -> str:
        device = self._device(name)
        current = device.plan.plan_id
        if device.state != "held" or plan_id not in {None, current}:
            raise ConflictError(f"{name} has no held plan {plan_id}")
        self.approvals.append((name, plan_id))
        device.state, device.plan = "in_sync", Plan(name, owned_entries=1)
        return current


def fake_devices() -> FakeDevices:
    held = FakeDevice(HELD, "held", held_plan())
    broken = FakeDevice(BROKEN, "error", Plan(BROKEN), last_error=HOSTILE_ERROR)
    return FakeDevices({HELD: held, BROKEN: broken})


@dataclass
class World:
    server: StatusServer
    devices: FakeDevices
    held_plan_id: str
    coa: FakeCoa

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.bound_port}"


async def _create(url: str, path: str, body: dict[str, object]) -> int:
    headers = {"Authorization": f"Bearer {ADMIN}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url + path, json=body, headers=headers) as reply,
    ):
        assert reply.status == 201, await reply.text()
        created: int = (await reply.json())["id"]
        return created


async def make_world(store: Store) -> World:
    """A server (not yet started) whose device view is the fake, over `store`."""
    engine = PolicyEngine(settings=PolicySettings(), devices=[DeviceScope(HELD)])
    engine.load(await store.load())
    daemon = Daemon(store, engine)
    devices = fake_devices()
    sessions = await store_sessions(
        store,
        [
            session_row(
                SUBSCRIBER_SESSION,
                username=SUBSCRIBER,
                input_octets=1_500_000,
                last_coa={"at": "2026-03-01T12:04:00Z", "result": "nak", "error_cause": 404},
            ),
            session_row(HOSTILE_SESSION, username=HOSTILE_USERNAME, output_octets=2_000_000_000),
        ],
    )
    hostile_held = {**held_row(HOSTILE_SESSION), "username": HOSTILE_USERNAME}
    coa = FakeCoa(open_ids={SUBSCRIBER_SESSION, HOSTILE_SESSION}, holding=[hostile_held])
    api = ApiContext(
        store=store,
        engine=lambda: daemon.engine,
        clock=SystemClock(),
        readiness=daemon.readiness,
        wait_applied=daemon.wait_applied,
        devices_view=devices,
        sessions=sessions,
        coa=coa,
    )
    server = StatusServer(settings=status_settings(), api=api, metrics=Metrics())
    return World(server, devices, devices.devices[HELD].plan.plan_id, coa)


async def seed(world: World) -> None:
    """The hostile account goes in through the API, as a billing system's would."""
    status = {"name": "Active", "activates_account": True}
    status_id = await _create(world.url, "/api/v1/account-statuses", status)
    account = {
        "name": HOSTILE_ACCOUNT,
        "status_id": status_id,
        "ip_assignments": ["100.64.0.10/32"],
    }
    await _create(world.url, "/api/v1/accounts", account)
