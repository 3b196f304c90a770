"""A thin JSON client for the status endpoint, and the payloads the tests create."""

from __future__ import annotations

import asyncio
import io
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Mapping

    import aiohttp

ADMIN: Final = "admin-token-value"
READER: Final = "read-token-value"
ALICE: Final = "alice-token-value"  # a named admin token
BOB: Final = "bob-token-value"  # a named read token

# One valid create payload per kind; accounts name status 1, which `seeded` creates.
PAYLOADS: Final[Mapping[str, dict[str, Any]]] = {
    "account-statuses": {"name": "Suspended", "activates_account": False},
    "account-types": {"name": "Residential"},
    "account-groups": {"name": "North"},
    "usage-policies": {
        "name": "100 GB",
        "cap_gb": 100,
        "free_periods": [{"day": "monday", "start": "00:00", "end": "06:00"}],
    },
    "services": {"name": "100M", "download_kbps": 100_000, "upload_kbps": 20_000},
    "address-lists": {"name": "active-subs", "account_status": "active"},
    "radius-groups": {
        "name": "rate",
        "replies": [{"attribute": "Mikrotik-Rate-Limit", "op": ":=", "value": "{rate_limit}"}],
    },
    "triggers": {
        "name": "activated",
        "event": "account.activated",
        "webhook_url": "https://hooks.example.net/x",
    },
    "accounts": {"name": "Alice", "status_id": 1, "ip_assignments": ["100.64.0.10/32"]},
}
SEGMENTS: Final = tuple(PAYLOADS)


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def error(self) -> dict[str, Any]:
        """The `error` member of an error answer, after checking the §7 shape."""
        body = self.json()
        assert set(body) == {"error"}, body
        assert set(body["error"]) == {"message", "field"}, body
        assert isinstance(body["error"]["message"], str)
        return dict(body["error"])


@dataclass(frozen=True, slots=True)
class Client:
    session: aiohttp.ClientSession
    base: str
    token: str | None = ADMIN

    def as_(self, token: str | None) -> Client:
        return Client(self.session, self.base, token)

    async def call(
        self,
        method: str,
        path: str,
        body: object = None,
        *,
        raw: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        sent = dict(headers or {})
        if self.token is not None:
            sent.setdefault("Authorization", f"Bearer {self.token}")
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        # A file object, not bytes: aiohttp warns about large raw bodies, and warnings fail.
        payload = None if data is None else io.BytesIO(data)
        async with self.session.request(
            method, self.base + path, data=payload, headers=sent
        ) as response:
            return Reply(response.status, dict(response.headers), await response.text())

    async def get(self, path: str) -> Reply:
        return await self.call("GET", path)

    async def post(self, path: str, body: object = None) -> Reply:
        return await self.call("POST", path, body)

    async def patch(self, path: str, body: object) -> Reply:
        headers = {"Content-Type": "application/merge-patch+json"}
        return await self.call("PATCH", path, body, headers=headers)

    async def delete(self, path: str) -> Reply:
        return await self.call("DELETE", path)

    async def create(self, segment: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST that must succeed; the created object."""
        reply = await self.post(f"/api/v1/{segment}", dict(body))
        assert reply.status == 201, reply.text
        created: dict[str, Any] = reply.json()
        return created


async def raw_post(
    port: int, path: str, body: bytes, *, token: str = ADMIN, chunked: bool = False
) -> int:
    """POST over a bare socket that always sends the whole body, whatever the server says.

    aiohttp's client stops sending once a response arrives and drops the connection; the
    server then lingers on the unread body for up to 10 s in a task no shutdown reaches.
    A real client that finishes its upload lets the server finish the request cleanly.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\n{framing}\r\nConnection: close\r\n\r\n"
    )
    if chunked:
        body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    writer.write(head.encode() + body)
    try:
        drained = asyncio.ensure_future(writer.drain())
        status_line = await reader.readline()
        await drained
        await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()
    return int(status_line.split()[1])
