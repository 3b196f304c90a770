"""Typed keys of the aiohttp application and request state (aiohttp `AppKey`).

The key objects are built at import time with their real classes, which is why those
classes are imported at runtime here despite `from __future__ import annotations`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from provisiond.observability.metrics import Metrics
from provisiond.status.auth import Authenticator, Principal
from provisiond.status.context import ApiContext

API = web.AppKey("api", ApiContext)
AUTH = web.AppKey("auth", Authenticator)
METRICS = web.AppKey("metrics", Metrics)
# One API write at a time: a PATCH reads, merges and writes back, and two interleaved
# PATCHes of one object would otherwise lose one of the changes.
WRITE_LOCK = web.AppKey("write_lock", asyncio.Lock)
# The OpenAPI document, built once when the application is.
OPENAPI: web.AppKey[dict[str, Any]] = web.AppKey("openapi")
PRINCIPAL = web.RequestKey("principal", Principal)
