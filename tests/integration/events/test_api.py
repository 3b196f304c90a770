"""The endpoints of scheduled events, vacations, trigger URLs and the delivery log,
against a real `StatusServer` over a real store."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
import pytest_asyncio

from provisiond.config.settings import WebhooksSettings
from provisiond.events.scheduler import Scheduler
from provisiond.events.triggers import Triggers
from provisiond.model.device_state import DeviceScope
from provisiond.model.enums import TriggerEvent
from provisiond.model.objects import Account, Trigger
from provisiond.policy.engine import PolicyEngine, PolicySettings
from provisiond.status import StatusServer
from tests.integration.events.conftest import ALICE, FAST, INACTIVE, VACATION, VACATION_1M
from tests.integration.status.conftest import Daemon, status_settings
from tests.integration.status.support import READER, Client

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from provisiond.observability.metrics import Metrics
    from provisiond.runtime.clock import FakeClock
    from provisiond.store import Store

EVENTS = f"/api/v1/accounts/{ALICE}/scheduled-events"
VACATIONS = f"/api/v1/accounts/{ALICE}/vacation"
WEEK = {"start": "2026-02-01T00:00:00Z", "end": "2026-02-08T00:00:00Z"}
BOOKING = {**WEEK, "status_id": VACATION, "service_id": VACATION_1M}


@dataclasses.dataclass
class Webhooks:
    settings: WebhooksSettings = dataclasses.field(default_factory=WebhooksSettings)

    def __call__(self) -> WebhooksSettings:
        return self.settings


@pytest.fixture
def webhooks() -> Webhooks:
    return Webhooks()


@pytest_asyncio.fixture
async def client(
    store: Store, clock: FakeClock, metrics: Metrics, webhooks: Webhooks
) -> AsyncIterator[Client]:
    engine = PolicyEngine(settings=PolicySettings(), devices=[DeviceScope("core-1")])
    engine.load(await store.load())
    api = dataclasses.replace(Daemon(store, engine).context(clock), webhooks=webhooks)
    server = StatusServer(settings=status_settings(), api=api, metrics=metrics)
    await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield Client(session, f"http://127.0.0.1:{server.bound_port}")
    finally:
        await server.stop()


async def run_due(store: Store, clock: FakeClock, metrics: Metrics) -> int:
    return await Scheduler(store, clock, metrics=metrics).run_due()


async def test_scheduled_events_of_an_account(client: Client) -> None:
    body = {"at": "2026-03-01T04:00:00+02:00", "action": "change_status", "object_id": INACTIVE}
    reply = await client.post(EVENTS, body)
    assert reply.status == 201, reply.text
    created = reply.json()
    assert created == {
        "id": created["id"],
        "account_id": ALICE,
        "at": "2026-03-01T02:00:00Z",
        "action": "change_status",
        "object_id": INACTIVE,
        "replacement_id": None,
        "complete": False,
        "error": None,
    }
    assert reply.headers["Location"] == f"/api/v1/scheduled-events/{created['id']}"
    assert (await client.get(f"/api/v1/scheduled-events/{created['id']}")).json() == created
    listed = (await client.get(EVENTS)).json()
    assert listed == {"items": [created], "next_after": None}


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        (EVENTS, {"account_id": 101, "action": "set_delinquent"}, 422, "account_id"),
        (EVENTS, {"action": "set_delinquent"}, 422, "at"),
        (EVENTS, {"action": "change_status", "object_id": 99}, 422, "object_id"),
        (EVENTS, {"action": "set_delinquent", "complete": True}, 422, "complete"),
        (EVENTS, {"action": "swap_service", "object_id": FAST}, 422, "replacement_id"),
        ("/api/v1/accounts/999/scheduled-events", {"action": "set_delinquent"}, 404, None),
    ],
)
async def test_scheduling_errors(
    client: Client, path: str, body: dict[str, Any], status: int, field: str | None
) -> None:
    body = {"at": "2026-03-01T00:00:00Z", **body} if field != "at" else body
    reply = await client.post(path, body)
    assert reply.status == status, reply.text
    assert reply.error["field"] == field


async def test_deleting_scheduled_events(
    client: Client, store: Store, clock: FakeClock, metrics: Metrics
) -> None:
    now = {"at": "2026-01-01T00:00:00Z", "action": "set_delinquent"}
    done = (await client.post(EVENTS, now)).json()
    later = (await client.post(EVENTS, {**now, "at": "2027-01-01T00:00:00Z"})).json()
    assert await run_due(store, clock, metrics) == 1
    assert (await client.delete(f"/api/v1/scheduled-events/{done['id']}")).status == 409
    assert (await client.delete(f"/api/v1/scheduled-events/{later['id']}")).status == 204
    assert (await client.get(f"/api/v1/scheduled-events/{later['id']}")).status == 404
    assert (await client.delete(f"/api/v1/scheduled-events/{later['id']}")).status == 404
    assert (await client.get("/api/v1/accounts/999/scheduled-events")).status == 404
    assert (await client.as_(READER).delete(f"/api/v1/scheduled-events/{done['id']}")).status == 403


async def test_booking_a_vacation(client: Client) -> None:
    reply = await client.post(VACATIONS, BOOKING)
    assert reply.status == 201, reply.text
    booked = reply.json()
    assert booked == {
        "id": booked["id"],
        "account_id": ALICE,
        **BOOKING,
        "saved_status_id": None,
        "saved_service_id": None,
        "state": "scheduled",
        "error": None,
    }
    assert (await client.get(VACATIONS)).json() == {"items": [booked], "next_after": None}
    overlap = {**BOOKING, "start": "2026-02-07T00:00:00Z", "end": "2026-02-10T00:00:00Z"}
    assert (await client.post(VACATIONS, overlap)).status == 409


async def test_upcoming_lists_every_account_in_run_order(client: Client) -> None:
    late = {"at": "2026-05-01T00:00:00Z", "action": "set_delinquent"}
    early = {"at": "2026-04-01T00:00:00Z", "action": "clear_delinquent"}
    late_id = (await client.post(EVENTS, late)).json()["id"]
    early_id = (await client.post(EVENTS, early)).json()["id"]
    booked = (await client.post(VACATIONS, BOOKING)).json()
    events = (await client.get("/api/v1/scheduled-events")).json()["items"]
    assert [e["id"] for e in events] == [early_id, late_id]
    vacations = (await client.get("/api/v1/vacations")).json()["items"]
    assert [v["id"] for v in vacations] == [booked["id"]]
    assert (await client.get("/api/v1/scheduled-events?limit=1")).json()["items"] == events[:1]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({**BOOKING, "end": "2026-01-31T00:00:00Z"}, 422, "end"),
        ({**BOOKING, "status_id": 99}, 422, "status_id"),
        ({**BOOKING, "state": "active"}, 422, "state"),
        ({**WEEK, "status_id": VACATION}, 422, "service_id"),
    ],
)
async def test_booking_errors(
    client: Client, body: dict[str, Any], status: int, field: str | None
) -> None:
    reply = await client.post(VACATIONS, body)
    assert reply.status == status, reply.text
    assert reply.error["field"] == field


async def test_booking_needs_exactly_one_data_service(client: Client, store: Store) -> None:
    assert (await client.post("/api/v1/accounts/999/vacation", BOOKING)).status == 404
    alice = await store.get(Account, ALICE)
    await store.update(dataclasses.replace(alice, service_ids=()), actor="admin")
    assert (await client.post(VACATIONS, BOOKING)).status == 422


async def test_delete_cancels_or_ends_now(
    client: Client, store: Store, clock: FakeClock, metrics: Metrics
) -> None:
    later = (await client.post(VACATIONS, BOOKING)).json()
    now = {**BOOKING, "start": "2026-01-01T00:00:00Z", "end": "2026-01-05T00:00:00Z"}
    current = (await client.post(VACATIONS, now)).json()
    assert await run_due(store, clock, metrics) == 1
    assert (await store.get(Account, ALICE)).status_id == VACATION
    ended = await client.delete(VACATIONS)
    assert ended.status == 200, ended.text
    assert (ended.json()["id"], ended.json()["state"]) == (current["id"], "done")
    assert (await store.get(Account, ALICE)).service_ids == (FAST,)
    cancelled = (await client.delete(f"{VACATIONS}?id={later['id']}")).json()
    assert (cancelled["id"], cancelled["state"]) == (later["id"], "cancelled")
    assert (await client.delete(VACATIONS)).status == 404
    assert (await client.delete(f"{VACATIONS}?id=x")).status == 422


@pytest.mark.parametrize(
    ("url", "allow_http"),
    [
        ("https://127.0.0.1/hook", False),
        ("http://127.0.0.1:8080/hook", True),
        ("https://localhost/hook", False),
        ("http://hooks.example.net/x", False),
    ],
)
async def test_a_refused_webhook_url_is_a_422(
    client: Client,
    url: str,
    allow_http: bool,  # noqa: FBT001
) -> None:
    body = {"name": "t", "event": "account.activated", "webhook_url": url}
    reply = await client.post("/api/v1/triggers", {**body, "allow_http": allow_http})
    assert reply.status == 422, reply.text
    assert reply.error["field"] == "webhook_url"


async def test_allow_hosts_admits_a_loopback_webhook(client: Client, webhooks: Webhooks) -> None:
    body = {"name": "t", "event": "account.activated", "webhook_url": "https://hooks.example/x"}
    created = await client.create("triggers", body)
    private = {"webhook_url": "http://127.0.0.1:9000/x", "allow_http": True}
    patched = await client.patch(f"/api/v1/triggers/{created['id']}", private)
    assert (patched.status, patched.error["field"]) == (422, "webhook_url")
    webhooks.settings = WebhooksSettings(allow_hosts=("127.0.0.1",))
    assert (await client.patch(f"/api/v1/triggers/{created['id']}", private)).status == 200


async def test_the_delivery_log_pages_by_id(
    client: Client, store: Store, clock: FakeClock, metrics: Metrics
) -> None:
    trigger = Trigger(0, "down", TriggerEvent.DEVICE_UNREACHABLE, "https://h.example/x")
    created = await store.create(trigger, actor="admin")
    triggers = Triggers(store, clock, metrics=metrics)
    for _ in range(3):
        await triggers.fire(TriggerEvent.DEVICE_UNREACHABLE, None, {"device": "d", "error": "e"})
    first = (await client.get("/api/v1/trigger-deliveries?limit=2")).json()
    assert first["items"][0] == {
        "id": first["items"][0]["id"],
        "trigger_id": created.id,
        "event": "device.unreachable",
        "status": "pending",
        "attempts": 0,
        "last_status_code": None,
        "next_attempt_at": "2026-01-01T00:00:00Z",
    }
    assert first["next_after"] == first["items"][1]["id"]
    rest = (await client.get(f"/api/v1/trigger-deliveries?after={first['next_after']}")).json()
    assert (len(rest["items"]), rest["next_after"]) == (1, None)
    assert (await client.get("/api/v1/trigger-deliveries?limit=0")).status == 422


async def test_an_import_fires_only_with_triggers_true(
    client: Client, store: Store, clock: FakeClock, metrics: Metrics
) -> None:
    trigger = Trigger(0, "down", TriggerEvent.ACCOUNT_DELINQUENT, "https://h.example/x")
    await store.create(trigger, actor="admin")
    triggers = Triggers(store, clock, metrics=metrics)
    while await triggers.catch_up():
        pass
    account = {"id": ALICE, "name": "Alice", "status_id": 1, "service_ids": [FAST]}
    quiet = {"accounts": [{**account, "delinquent": True}]}
    assert (await client.post("/api/v1/import", quiet)).status == 200
    loud = {"accounts": [{**account, "delinquent": False}]}
    assert (await client.post("/api/v1/import?triggers=true", loud)).status == 200
    assert (await client.post("/api/v1/import?triggers=true", quiet)).status == 200
    while await triggers.catch_up():
        pass
    log = (await client.get("/api/v1/trigger-deliveries")).json()["items"]
    assert [item["event"] for item in log] == ["account.delinquent"]
