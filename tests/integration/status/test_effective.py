"""`GET /api/v1/accounts/{id}/effective` reflects a write as soon as the write answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.integration.status.support import Client

pytestmark = pytest.mark.usefixtures("seeded")


async def test_effective_follows_each_write(client: Client) -> None:
    await client.create(
        "services", {"id": 10, "name": "100M", "download_kbps": 100_000, "upload_kbps": 20_000}
    )
    await client.create("address-lists", {"name": "active-subs", "account_status": "active"})
    account = await client.create(
        "accounts",
        {
            "name": "Alice",
            "status_id": 1,
            "service_ids": [10],
            "ip_assignments": ["100.64.0.10/32"],
        },
    )
    path = f"/api/v1/accounts/{account['id']}/effective"
    reply = await client.get(path)
    assert reply.status == 200
    assert reply.json() == {
        "address_lists": {"core-1": ["active-subs"]},
        "radius_groups": [],
        "rate_limit": "20M/100M",
        "addresses": ["100.64.0.10"],
        "clashes": [],
        "out_of_scope": [],
    }

    await client.create("account-statuses", {"id": 2, "name": "Off", "activates_account": False})
    await client.patch(f"/api/v1/accounts/{account['id']}", {"status_id": 2})
    assert (await client.get(path)).json()["address_lists"] == {"core-1": []}


async def test_effective_of_a_deleted_account_is_404(client: Client) -> None:
    account = await client.create("accounts", {"name": "Gone", "status_id": 1})
    await client.delete(f"/api/v1/accounts/{account['id']}")
    reply = await client.get(f"/api/v1/accounts/{account['id']}/effective")
    assert reply.status == 404
    assert reply.error["message"] == f"account {account['id']} does not exist"
