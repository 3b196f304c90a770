"""Bearer tokens: 401 and 403, named tokens as audit actors, reload without restart."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from provisiond.model.secret import Secret
from provisiond.status.auth import bearer_token
from tests.integration.status.conftest import status_settings
from tests.integration.status.support import ADMIN, ALICE, BOB, PAYLOADS, READER

if TYPE_CHECKING:
    from provisiond.status import StatusServer
    from tests.integration.status.support import Client


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Basic {ADMIN}"},
        {"Authorization": "Bearer"},
        {"Authorization": ADMIN},
    ],
)
async def test_no_or_unknown_token_is_401(client: Client, headers: dict[str, str]) -> None:
    reply = await client.as_(None).call("GET", "/api/v1/accounts", headers=headers)
    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"] == "Bearer"
    assert reply.error["field"] is None


async def test_unknown_api_paths_ask_for_a_token_first(client: Client) -> None:
    assert (await client.as_(None).get("/api/v1/nothing-here")).status == 401
    assert (await client.get("/api/v1/nothing-here")).status == 404


@pytest.mark.parametrize("token", [READER, BOB])
async def test_read_tokens_read_but_never_write(client: Client, token: str) -> None:
    reader = client.as_(token)
    assert (await reader.get("/api/v1/account-types")).status == 200
    refused = await reader.post("/api/v1/account-types", PAYLOADS["account-types"])
    assert refused.status == 403
    assert (await reader.delete("/api/v1/account-types/1")).status == 403
    # Nothing was written by the refused request.
    assert (await reader.get("/api/v1/account-types")).json()["items"] == []


@pytest.mark.parametrize(("token", "actor"), [(ADMIN, "admin"), (ALICE, "alice")])
async def test_the_token_name_is_the_audit_actor(client: Client, token: str, actor: str) -> None:
    await client.as_(token).create("account-types", PAYLOADS["account-types"])
    events = (await client.get("/api/v1/events")).json()["items"]
    assert [event["actor"] for event in events] == [actor]


async def test_reloaded_tokens_take_effect_without_restart(
    server: StatusServer, client: Client
) -> None:
    server.update_settings(
        status_settings(admin_token=Secret("rotated-admin"), read_token=None, tokens=())
    )
    assert (await client.get("/api/v1/accounts")).status == 401
    assert (await client.as_(READER).get("/api/v1/accounts")).status == 401
    assert (await client.as_("rotated-admin").get("/api/v1/accounts")).status == 200


def test_bearer_scheme_is_case_insensitive() -> None:
    assert bearer_token("bearer abc") == "abc"
    assert bearer_token("BEARER  abc ") == "abc"
    assert bearer_token("Token abc") is None
    assert bearer_token(None) is None
