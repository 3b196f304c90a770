"""`provisiond status`: a readable summary of a running daemon, from its API."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from provisiond.client import error_text

if TYPE_CHECKING:
    from provisiond.client import ApiClient

_HTTP_OK = 200
_HTTP_NOT_FOUND = 404
_GAUGE = re.compile(r"^(provisiond_accounts|provisiond_config_last_reload_successful) (\S+)$", re.M)


def render(client: ApiClient) -> list[str]:
    """The summary lines; raises `client.ClientError` when the daemon is unreachable."""
    lines = [f"provisiond at {client.url}"]
    lines += _health(client)
    lines += _gauges(client)
    lines += _devices(client)
    return lines


def _health(client: ApiClient) -> list[str]:
    status, _ = client.get("/healthz")
    ready_status, ready = client.get("/readyz")
    state = "ready" if ready_status == _HTTP_OK else "not ready"
    lines = [
        f"  health:    {'ok' if status == _HTTP_OK else f'HTTP {status}'}",
        f"  readiness: {state}",
    ]
    if isinstance(ready, dict) and ready.get("devices"):
        lines.append(f"  waiting for: {', '.join(map(str, ready['devices']))}")
    return lines


def _gauges(client: ApiClient) -> list[str]:
    status, text = client.get("/metrics")
    if status != _HTTP_OK or not isinstance(text, str):
        return [f"  metrics:   {error_text(status, text)}"]
    values = dict(_GAUGE.findall(text))
    accounts = values.get("provisiond_accounts", "?").removesuffix(".0")
    config_ok = values.get("provisiond_config_last_reload_successful") == "1.0"
    config_state = "loaded" if config_ok else "last reload refused (running on the last good one)"
    return [f"  accounts:  {accounts}", f"  config:    {config_state}"]


def _devices(client: ApiClient) -> list[str]:
    status, body = client.get("/api/v1/devices")
    if status == _HTTP_NOT_FOUND:
        return ["  devices:   device sync is not available in this version"]
    if status != _HTTP_OK or not isinstance(body, dict):
        return [f"  devices:   {error_text(status, body)}"]
    items = body.get("items", [])
    lines = [f"  devices:   {len(items)}"]
    for item in items:
        lines.append(
            "    {name:<16} {state:<12} pending={pending_changes} owned={owned_entries}"
            " blocked={blocked_entries} last_sync={last_sync_at}".format_map(item)
        )
        if item.get("last_error"):
            lines.append(f"      last error: {item['last_error']}")
    return lines
