"""`GET /api/v1/accounts/{id}/usage` (DESIGN.md §7): the shape, 404, and its two sources."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from provisiond.model.objects import Account, Service, UsagePolicy
from provisiond.status import openapi
from provisiond.store import usage_totals
from tests.integration.status.support import READER, Client

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from sqlalchemy.ext.asyncio import AsyncConnection

    from provisiond.runtime.clock import FakeClock
    from provisiond.status import StatusServer
    from tests.integration.status.conftest import Daemon

JANUARY = datetime(2026, 1, 1, tzinfo=UTC)  # the fake clock's month
POLICY = UsagePolicy(5, "100 GB", 100.0)
SERVICE = Service(3, "100M", 100_000, 20_000, usage_policy_id=POLICY.id)


async def seed_account(daemon: Daemon, *, capped: bool) -> None:
    store = daemon.store
    await store.create(POLICY, actor="seed")
    await store.create(SERVICE if capped else dataclasses.replace(SERVICE, usage_policy_id=None),
                       actor="seed")  # fmt: skip
    await store.create(Account(10, "Alice", status_id=1, service_ids=(3,)), actor="seed")


async def add_usage(daemon: Daemon, row: usage_totals.UsageRow) -> None:
    async def job(conn: AsyncConnection) -> None:
        await usage_totals.add(conn, [row])

    await daemon.store.write(job)


async def test_an_unknown_account_is_a_404(client: Client) -> None:
    reply = await client.get("/api/v1/accounts/404/usage")
    assert reply.status == 404
    assert reply.error["field"] is None


async def test_an_account_without_usage_has_zeros_and_no_cap_without_a_policy(
    seeded: Daemon, client: Client
) -> None:
    await seed_account(seeded, capped=False)
    reply = await client.as_(READER).get("/api/v1/accounts/10/usage")  # a read token may
    assert reply.status == 200
    assert reply.json() == {
        "period_start": "2026-01-01T00:00:00Z",
        "billable_in_bytes": 0,
        "billable_out_bytes": 0,
        "free_in_bytes": 0,
        "free_out_bytes": 0,
        "cap_bytes": None,
        "percent": None,
    }


async def test_without_a_usage_service_the_store_answers(seeded: Daemon, client: Client) -> None:
    await seed_account(seeded, capped=True)
    await add_usage(seeded, usage_totals.UsageRow(10, JANUARY, 30 * 10**9, 10 * 10**9, 7, 8))
    last_year = datetime(2025, 12, 1, tzinfo=UTC)
    await add_usage(seeded, usage_totals.UsageRow(10, last_year, 1, 1, 1, 1))  # not this month
    reply = await client.get("/api/v1/accounts/10/usage")
    assert reply.json() == {
        "period_start": "2026-01-01T00:00:00Z",
        "billable_in_bytes": 30 * 10**9,
        "billable_out_bytes": 10 * 10**9,
        "free_in_bytes": 7,
        "free_out_bytes": 8,
        "cap_bytes": 100 * 10**9,
        "percent": 40.0,
    }


class FixedUsage:
    """A usage service's answer, as the daemon's would give it from memory."""

    def __init__(self) -> None:
        self.asked: list[int] = []

    def usage(self, account_id: int, /) -> Mapping[str, Any]:
        self.asked.append(account_id)
        return {"period_start": "2026-01-01T00:00:00+01:00", "percent": 12.5}


async def test_with_a_usage_service_it_answers_for_existing_accounts_only(
    seeded: Daemon,
    clock: FakeClock,
    start_server: Callable[..., Awaitable[StatusServer]],
    client: Client,
) -> None:
    await seed_account(seeded, capped=True)
    view = FixedUsage()
    server = await start_server(api=dataclasses.replace(seeded.context(clock), usage=view))
    served = Client(client.session, f"http://127.0.0.1:{server.bound_port}")
    assert (await served.get("/api/v1/accounts/10/usage")).json()["percent"] == 12.5
    assert (await served.get("/api/v1/accounts/11/usage")).status == 404
    assert view.asked == [10]


async def test_the_path_is_described_as_it_answers(seeded: Daemon, client: Client) -> None:
    await seed_account(seeded, capped=True)
    answer = (await client.get("/api/v1/accounts/10/usage")).json()
    operation = openapi.document()["paths"]["/api/v1/accounts/{id}/usage"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(schema["required"]) == set(schema["properties"]) == set(answer)
