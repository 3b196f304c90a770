"""`/healthz`, `/readyz` and `/metrics`: unauthenticated, exact shapes (DESIGN.md §7)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.integration.status.conftest import Daemon
    from tests.integration.status.support import Client


async def test_healthz_needs_no_token(client: Client) -> None:
    reply = await client.as_(None).get("/healthz")
    assert reply.status == 200
    assert reply.json() == {"status": "ok"}


async def test_readyz_follows_the_daemons_readiness(client: Client, daemon: Daemon) -> None:
    anonymous = client.as_(None)
    daemon.ready, daemon.waiting = False, ["core-1", "edge-2"]
    waiting = await anonymous.get("/readyz")
    assert waiting.status == 503
    assert waiting.json() == {"status": "waiting", "devices": ["core-1", "edge-2"]}
    daemon.ready, daemon.waiting = True, []
    ready = await anonymous.get("/readyz")
    assert ready.status == 200
    assert ready.json() == {"status": "ready"}


async def test_metrics_are_prometheus_text_with_route_templates(client: Client) -> None:
    await client.get("/api/v1/accounts/4242")
    await client.as_(None).get("/api/v1/accounts")
    reply = await client.as_(None).get("/metrics")
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = reply.text
    assert "# TYPE provisiond_http_requests_total counter" in text
    by_id = 'method="GET",route="/api/v1/accounts/{id}",status="404"'
    assert f"provisiond_http_requests_total{{{by_id}}} 1.0" in text
    assert (
        'provisiond_http_requests_total{method="GET",route="/api/v1/accounts",status="401"} 1.0'
        in text
    )
    assert "provisiond_http_request_duration_seconds_bucket" in text
    assert "4242" not in text  # labels never carry ids


async def test_unknown_paths_and_methods_get_the_json_error_shape(client: Client) -> None:
    missing = await client.as_(None).get("/nowhere")
    assert missing.status == 404
    assert missing.error["field"] is None
    wrong = await client.as_(None).call("POST", "/healthz")
    assert wrong.status == 405
    assert "GET" in wrong.headers["Allow"]
    assert wrong.error["message"] == "method not allowed"
