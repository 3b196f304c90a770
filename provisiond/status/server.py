"""`StatusServer`: the aiohttp application embedded in the daemon's own event loop.

The daemon owns signals (`handle_signals=False`), starts the server once the store is
loaded, calls `update_settings` on SIGHUP and `stop` on shutdown. Tokens and TLS
certificates take effect on reload; where it listens, and whether it uses TLS at all,
only at the next start.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import TYPE_CHECKING, Final

from aiohttp import web

from provisiond.status import (
    accounts,
    coa,
    dashboard,
    deliveries,
    devices,
    events,
    health,
    imports,
    keys,
    openapi,
    resources,
    schedule,
    sessions,
    usage,
    vacations,
)
from provisiond.status.auth import Authenticator
from provisiond.status.errors import ListenError
from provisiond.status.middleware import authenticate, handle_errors, observe

if TYPE_CHECKING:
    from provisiond.config.settings import StatusSettings
    from provisiond.observability.metrics import Metrics
    from provisiond.status.context import ApiContext

log = logging.getLogger(__name__)
ACCESS_LOG: Final = logging.getLogger("aiohttp.access")
SHUTDOWN_TIMEOUT: Final = 2.0  # seconds for open requests at stop; §3 allows 10 s in all


def build_app(*, api: ApiContext, auth: Authenticator, metrics: Metrics) -> web.Application:
    app = web.Application(middlewares=[observe, handle_errors, authenticate])
    app[keys.API] = api
    app[keys.AUTH] = auth
    app[keys.METRICS] = metrics
    app[keys.WRITE_LOCK] = asyncio.Lock()
    for module in (health, resources, accounts, events, imports, devices, openapi, dashboard):
        module.add_routes(app)
    for module in (schedule, vacations, deliveries, sessions, coa, usage):
        module.add_routes(app)
    return app


def _tls_files(settings: StatusSettings) -> tuple[str, str] | None:
    if settings.tls_cert_file is None or settings.tls_key_file is None:
        return None
    return str(settings.tls_cert_file), str(settings.tls_key_file)


def tls_context(settings: StatusSettings) -> ssl.SSLContext | None:
    """A server context from `tls_cert_file`/`tls_key_file`, or None for plain HTTP."""
    files = _tls_files(settings)
    if files is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    _load_chain(context, files)
    return context


def _load_chain(context: ssl.SSLContext, files: tuple[str, str]) -> None:
    try:
        context.load_cert_chain(*files)
    except (OSError, ssl.SSLError) as exc:
        raise ListenError(f"cannot load the TLS certificate {files[0]}: {exc}") from exc


class StatusServer:
    def __init__(self, *, settings: StatusSettings, api: ApiContext, metrics: Metrics) -> None:
        self._settings = settings  # as constructed: where to listen never changes after
        self._auth = Authenticator(settings)
        self._app = build_app(api=api, auth=self._auth, metrics=metrics)
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._tls: ssl.SSLContext | None = None

    @property
    def app(self) -> web.Application:
        """The application, for inspection (its routes, its OpenAPI document)."""
        return self._app

    @property
    def bound_port(self) -> int:
        """The port listened on (the kernel's pick when the config says 0)."""
        if self._site is None:
            raise RuntimeError("the status server is not started")
        return self._site.port

    async def start(self) -> None:
        """Listen on `status.listen`; raises `ListenError` naming what failed."""
        if self._runner is not None:
            raise RuntimeError("the status server is already started")
        self._tls = tls_context(self._settings)
        runner = web.AppRunner(
            self._app,
            handle_signals=False,
            access_log=ACCESS_LOG,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
        )
        await runner.setup()
        site = web.TCPSite(
            runner, self._settings.listen_host, self._settings.listen_port, ssl_context=self._tls
        )
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise ListenError(f"cannot listen on {self._settings.listen}: {exc}") from exc
        self._runner, self._site = runner, site
        scheme = "https" if self._tls is not None else "http"
        log.info("status endpoint on %s://%s", scheme, self._listen_text())

    def _listen_text(self) -> str:
        host = self._settings.listen_host
        return f"[{host}]:{self.bound_port}" if ":" in host else f"{host}:{self.bound_port}"

    async def stop(self) -> None:
        """Stop listening, let open requests finish (bounded), release the socket."""
        runner, self._runner, self._site = self._runner, None, None
        if runner is not None:
            await runner.cleanup()

    def update_settings(self, settings: StatusSettings) -> None:
        """SIGHUP: new tokens and certificates now; a new listen address at restart."""
        self._auth.update(settings)
        running = self._settings
        if (settings.listen_host, settings.listen_port) != (
            running.listen_host,
            running.listen_port,
        ):
            log.warning("status.listen changed; it takes effect at the next restart")
        if (_tls_files(settings) is None) != (_tls_files(running) is None):
            log.warning("status TLS switched on or off; it takes effect at the next restart")
            return
        self._reload_certificate(settings)

    def _reload_certificate(self, settings: StatusSettings) -> None:
        """Renewed certificate files apply to the next handshakes, without a restart."""
        files = _tls_files(settings)
        if self._tls is None or files is None:
            return
        try:
            _load_chain(self._tls, files)
        except ListenError as exc:
            log.error("%s; keeping the certificate in use", exc)  # noqa: TRY400 - no traceback needed
            return
        log.info("status TLS certificate reloaded from %s", files[0])
