"""`LabRouter`: an emulated RouterOS API service on loopback, and its control API.

A test starts one, points a client at `.port`, changes the router behind the client's
back (`add_foreign`, `edit`, `reboot`, …), turns faults on and off, and reads the
resulting tables. `stop()` leaves no task and no socket behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any

from provisiond.lab.device import Device, utc_now
from provisiond.lab.errors import LabError
from provisiond.lab.faults import Direction, Faults, Injection
from provisiond.lab.listener import Listener
from provisiond.lab.session import CLOSE_TIMEOUT, Context, LabStats, Session

if TYPE_CHECKING:
    import ssl
    from collections.abc import Callable
    from datetime import datetime

MAX_SENTENCE_BYTES = 64 * 1024 * 1024

__all__ = ["LabRouter", "LabStats"]


class LabRouter(Listener):
    """One emulated router: API (or api-ssl with `ssl_context`) on `host`, `port` (0: any).

    `clock` (monotonic seconds) drives uptime and timeouts, `wall_clock` the
    `creation-time` stamps. `empty_reply` answers an empty print with `!empty`
    (RouterOS ≥ 7.18); it can be switched at run time.
    """

    NAME = "lab router"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = "admin",
        password: str = "",
        ssl_context: ssl.SSLContext | None = None,
        identity: str = "MikroTik",
        version: str = "7.18.2 (stable)",
        board_name: str = "CHR",
        empty_reply: bool = True,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = utc_now,
        max_sentence_bytes: int = MAX_SENTENCE_BYTES,
    ) -> None:
        self.host = host
        self.device = Device(
            clock=clock,
            wall_clock=wall_clock,
            identity=identity,
            version=version,
            board_name=board_name,
            empty_reply=empty_reply,
        )
        self.faults = Faults()
        self.stats = LabStats()
        self._ssl = ssl_context
        self._port = port
        self._context = Context(
            self.device, self.faults, self.stats, username, password, max_sentence_bytes
        )
        self._server: asyncio.Server | None = None
        self._handlers: dict[asyncio.Task[Any], Session | None] = {}
        self._stopping = False

    # Life cycle.

    async def start(self) -> None:
        self._stopping = False
        await self.resume_listening()

    async def stop(self) -> None:
        self._stopping = True
        server, self._server = self._server, None
        if server is not None:
            server.close()
        await self.drop_connections()
        if server is not None:
            await server.wait_closed()
        # A connection accepted in the last loop turn starts its handler only now.
        await asyncio.sleep(0)
        await self.drop_connections()

    @property
    def listening(self) -> bool:
        return self._server is not None

    async def stop_listening(self) -> None:
        """Close the listening socket (connections are refused); open ones stay."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()

    async def resume_listening(self) -> None:
        """Listen again, on the same port as before."""
        if self._server is not None:
            return
        self._server = await asyncio.start_server(
            self._on_connect, self.host, self._port, ssl=self._ssl, reuse_address=True
        )
        self._port = self._server.sockets[0].getsockname()[1]

    async def drop_connections(self) -> None:
        """Abort every open connection, as a router that loses them would."""
        handlers = dict(self._handlers)
        for session in handlers.values():
            if session is not None:
                session.stop()
        if handlers:
            await asyncio.wait(handlers)

    async def reboot(self, *, restart_ids: bool = False) -> None:
        """Drop dynamic entries, restart the uptime, renumber every `.id` (see
        `Device.reboot`), and drop the connections."""
        self.device.reboot(restart_ids=restart_ids)
        await self.drop_connections()

    # Tables, as a person at the console would change them.

    def table(self, path: str) -> list[dict[str, str]]:
        """Every entry of a table menu as `print` shows it, in order."""
        return self.device.table(path).rows(None, None)

    def add_foreign(self, path: str, **attrs: str) -> str:
        """A static entry added by hand (`max_limit=` stands for `max-limit=`); its `.id`."""
        return self.device.table(path).insert(_words(attrs), dynamic=False, system=False)

    def add_dynamic(self, path: str, **attrs: str) -> str:
        """An entry the router made itself (a PPP queue, a DNS child): clients cannot change
        or remove it, and a reboot clears it."""
        return self.device.table(path).insert(_words(attrs), dynamic=True, system=True)

    def edit(self, path: str, entry_id: str, **attrs: str) -> None:
        """Change an entry by hand; read-only properties (`bytes`, …) included."""
        self.device.table(path).edit(entry_id, _words(attrs))

    def delete(self, path: str, entry_id: str) -> None:
        self.device.table(path).delete(entry_id)

    # Faults.

    @property
    def empty_reply(self) -> bool:
        return self.device.empty_reply

    @empty_reply.setter
    def empty_reply(self, enabled: bool) -> None:
        self.device.empty_reply = enabled

    def set_latency(
        self, seconds: float, *, write_time: float = 0.0, max_in_flight: int | None = None
    ) -> None:
        """Per-command delay, serial cost per write, and per-connection command limit (the
        last one applies to connections opened afterwards)."""
        self.faults.latency = seconds
        self.faults.write_time = write_time
        self.faults.max_in_flight = max_in_flight

    def drop_after(self, sentences: int | None, *, count: Direction = "received") -> None:
        """Abort the connection carrying the sentence after the next `sentences` (see
        `Faults.drop_after`)."""
        self.faults.drop_after(sentences, count=count)

    def refuse_connections(self, *, enabled: bool = True) -> None:
        """Accept new connections and close them at once."""
        self.faults.refuse = enabled

    def inject_trap(
        self,
        path: str,
        *,
        message: str,
        verb: str | None = "add",
        where: dict[str, str] | None = None,
        category: int | None = None,
        times: int | None = 1,
    ) -> None:
        """The next `times` matching commands get `!trap` (then `!done`) and change nothing."""
        injection = Injection(message, path, verb, where or {}, category, times=times)
        self.faults.injections.append(injection)

    def inject_fatal(
        self,
        path: str | None = None,
        *,
        message: str = "connection closed by the lab",
        verb: str | None = None,
        times: int | None = 1,
    ) -> None:
        """The next matching command gets `!fatal <message>` and its connection closes."""
        self.faults.injections.append(Injection(message, path, verb, fatal=True, times=times))

    def clear_faults(self) -> None:
        self.faults.clear()

    # Connections.

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is None:
            raise LabError("a lab connection must be served by a task")
        self._handlers[task] = None
        try:
            if self._stopping or self.faults.refuse:
                await _close(writer)
                return
            self.stats.connections += 1
            session = Session(self._context, reader, writer)
            self._handlers[task] = session
            await session.serve()
        finally:
            self._handlers.pop(task, None)


def _words(attrs: dict[str, str]) -> dict[str, str]:
    # Python keywords cannot hold `-`: `max_limit` is `max-limit`.
    return {name.replace("_", "-"): value for name, value in attrs.items()}


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(ConnectionError, TimeoutError):
        await asyncio.wait_for(writer.wait_closed(), CLOSE_TIMEOUT)
