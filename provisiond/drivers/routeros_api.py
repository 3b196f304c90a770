"""The RouterOS API driver: librouteros logs in, our pipelined session does the rest.

`librouteros.async_connect` opens the connection (api, or api-ssl with a verifying
`SSLContext`) and performs the plain login, so its handling of the login exchange and
its errors is reused. Then its streams are handed to `session.Session`, which sends
tagged commands with up to `pipeline_depth` in flight: a librouteros connection answers
one command per round trip, which makes a 100,000-entry sync take minutes instead of
seconds (docs/drivers.md has the measurements). Every read goes through the session too,
so prints of several lists run side by side and 100,000 rows are decoded without three
awaits per word.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import TYPE_CHECKING, Final, Protocol

import librouteros
from librouteros.exceptions import LibRouterosError, MultiTrapError, TrapError

from provisiond.drivers import menus, outcomes, values
from provisiond.drivers.base import Capabilities
from provisiond.drivers.errors import (
    PermanentDriverError,
    TemporaryDriverError,
    UnexpectedReplyError,
    from_os_error,
)
from provisiond.drivers.session import Log, Session
from provisiond.plan import Op

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from provisiond.config import DeviceSettings
    from provisiond.drivers.outcomes import ApplyResult, ChangeOutcome
    from provisiond.drivers.session import Batch, Reply
    from provisiond.model.device_state import ObservedEntry
    from provisiond.plan import Change

logger = logging.getLogger(__name__)

ENCODING: Final = "utf-8"
CAPABILITIES: Final = Capabilities(pipeline_depth=64, batch_size=1, supports_empty_reply=True)
# A trap of this category on a read means someone ran `/cancel`; the read may be retried.
_INTERRUPTED: Final = 2


class RouterOSApiDriver:
    """A RouterOS device over the API (`platform = "routeros"`).

    `ca_file` is a PEM bundle of the CAs that may sign the router's api-ssl certificate;
    without it the system's store is used. The connection is made by `connect()`; after a
    `TemporaryDriverError` call `connect()` again to log in anew.
    """

    def __init__(
        self,
        settings: DeviceSettings,
        *,
        capabilities: Capabilities = CAPABILITIES,
        ca_file: Path | None = None,
    ) -> None:
        self._settings = settings
        self._capabilities = capabilities
        self._log: Log = logging.LoggerAdapter(
            logger, {"device": settings.name, "host": settings.host, "port": settings.port}
        )
        self._tls = tls_context(settings, ca_file=ca_file or settings.tls_ca_file, log=self._log)
        self._session: Session | None = None

    @property
    def capabilities(self) -> Capabilities:
        return self._capabilities

    async def connect(self) -> None:
        if self._session is not None and self._session.alive:
            return
        await self.close()
        reader, writer = await self._login()
        self._session = Session(
            reader,
            writer,
            timeout=self._settings.timeout,
            depth=self._capabilities.pipeline_depth,
            log=self._log,
            encoding=ENCODING,
        )
        self._log.debug("logged in over %s", "api-ssl" if self._tls else "api")

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def observe(
        self, path: str, *, lists: Sequence[str] | None = None
    ) -> list[ObservedEntry]:
        spec = menus.menu(path)
        batch = await self._run([print_words(spec, name) for name in menus.selections(spec, lists)])
        entries: list[ObservedEntry] = []
        for reply in _complete(batch):
            _check_read(path, reply)
            entries.extend(values.entry(path, row) for row in reply.rows)
        return entries

    async def apply(self, changes: Sequence[Change]) -> ApplyResult:
        result = await outcomes.apply_phases(changes, self._apply_phase)
        self._log.debug(
            "applied %d changes, %d rejected", len(result.outcomes), len(result.rejected)
        )
        return result

    async def _apply_phase(self, phase: list[Change], done: list[ChangeOutcome]) -> None:
        """One phase in one pipeline; what the device answered lands in `done` even when
        the connection fails halfway."""
        batch = await self._run([change_words(change) for change in phase])
        done.extend(
            outcomes.outcome_of(change, reply.trap, reply.done.get("ret"))
            for change, reply in zip(phase, batch.replies, strict=True)
            if reply is not None
        )
        if batch.failure is not None:
            raise batch.failure

    async def uptime(self) -> float:
        words = [f"{menus.RESOURCE_PATH}/print", "=.proplist=uptime"]
        (reply,) = _complete(await self._run([words]))
        _check_read(menus.RESOURCE_PATH, reply)
        if not reply.rows or "uptime" not in reply.rows[0]:
            raise UnexpectedReplyError(f"{menus.RESOURCE_PATH} printed no uptime")
        return values.parse_uptime(reply.rows[0]["uptime"])

    async def _run(self, sentences: Sequence[Sequence[str]]) -> Batch:
        session = self._session
        if session is None or not session.alive:
            raise TemporaryDriverError("not connected: call connect() first")
        return await session.pipeline(sentences)

    async def _login(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        settings = self._settings
        where = f"log in to {settings.host}:{settings.port}"
        password = settings.password.reveal() if settings.password is not None else ""
        try:
            api: _AsyncApi = await librouteros.async_connect(
                settings.host,
                settings.username,
                password,
                port=settings.port,
                timeout=settings.timeout,
                encoding=ENCODING,
                ssl_wrapper=self._tls,
            )
        except (TrapError, MultiTrapError) as exc:
            # The only trap `/login` answers is a refusal: wrong name or password.
            raise PermanentDriverError(f"{where}: login refused: {exc}") from exc
        except LibRouterosError as exc:  # closed, `!fatal`, garbage: as a dropped connection
            raise TemporaryDriverError(f"{where}: {type(exc).__name__}: {exc}") from exc
        except OSError as exc:  # refused, reset, TLS, timeouts (TimeoutError is an OSError)
            raise from_os_error(exc, where) from exc
        return _streams(api)


def tls_context(
    settings: DeviceSettings, *, ca_file: Path | None, log: Log
) -> ssl.SSLContext | None:
    """api-ssl's client context: the certificate and host name verified unless `tls_verify`
    is off, which is logged once, as a warning, when the driver is made."""
    if not settings.tls:
        return None
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    if not settings.tls_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        log.warning("api-ssl certificate verification is off (tls_verify = false)")
    return context


def print_words(spec: menus.Menu, list_name: str | None) -> list[str]:
    words = [f"{spec.path}/print", f"=.proplist={spec.properties}"]
    if list_name is not None:
        words.append(f"?list={list_name}")
    return words


def change_words(change: Change) -> list[str]:
    """The API sentence of a change: a remove sends its `.id` only (the entry's identity
    attributes are there for people to read, not for the router)."""
    if change.op is Op.REMOVE:
        return [f"{change.path}/remove", f"=.id={change.target_id}"]
    return [f"{change.path}/{change.op}", *(f"={k}={v}" for k, v in change.entry.items())]


def _complete(batch: Batch) -> list[Reply]:
    if batch.failure is not None:
        raise batch.failure
    return [reply for reply in batch.replies if reply is not None]


def _check_read(path: str, reply: Reply) -> None:
    trap = reply.trap
    if trap is None:
        return
    if trap.category == _INTERRUPTED:
        raise TemporaryDriverError(f"print {path} was interrupted: {trap}")
    raise PermanentDriverError(f"print {path} refused: {trap}")


class _Transport(Protocol):
    reader: object
    writer: object


class _ApiProtocol(Protocol):
    transport: _Transport


class _AsyncApi(Protocol):
    """The part of librouteros' (untyped) `AsyncApi` we rely on."""

    protocol: _ApiProtocol


def _streams(api: _AsyncApi) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """The logged-in connection's streams, taken over from librouteros."""
    transport = api.protocol.transport
    reader, writer = transport.reader, transport.writer
    if not isinstance(reader, asyncio.StreamReader) or not isinstance(writer, asyncio.StreamWriter):
        raise TypeError("librouteros no longer exposes its asyncio streams")
    return reader, writer
