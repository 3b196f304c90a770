"""`RadiusServer`: the auth and accounting listeners, as one object the daemon wires in.

The daemon gives it the `[radius]` settings, the NAS table, the state directory, the
policy engine, the store, a clock, the metrics, and a callback for session addresses;
then it calls `start()`, feeds it the change feed's usernames (`invalidate`), schedules
`sweep(now)`, and calls `stop()`. See docs/radius.md for the whole contract.

    server = RadiusServer(settings=settings.radius,
                          nas_table=NasTable.from_devices(settings.devices),
                          state_dir=settings.state_dir, engine=engine, store=store,
                          clock=clock, metrics=metrics, on_sessions_changed=callback)
    await server.load()                  # open sessions, before the engine is seeded
    engine.load(dataset, sessions=server.open_session_addresses())
    await server.start()                 # lock, bind (RadiusBindError), accounting task
    ...
    server.invalidate(dirty.usernames)   # after every engine change
    closed = await server.sweep(clock.now())
    server.update(new_settings.radius, NasTable.from_devices(new_settings.devices))
    await server.stop()
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Final, TypeAlias

from provisiond.radius.acct_writer import AccountingWriter, UsageMeter
from provisiond.radius.decisions import DecisionCache
from provisiond.radius.dedup import DuplicateCache
from provisiond.radius.dictionary import load_dictionary
from provisiond.radius.endpoint import DrainingTransport, RadiusLock, bind_all
from provisiond.radius.errors import RadiusError
from provisiond.radius.protocol import Handler, RadiusProtocol
from provisiond.radius.session_book import Control, NasReboot, SessionBook, Sweep
from provisiond.radius.stats import RadiusStats
from provisiond.store.sessions import SessionStore

if TYPE_CHECKING:
    import socket
    from collections.abc import Callable, Iterable
    from datetime import datetime
    from pathlib import Path

    from pyrad.dictionary import Dictionary

    from provisiond.config.settings import RadiusSettings
    from provisiond.model.clock import Clock
    from provisiond.model.device_state import SessionAddress
    from provisiond.observability.metrics import Metrics
    from provisiond.radius.clients import NasTable
    from provisiond.radius.decisions import Authorizer
    from provisiond.store import Store

log = logging.getLogger(__name__)

SessionsChanged: TypeAlias = "Callable[[int, tuple[SessionAddress, ...]], None]"
"""(account id, the addresses of all its open sessions now): for `engine.set_sessions`."""

_RESTART_ONLY: Final = ("listen", "auth_port", "acct_port")


class RadiusServer:
    def __init__(
        self,
        *,
        settings: RadiusSettings,
        nas_table: NasTable,
        state_dir: Path,
        engine: Authorizer,
        store: Store,
        clock: Clock,
        metrics: Metrics,
        on_sessions_changed: SessionsChanged,
        dictionary: Dictionary | None = None,
        usage: UsageMeter | None = None,
    ) -> None:
        """`usage` counts the traffic of every accounting batch in its commit (§6)."""
        self._settings = settings
        self._state_dir = state_dir
        self._clock = clock
        self._on_sessions_changed = on_sessions_changed
        self._stats = RadiusStats(metrics)
        self._book = SessionBook()
        self._sessions = SessionStore(store)
        self._decisions = DecisionCache(engine, dictionary or load_dictionary())
        self._loaded = False
        self._lock: RadiusLock | None = None
        self._transports: list[DrainingTransport] = []
        self._protocols: list[RadiusProtocol] = []
        self._task: asyncio.Task[None] | None = None
        self._writer = AccountingWriter(
            book=self._book,
            sessions=self._sessions,
            clock=clock,
            stats=self._stats,
            on_accounts=self._notify,
            usage=usage,
        )
        self._handler = Handler(
            table=nas_table,
            decisions=self._decisions,
            writer=self._writer,
            auth_cache=DuplicateCache(),
            acct_cache=DuplicateCache(),
            clock=clock,
            stats=self._stats,
        )

    # -- life cycle --------------------------------------------------------------------

    async def load(self) -> None:
        """Read the open sessions from the store (once; `start` does it when not done)."""
        if self._loaded:
            return
        rows, last_id = await self._sessions.load_open()
        self._book.load(rows, last_id)
        self._stats.sessions.set(len(self._book))
        self._loaded = True

    async def start(self) -> None:
        """Take `radius.lock`, load the sessions, bind every socket, start accounting.

        Raises `RadiusBindError` naming the address and port when one is taken (another
        instance) or the lock is held; nothing stays bound or locked then.
        """
        if self._lock is not None or self._task is not None:
            raise RadiusError("the RADIUS server was already started")
        lock = RadiusLock.acquire(self._state_dir)
        try:
            await self.load()
            sockets = self._bind_all()
        except BaseException:
            lock.release()
            raise
        self._lock = lock
        loop = asyncio.get_running_loop()
        for sock, accounting in sockets:
            protocol = RadiusProtocol(self._handler, accounting=accounting)
            self._protocols.append(protocol)
            self._transports.append(DrainingTransport(loop, sock, protocol))
        self._task = asyncio.create_task(self._writer.run(), name="radius-accounting")
        log.info(
            "RADIUS listening: auth %s, accounting %s", self.auth_addresses, self.acct_addresses
        )

    def _bind_all(self) -> list[tuple[socket.socket, bool]]:
        """The auth and accounting sockets of every listen address, each with whether it
        takes accounting."""
        ports = ((self._settings.auth_port, False), (self._settings.acct_port, True))
        wanted = [
            (host, port, accounting) for host in self._settings.listen for port, accounting in ports
        ]
        bound = bind_all([(host, port) for host, port, _ in wanted])
        return [(sock, accounting) for sock, (_, _, accounting) in zip(bound, wanted, strict=True)]

    async def stop(self) -> None:
        """Stop taking requests, commit and answer the accounting already taken, unbind."""
        for transport in self._transports:
            transport.pause_reading()
        self._writer.close()
        if self._task is not None:
            await self._task
        for transport in self._transports:
            transport.close()
        self._transports.clear()
        self._protocols.clear()
        if self._lock is not None:
            self._lock.release()
        log.info("RADIUS stopped")

    # -- what the daemon calls ---------------------------------------------------------

    def invalidate(self, usernames: Iterable[str]) -> None:
        """Forget the cached answers of these users (the engine's `Dirty.usernames`)."""
        self._decisions.invalidate(usernames)

    def set_engine(self, engine: Authorizer) -> None:
        """Answer from a rebuilt policy engine from now on; every cached answer goes."""
        self._decisions.clear(engine)

    def update(self, settings: RadiusSettings, nas_table: NasTable) -> None:
        """A reload: new clients and secrets, Message-Authenticator rules, `stale_after`.

        The listen addresses and ports are bound at start and change only at a restart.
        """
        for name in _RESTART_ONLY:
            if getattr(settings, name) != getattr(self._settings, name):
                log.warning("radius.%s changed; it takes effect at the next restart", name)
        self._settings = settings
        self._handler.table = nas_table
        self._handler.warned.clear()
        self._decisions.clear()

    async def sweep(self, now: datetime) -> int:
        """Close the sessions without accounting for `stale_after`; how many were closed."""
        return await self._writer.control(Sweep(now, self._settings.stale_after))

    async def nas_rebooted(self, nas: str) -> int:
        """Close every open session of a NAS (its reboot was detected, DESIGN.md §4)."""
        return await self._writer.control(NasReboot(nas, self._clock.now()))

    def open_session_addresses(self) -> list[SessionAddress]:
        """The soft addresses of every open session, to seed the policy engine."""
        return self._book.all_addresses()

    async def control(self, event: Control) -> int:
        """Run a session control (a CoA outcome, a local close) through the accounting
        writer, in turn with the records, so the book and the table change together."""
        return await self._writer.control(event)

    @property
    def book(self) -> SessionBook:
        """The open sessions in memory. Read it; change it only through `control`."""
        return self._book

    @property
    def stats(self) -> RadiusStats:
        return self._stats

    @property
    def sessions(self) -> SessionStore:
        """The session table, for readers (the API)."""
        return self._sessions

    @property
    def auth_addresses(self) -> list[tuple[str, int]]:
        return self._bound(accounting=False)

    @property
    def acct_addresses(self) -> list[tuple[str, int]]:
        return self._bound(accounting=True)

    @property
    def protocols(self) -> list[RadiusProtocol]:
        """The bound sockets' protocols (auth and accounting per listen address)."""
        return list(self._protocols)

    def _bound(self, *, accounting: bool) -> list[tuple[str, int]]:
        found = []
        for transport, protocol in zip(self._transports, self._protocols, strict=True):
            if protocol.accounting == accounting:
                name = transport.get_extra_info("sockname")
                found.append((str(name[0]), int(name[1])))
        return found

    def _notify(self, account_ids: set[int]) -> None:
        for account_id in sorted(account_ids):
            try:
                self._on_sessions_changed(account_id, self._book.addresses_of(account_id))
            except Exception:
                log.exception("the session-address callback failed for account %d", account_id)
