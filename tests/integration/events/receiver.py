"""A real webhook receiver on loopback that checks every signature, as docs/triggers.md
tells receivers to, and answers with the statuses a test queues."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from provisiond.events import signing

if TYPE_CHECKING:
    import asyncio

    from provisiond.runtime.clock import FakeClock

SECRET = "receiver-secret"
TOLERANCE = 300  # seconds a signed timestamp may be off


@dataclass
class Receiver:
    clock: FakeClock
    statuses: list[int] = field(default_factory=list)  # answers to give, then 204s
    received: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0  # requests whose signature did not check out
    hits: dict[str, int] = field(default_factory=dict)  # per path
    hang: asyncio.Event | None = None  # set: requests wait until it is set
    port: int = 0
    _runner: web.AppRunner | None = None

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    async def _handle(self, request: web.Request) -> web.Response:
        self.hits[request.path] = self.hits.get(request.path, 0) + 1
        if self.hang is not None:
            await self.hang.wait()
        body = await request.read()
        if not signing.verify(
            SECRET,
            timestamp=request.headers.get(signing.TIMESTAMP_HEADER, ""),
            signature_header=request.headers.get(signing.SIGNATURE_HEADER, ""),
            body=body,
            now=int(self.clock.now().timestamp()),
            tolerance=TOLERANCE,
        ):
            self.refused += 1
            return web.Response(status=401)
        self.received.append(json.loads(body))
        status = self.statuses.pop(0) if self.statuses else 204
        headers = {"Location": "/elsewhere"} if 300 <= status < 400 else None
        return web.Response(status=status, headers=headers)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{path:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site.port

    async def stop(self) -> None:
        if self.hang is not None:
            self.hang.set()
        if self._runner is not None:
            await self._runner.cleanup()
