"""A small blocking client of the status API, for the commands that talk to a daemon.

`provisiond import` hands its document to a running daemon, and `provisiond status`
summarises one. The standard library's urllib is enough for a handful of requests and
keeps aiohttp confined to the server side.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from provisiond import config


class ClientError(Exception):
    """The daemon could not be reached, or answered with an error; the text says which."""


@dataclass(frozen=True, slots=True)
class ApiClient:
    url: str  # e.g. "http://127.0.0.1:8080", no trailing slash
    token: str | None
    cafile: Path | None = None
    timeout: float = 30.0

    def get(self, path: str) -> tuple[int, object]:
        return self.request("GET", path)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, object]:
        """Send one request; a 4xx/5xx comes back as its status and decoded error body."""
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(  # noqa: S310 - http(s) URL of our own daemon
            self.url + path, data=body, method=method, headers=headers
        )
        context = ssl.create_default_context(cafile=str(self.cafile)) if self.cafile else None
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=context) as reply:  # noqa: S310
                return reply.status, _decode(reply.read(), reply.headers.get_content_type())
        except urllib.error.HTTPError as exc:
            return exc.code, _decode(exc.read(), exc.headers.get_content_type())
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ClientError(f"cannot reach provisiond at {self.url}: {reason}") from exc


def _decode(raw: bytes, content_type: str) -> object:
    if content_type == "application/json":
        try:
            return json.loads(raw)
        except ValueError:
            return None
    return raw.decode(errors="replace")


def error_text(status: int, body: object) -> str:
    """`field: message` from the API's error shape, else the HTTP status."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        field = error.get("field")
        return f"{field}: {error.get('message')}" if field else str(error.get("message"))
    return f"HTTP {status}"


def admin_token(settings: config.Settings) -> str | None:
    """The config's admin token, else its first named admin token."""
    status = settings.status
    if status.admin_token is not None:
        return status.admin_token.reveal()
    for named in status.tokens:
        if named.role == "admin":
            return named.token.reveal()
    return None


def read_token(settings: config.Settings) -> str | None:
    """Any token that may read: the read token first, since a summary needs no more."""
    status = settings.status
    if status.read_token is not None:
        return status.read_token.reveal()
    return admin_token(settings) or next((t.token.reveal() for t in status.tokens), None)
