"""PATCH is an RFC 7396 merge patch: absent unchanged, null clears, arrays replace."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio

from provisiond.model.objects import Account

if TYPE_CHECKING:
    from tests.integration.status.conftest import Daemon
    from tests.integration.status.support import Client

pytestmark = pytest.mark.usefixtures("seeded")

ACCOUNT: dict[str, Any] = {
    "name": "Alice",
    "status_id": 1,
    "type_id": 1,
    "group_ids": [1, 2],
    "radius_accounts": [{"username": "alice", "password": "first-password"}],
}


@pytest_asyncio.fixture
async def account(client: Client) -> dict[str, Any]:
    await client.create("account-types", {"id": 1, "name": "Residential"})
    await client.create("account-groups", {"id": 1, "name": "North"})
    await client.create("account-groups", {"id": 2, "name": "South"})
    return await client.create("accounts", ACCOUNT)


def path(account: dict[str, Any]) -> str:
    return f"/api/v1/accounts/{account['id']}"


async def test_absent_keeps_null_clears_arrays_replace(
    client: Client, account: dict[str, Any]
) -> None:
    reply = await client.patch(path(account), {"type_id": None, "group_ids": [2]})
    assert reply.status == 200, reply.text
    assert reply.json() == {**account, "type_id": None, "group_ids": [2]}


async def test_plain_json_content_type_is_accepted(client: Client, account: dict[str, Any]) -> None:
    reply = await client.call("PATCH", path(account), {"delinquent": True})
    assert reply.status == 200
    assert reply.json()["delinquent"] is True


async def test_a_write_only_password_is_kept_when_left_out(
    client: Client, account: dict[str, Any], daemon: Daemon
) -> None:
    entries = [{"username": "alice", "framed_ip": "100.64.0.20"}]
    reply = await client.patch(path(account), {"radius_accounts": entries})
    assert reply.status == 200, reply.text
    assert "password" not in reply.json()["radius_accounts"][0]
    stored = await daemon.store.get(Account, account["id"])
    password = stored.radius_accounts[0].password
    assert password is not None
    assert password.reveal() == "first-password"


async def test_a_new_password_shows_as_changed_in_the_audit(
    client: Client, account: dict[str, Any]
) -> None:
    entries = [{"username": "alice", "password": "second-password"}]
    assert (await client.patch(path(account), {"radius_accounts": entries})).status == 200
    events = (await client.get("/api/v1/events")).json()["items"]
    update = events[-1]
    assert update["action"] == "update"
    assert update["after"]["radius_accounts"][0]["password"] == "<changed>"
    assert "second-password" not in str(events)


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"id": 999}, "id"),
        ({"colour": "red"}, "colour"),
        ({"status_id": 404}, "status_id"),
        ({"radius_accounts": [{"username": "bob"}]}, "radius_accounts.0.password"),
        ({"group_ids": ["x"]}, "group_ids.0"),
    ],
)
async def test_refused_patches_are_422_and_change_nothing(
    client: Client, account: dict[str, Any], patch: dict[str, Any], field: str
) -> None:
    reply = await client.patch(path(account), patch)
    assert reply.status == 422, reply.text
    assert reply.error["field"] == field
    assert (await client.get(path(account))).json() == account


async def test_sending_back_the_same_id_is_fine(client: Client, account: dict[str, Any]) -> None:
    reply = await client.patch(path(account), {"id": account["id"], "name": "Alice B."})
    assert reply.status == 200
    assert reply.json()["name"] == "Alice B."


async def test_a_patch_that_is_not_an_object_is_400(
    client: Client, account: dict[str, Any]
) -> None:
    assert (await client.patch(path(account), [{"op": "replace"}])).status == 400


async def test_a_patch_of_nothing_is_404(client: Client) -> None:
    assert (await client.patch("/api/v1/accounts/55", {"name": "x"})).status == 404


async def test_a_rename_that_clashes_is_409(client: Client, account: dict[str, Any]) -> None:
    await client.create(
        "accounts",
        {
            "name": "Other",
            "status_id": 1,
            "radius_accounts": [{"username": "other", "password": "pw"}],
        },
    )
    entries = [{"username": "other", "password": "pw"}]
    reply = await client.patch(path(account), {"radius_accounts": entries})
    assert reply.status == 409
    assert reply.error["field"] == "radius_accounts.0.username"


async def test_concurrent_patches_both_take_effect(client: Client, account: dict[str, Any]) -> None:
    first, second = await asyncio.gather(
        client.patch(path(account), {"name": "Alice B."}),
        client.patch(path(account), {"delinquent": True}),
    )
    assert (first.status, second.status) == (200, 200)
    stored = (await client.get(path(account))).json()
    assert (stored["name"], stored["delinquent"]) == ("Alice B.", True)
