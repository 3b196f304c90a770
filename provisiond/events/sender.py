"""`HttpSender`: one webhook POST over aiohttp, with the SSRF rules of DESIGN.md §6.

Every request is checked (`targets.check_url`) and resolved through `GuardedResolver`
with the DNS cache off, so each attempt re-checks the addresses it connects to. Redirects
are not followed (a 3xx is a failed attempt), proxies from the environment are not used
(they would connect on our behalf to anywhere), and each request has `[webhooks] timeout`
in all. aiohttp's errors become `DeliveryError` here; a refused target is permanent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import aiohttp

import provisiond
from provisiond.events import targets
from provisiond.events.errors import DeliveryError, RefusedTargetError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from aiohttp.abc import AbstractResolver

    from provisiond.config.settings import WebhooksSettings

USER_AGENT: Final = f"provisiond/{provisiond.__version__}"


def _refusal(exc: BaseException) -> RefusedTargetError | None:
    """The refusal behind an aiohttp connection error, if that is what it was."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, RefusedTargetError):
            return seen
        seen = getattr(seen, "os_error", None) or seen.__cause__
    return None


class HttpSender:
    def __init__(
        self,
        settings: Callable[[], WebhooksSettings],
        *,
        concurrency: int,
        resolver: AbstractResolver | None = None,
    ) -> None:
        """`settings` is asked on every attempt, so a SIGHUP's `allow_hosts` applies at
        once; `resolver` replaces the system's (tests resolve names to loopback)."""
        self._settings = settings
        self._concurrency = concurrency
        self._resolver = resolver
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        connector = aiohttp.TCPConnector(
            resolver=targets.GuardedResolver(self._settings, self._resolver),
            use_dns_cache=False,
            limit=self._concurrency,
        )
        self._session = aiohttp.ClientSession(
            connector=connector, trust_env=False, headers={"User-Agent": USER_AGENT}
        )

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def post(
        self, url: str, body: bytes, headers: Mapping[str, str], *, allow_http: bool
    ) -> int:
        """POST `body`; the response's status code, or `DeliveryError`."""
        if self._session is None:
            raise RuntimeError("the webhook sender is not open")
        settings = self._settings()
        targets.check_url(url, allow_http=allow_http, settings=settings)
        sent = {**headers, "Content-Type": "application/json"}
        timeout = aiohttp.ClientTimeout(total=settings.timeout)
        try:
            async with self._session.post(
                url, data=body, headers=sent, allow_redirects=False, timeout=timeout
            ) as response:
                return response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            refusal = _refusal(exc)
            if refusal is not None:
                raise RefusedTargetError(str(refusal)) from exc
            message = str(exc) or type(exc).__name__
            raise DeliveryError(f"no answer: {message}") from exc
