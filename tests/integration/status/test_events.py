"""`GET /api/v1/events`: every write, who made it, write-only fields as `"<changed>"`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.integration.status.support import ALICE, PAYLOADS

if TYPE_CHECKING:
    from tests.integration.status.support import Client

pytestmark = pytest.mark.usefixtures("seeded")


async def test_each_write_is_one_entry_with_its_actor(client: Client) -> None:
    alice = client.as_(ALICE)
    created = await alice.create("triggers", PAYLOADS["triggers"])
    await client.patch(f"/api/v1/triggers/{created['id']}", {"secret": "rotated-secret"})
    await alice.delete(f"/api/v1/triggers/{created['id']}")
    reply = await client.get("/api/v1/events?after=1")  # entry 1 is the seeded status
    events = reply.json()["items"]
    assert [(e["actor"], e["action"], e["kind"]) for e in events] == [
        ("alice", "create", "triggers"),
        ("admin", "update", "triggers"),
        ("alice", "delete", "triggers"),
    ]
    create, update, delete = events
    assert set(create) == {"id", "at", "actor", "action", "kind", "object_id", "before", "after"}
    assert create["at"] == "2026-01-01T00:00:00Z"
    assert create["object_id"] == created["id"]
    assert create["before"] is None
    assert create["after"]["secret"] == "<changed>"
    assert update["after"]["secret"] == "<changed>"
    assert "secret" not in update["before"]
    assert delete["after"] is None
    assert created["secret"] not in reply.text
    assert "rotated-secret" not in reply.text


async def test_a_refused_write_leaves_no_entry(client: Client) -> None:
    before = (await client.get("/api/v1/events")).json()["items"]
    await client.post("/api/v1/accounts", {"name": "x", "status_id": 99})
    await client.delete("/api/v1/account-statuses/1")  # fine: nothing uses it yet
    after = (await client.get("/api/v1/events")).json()["items"]
    assert [e["action"] for e in after[len(before) :]] == ["delete"]
