"""Keyset pagination of lists and of the audit log: `?limit=`, `?after=`, `next_after`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from provisiond.model.objects import AccountGroup

if TYPE_CHECKING:
    from tests.integration.status.conftest import Daemon
    from tests.integration.status.support import Client


async def _groups(daemon: Daemon, count: int) -> None:
    for number in range(1, count + 1):
        await daemon.store.create(AccountGroup(0, f"group-{number}"), actor="seed")


async def test_pages_follow_next_after_to_the_end(client: Client, daemon: Daemon) -> None:
    await _groups(daemon, 5)
    first = (await client.get("/api/v1/account-groups?limit=2")).json()
    assert [item["id"] for item in first["items"]] == [1, 2]
    assert first["next_after"] == 2
    second = (await client.get("/api/v1/account-groups?limit=2&after=2")).json()
    assert [item["id"] for item in second["items"]] == [3, 4]
    third = (await client.get("/api/v1/account-groups?limit=2&after=4")).json()
    assert [item["id"] for item in third["items"]] == [5]
    assert third["next_after"] is None


async def test_a_full_last_page_still_points_on(client: Client, daemon: Daemon) -> None:
    await _groups(daemon, 2)
    page = (await client.get("/api/v1/account-groups?limit=2")).json()
    assert page["next_after"] == 2
    empty = (await client.get("/api/v1/account-groups?limit=2&after=2")).json()
    assert empty == {"items": [], "next_after": None}


async def test_the_default_page_is_100(client: Client, daemon: Daemon) -> None:
    await _groups(daemon, 101)
    page = (await client.get("/api/v1/account-groups")).json()
    assert len(page["items"]) == 100
    assert page["next_after"] == 100
    assert len((await client.get("/api/v1/account-groups?limit=1000")).json()["items"]) == 101


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=-1", "limit"),
        ("limit=ten", "limit"),
        ("limit=1.5", "limit"),
        ("limit=", "limit"),
        ("after=x", "after"),
        ("after=99999999999999999999", "after"),
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/accounts", "/api/v1/events"])
async def test_bad_paging_parameters_are_422(
    client: Client, path: str, query: str, field: str
) -> None:
    reply = await client.get(f"{path}?{query}")
    assert reply.status == 422
    assert reply.error["field"] == field


async def test_events_paginate_the_same_way(client: Client, daemon: Daemon) -> None:
    await _groups(daemon, 3)
    first = (await client.get("/api/v1/events?limit=2")).json()
    assert len(first["items"]) == 2
    rest = (await client.get(f"/api/v1/events?limit=2&after={first['next_after']}")).json()
    assert [event["object_id"] for event in rest["items"]] == [3]
    assert rest["next_after"] is None
