"""The RouterOS SSH driver (`platform = "routeros-ssh"`), for routers with the API off.

The only module that imports asyncssh. It speaks the console language of
`provisiond.drivers.console` through exec requests: observes with `print terse`, applies
`batch_size` changes per round trip, and reads the uptime with `:put`. Host keys are
pinned: the key must be in `known_hosts_file` (or `~/.ssh/known_hosts`), an unknown or
changed key is refused, and no other authentication than the password is tried (no
agent, no `~/.ssh` keys, no `~/.ssh/config`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Final

import asyncssh

from provisiond.drivers import console, menus, outcomes, values
from provisiond.drivers.base import Capabilities
from provisiond.drivers.errors import (
    DriverError,
    PermanentDriverError,
    TemporaryDriverError,
    Trap,
    from_os_error,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from provisiond.config import DeviceSettings
    from provisiond.drivers.outcomes import ApplyResult, ChangeOutcome
    from provisiond.model.device_state import ObservedEntry
    from provisiond.plan import Change

logger = logging.getLogger(__name__)

CAPABILITIES: Final = Capabilities(pipeline_depth=1, batch_size=100, supports_empty_reply=False)
DEFAULT_KNOWN_HOSTS: Final = Path("~/.ssh/known_hosts")

# First match wins; asyncssh's TimeoutError is an OSError and goes to `from_os_error`.
_SSH_ERRORS: Final[tuple[tuple[type[Exception], type[DriverError], str], ...]] = (
    (asyncssh.HostKeyNotVerifiable, PermanentDriverError, "host key not trusted"),
    (asyncssh.PermissionDenied, PermanentDriverError, "login refused"),
    (asyncssh.KeyExchangeFailed, PermanentDriverError, "no algorithm in common"),
    (asyncssh.DisconnectError, TemporaryDriverError, "disconnected"),
    (asyncssh.ChannelOpenError, TemporaryDriverError, "session refused"),
)


class RouterOSSshDriver:
    """A RouterOS device over SSH; see the module docstring."""

    def __init__(
        self, settings: DeviceSettings, *, capabilities: Capabilities = CAPABILITIES
    ) -> None:
        self._settings = settings
        self._capabilities = capabilities
        self._log = logging.LoggerAdapter(
            logger, {"device": settings.name, "host": settings.host, "port": settings.port}
        )
        self._conn: asyncssh.SSHClientConnection | None = None

    @property
    def capabilities(self) -> Capabilities:
        return self._capabilities

    async def connect(self) -> None:
        if self._conn is not None and not self._conn.is_closed():
            return
        await self.close()
        # asyncssh logs every connection and channel at INFO (protocols.md §6.2).
        asyncssh.set_log_level(logging.WARNING)
        known_hosts = self._known_hosts()
        settings = self._settings
        where = f"log in to {settings.host}:{settings.port} over SSH"
        try:
            self._conn = await asyncssh.connect(
                settings.host,
                port=settings.port,
                username=f"{settings.username}+{console.LOGIN_OPTIONS}",
                password=settings.password.reveal() if settings.password is not None else "",
                known_hosts=known_hosts,
                client_keys=None,
                agent_path=None,
                config=None,
                preferred_auth=("password", "keyboard-interactive"),
                connect_timeout=settings.timeout,
                login_timeout=settings.timeout,
            )
        except (asyncssh.Error, OSError) as exc:
            raise _translate(exc, where) from exc
        self._log.debug("logged in over SSH")

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
            await conn.wait_closed()

    async def observe(
        self, path: str, *, lists: Sequence[str] | None = None
    ) -> list[ObservedEntry]:
        spec = menus.menu(path)
        names = menus.selections(spec, lists)
        size = self._capabilities.batch_size
        entries: list[ObservedEntry] = []
        for start in range(0, len(names), size):
            output = await self._run(console.print_script(spec, names[start : start + size]))
            entries.extend(values.entry(path, row) for row in console.parse_terse(output))
        return entries

    async def apply(self, changes: Sequence[Change]) -> ApplyResult:
        return await outcomes.apply_phases(changes, self._apply_phase)

    async def uptime(self) -> float:
        return values.parse_uptime(await self._run(console.UPTIME_SCRIPT))

    async def _apply_phase(self, phase: list[Change], done: list[ChangeOutcome]) -> None:
        """Send `batch_size` changes per script; after a failed one, resend those after it."""
        pending = phase
        while pending:
            batch = pending[: self._capabilities.batch_size]
            report = console.parse_batch(await self._run(console.apply_script(batch)), len(batch))
            ran = len(report.done)
            done.extend(
                outcomes.outcome_of(change, None, marker)
                for change, marker in zip(batch, report.done, strict=False)
            )
            if report.error is not None:
                done.append(outcomes.outcome_of(batch[ran], Trap(report.error), None))
                ran += 1
            pending = pending[ran:]

    async def _run(self, script: str) -> str:
        conn = self._conn
        if conn is None or conn.is_closed():
            raise TemporaryDriverError("not connected: call connect() first")
        try:
            result = await conn.run(script, check=False, timeout=self._settings.timeout)
        except (asyncssh.Error, OSError) as exc:
            raise _translate(exc, "run a console script") from exc
        # The console prints errors on stdout; anything on stderr is an error line too.
        return _text(result.stdout) + _text(result.stderr)

    def _known_hosts(self) -> asyncssh.SSHKnownHosts:
        path = (self._settings.known_hosts_file or DEFAULT_KNOWN_HOSTS).expanduser()
        try:
            return asyncssh.read_known_hosts(str(path))
        except (OSError, ValueError) as exc:
            # Without trusted keys every host key would be unknown: nothing to retry.
            raise PermanentDriverError(f"known hosts {path}: {exc}") from exc


def _translate(exc: asyncssh.Error | OSError, where: str) -> DriverError:
    if isinstance(exc, OSError):
        return from_os_error(exc, where)
    for kind, error, what in _SSH_ERRORS:
        if isinstance(exc, kind):
            return error(f"{where}: {what}: {exc.reason}")
    return TemporaryDriverError(f"{where}: {exc.reason}")


def _text(output: str | bytes | None) -> str:
    if isinstance(output, bytes):
        return output.decode("utf-8", "replace")
    return output or ""
