"""CRUD of every §7 resource and every error code a resource answers."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.integration.status.support import PAYLOADS, SEGMENTS, raw_post

if TYPE_CHECKING:
    from provisiond.status import StatusServer
    from tests.integration.status.conftest import Daemon
    from tests.integration.status.support import Client

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.mark.parametrize("segment", SEGMENTS)
async def test_create_get_patch_delete(client: Client, segment: str, daemon: Daemon) -> None:
    reply = await client.post(f"/api/v1/{segment}", PAYLOADS[segment])
    assert reply.status == 201, reply.text
    created = reply.json()
    location = f"/api/v1/{segment}/{created['id']}"
    assert reply.headers["Location"] == location
    assert {k: v for k, v in created.items() if k in PAYLOADS[segment]} == PAYLOADS[segment]
    assert daemon.applied >= 1  # the write waited for the in-memory state
    created.pop("secret", None)  # a generated trigger secret is shown in the 201 only

    assert (await client.get(location)).json() == created
    patched = await client.patch(location, {"name": "renamed"})
    assert patched.status == 200, patched.text
    assert patched.json() == {**created, "name": "renamed"}

    deleted = await client.delete(location)
    assert deleted.status == 204
    assert deleted.text == ""
    assert (await client.get(location)).status == 404
    assert (await client.delete(location)).status == 404


async def test_a_client_may_choose_the_id(client: Client) -> None:
    created = await client.create("account-types", {"id": 900, **PAYLOADS["account-types"]})
    assert created["id"] == 900
    taken = await client.post("/api/v1/account-types", {"id": 900, "name": "Other"})
    assert taken.status == 409
    assert taken.error["field"] == "id"


NOTHING = ("abc", "0", "-3", "99999999999999999999", "1e3", "7", "7/effective")


@pytest.mark.parametrize("path", [f"/api/v1/accounts/{tail}" for tail in NOTHING])
async def test_ids_that_name_nothing_are_404(client: Client, path: str) -> None:
    reply = await client.get(path)
    assert reply.status == 404
    assert reply.error["field"] is None


async def test_unsupported_method_is_405(client: Client) -> None:
    assert (await client.call("PUT", "/api/v1/accounts/1", {})).status == 405
    assert (await client.call("DELETE", "/api/v1/accounts")).status == 405


async def test_duplicate_name_is_409(client: Client) -> None:
    await client.create("services", PAYLOADS["services"])
    reply = await client.post("/api/v1/services", PAYLOADS["services"])
    assert reply.status == 409
    assert reply.error["field"] == "name"


async def test_delete_of_something_in_use_is_409(client: Client) -> None:
    await client.create("accounts", PAYLOADS["accounts"])
    reply = await client.delete("/api/v1/account-statuses/1")
    assert reply.status == 409
    assert "accounts" in reply.error["message"]
    assert (await client.get("/api/v1/account-statuses/1")).status == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**PAYLOADS["accounts"], "colour": "red"}, "colour"),
        ({"status_id": 1}, "name"),
        ({**PAYLOADS["accounts"], "status_id": 77}, "status_id"),
        ({**PAYLOADS["accounts"], "status_id": "1"}, "status_id"),
        ({**PAYLOADS["accounts"], "ip_assignments": ["100.64.0.1/24"]}, "ip_assignments.0"),
        (
            {**PAYLOADS["accounts"], "radius_accounts": [{"username": "u"}]},
            "radius_accounts.0.password",
        ),
        ({**PAYLOADS["accounts"], "activated_at": "2026-01-01T00:00:00Z"}, "activated_at"),
    ],
)
async def test_invalid_values_are_422_naming_the_field(
    client: Client, body: dict[str, object], field: str
) -> None:
    reply = await client.post("/api/v1/accounts", body)
    assert reply.status == 422, reply.text
    assert reply.error["field"] == field
    assert (await client.get("/api/v1/accounts")).json()["items"] == []


async def test_a_reply_template_the_engine_cannot_compile_is_422(client: Client) -> None:
    body = {"name": "bad", "replies": [{"attribute": "A", "op": "=", "value": "{nope}"}]}
    reply = await client.post("/api/v1/radius-groups", body)
    assert reply.status == 422
    assert reply.error["field"] == "replies.0.value"
    assert "unknown placeholder" in reply.error["message"]


@pytest.mark.parametrize("raw", [b"{", b"[1, 2]", b'"text"', b"\xff\xfe", b"", b'{"a": NaN}'])
async def test_malformed_json_or_not_an_object_is_400(client: Client, raw: bytes) -> None:
    reply = await client.call("POST", "/api/v1/account-types", raw=raw)
    assert reply.status == 400
    assert reply.error["field"] is None


@pytest.mark.parametrize("framing", ["length", "chunked"])
async def test_a_body_over_one_mib_is_413(
    client: Client, server: StatusServer, framing: str
) -> None:
    chunked = framing == "chunked"
    big = json.dumps({"name": "x" * (1024 * 1024)}).encode()
    port = server.bound_port
    assert await raw_post(port, "/api/v1/account-types", big, chunked=chunked) == 413
    assert (await client.get("/api/v1/account-types")).json()["items"] == []


async def test_trigger_secret_is_returned_once(client: Client) -> None:
    created = await client.create("triggers", PAYLOADS["triggers"])
    secret = created["secret"]
    assert isinstance(secret, str)
    assert len(secret) >= 43
    one = await client.get(f"/api/v1/triggers/{created['id']}")
    assert "secret" not in one.json()
    listed = (await client.get("/api/v1/triggers")).json()["items"]
    assert all("secret" not in item for item in listed)
    patched = await client.patch(f"/api/v1/triggers/{created['id']}", {"allow_http": True})
    assert "secret" not in patched.json()
    assert secret not in (await client.get("/api/v1/events")).text


async def test_a_given_trigger_secret_is_never_echoed(client: Client) -> None:
    created = await client.create("triggers", {**PAYLOADS["triggers"], "secret": "s3cret-value"})
    assert "secret" not in created
