"""`POST /api/v1/import`: counts per kind, all or nothing, errors naming the field."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from provisiond.schema import codec
from tests.integration.status.support import READER, raw_post

if TYPE_CHECKING:
    from provisiond.status import StatusServer
    from tests.integration.status.conftest import Daemon
    from tests.integration.status.support import Client

DOCUMENT: dict[str, Any] = {
    "account_statuses": [{"id": 1, "name": "Active", "activates_account": True}],
    "services": [{"id": 10, "name": "100M", "download_kbps": 100_000, "upload_kbps": 20_000}],
    "accounts": [
        {
            "id": 100,
            "name": "Alice",
            "status_id": 1,
            "service_ids": [10],
            "radius_accounts": [{"username": "alice", "password": "pw-alice"}],
        },
        {"id": 101, "name": "Bob", "status_id": 1},
    ],
}


async def _everything(daemon: Daemon) -> dict[str, Any]:
    return codec.dump_dataset(await daemon.store.load(), include_secrets=True)


async def test_import_answers_counts_per_kind_and_is_idempotent(client: Client) -> None:
    reply = await client.post("/api/v1/import?triggers=true", DOCUMENT)
    assert reply.status == 200, reply.text
    counts = reply.json()
    assert counts["account_statuses"] == 1
    assert counts["services"] == 1
    assert counts["accounts"] == 2
    assert set(counts) <= set(codec.KINDS)
    again = (await client.post("/api/v1/import", DOCUMENT)).json()
    assert set(again.values()) == {0}
    effective = await client.get("/api/v1/accounts/100/effective")
    assert effective.json()["rate_limit"] == "20M/100M"
    events = (await client.get("/api/v1/events")).json()["items"]
    assert {e["action"] for e in events} == {"import"}
    assert {e["actor"] for e in events} == {"admin"}


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"accounts": [{"id": 100, "name": "A", "status_id": 9}]}, 422, "accounts.0.status_id"),
        ({"accounts": [{"name": "no id", "status_id": 1}]}, 422, "accounts.0.id"),
        ({"gadgets": []}, 422, "gadgets"),
        (
            {"services": [{"id": 11, "name": "100M", "download_kbps": 1, "upload_kbps": 1}]},
            409,
            "services.0.name",
        ),
        (
            {
                "radius_groups": [
                    {
                        "id": 1,
                        "name": "g",
                        "replies": [{"attribute": "A", "op": "=", "value": "{x}"}],
                    }
                ]
            },
            422,
            "radius_groups.0.replies.0.value",
        ),
    ],
)
async def test_a_failing_import_writes_nothing(
    client: Client, daemon: Daemon, change: dict[str, Any], status: int, field: str
) -> None:
    await client.post("/api/v1/import", DOCUMENT)
    before = await _everything(daemon)
    events = (await client.get("/api/v1/events")).json()["items"]
    document = {
        **DOCUMENT,
        "account_statuses": [{"id": 1, "name": "Renamed", "activates_account": True}],
        **change,
    }
    reply = await client.post("/api/v1/import", document)
    assert reply.status == status, reply.text
    assert reply.error["field"] == field
    assert await _everything(daemon) == before
    assert (await client.get("/api/v1/events")).json()["items"] == events


async def test_import_needs_an_admin_token(client: Client) -> None:
    assert (await client.as_(READER).post("/api/v1/import", DOCUMENT)).status == 403


async def test_import_takes_more_than_one_mib_but_not_more_than_16(
    client: Client, server: StatusServer
) -> None:
    groups = [{"id": n, "name": f"group-{n:06d}" + "x" * 60} for n in range(1, 20_001)]
    reply = await client.post("/api/v1/import", {"account_groups": groups})
    assert reply.status == 200, reply.text[:200]
    assert reply.json()["account_groups"] == 20_000
    huge = b'{"account_groups": [' + b" " * (16 * 1024 * 1024) + b"]}"
    assert await raw_post(server.bound_port, "/api/v1/import", huge) == 413


async def test_bad_triggers_flag_is_422(client: Client) -> None:
    reply = await client.post("/api/v1/import?triggers=maybe", DOCUMENT)
    assert reply.status == 422
    assert reply.error["field"] == "triggers"
