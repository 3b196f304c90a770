"""Unauthenticated probes: `/healthz`, `/readyz` and `/metrics` (DESIGN.md §7)."""

from __future__ import annotations

from typing import Final

from aiohttp import web
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, generate_latest

from provisiond.status import keys

SERVICE_UNAVAILABLE: Final = 503


async def healthz(request: web.Request) -> web.Response:  # noqa: ARG001 - aiohttp handler
    """200 while the process runs and the loop answers: that is all liveness means."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    ready, waiting = request.app[keys.API].readiness()
    if ready:
        return web.json_response({"status": "ready"})
    return web.json_response(
        {"status": "waiting", "devices": list(waiting)}, status=SERVICE_UNAVAILABLE
    )


async def metrics(request: web.Request) -> web.Response:
    text = generate_latest(request.app[keys.METRICS].registry)
    return web.Response(body=text, headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
