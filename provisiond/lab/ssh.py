"""The lab router's console over SSH: each exec request runs a `lab.cli` script.

Serve the same `Device` as a `LabRouter` to have one router reachable over the API and
over SSH, as a real one is:

    async with LabRouter(password="pw") as router, \\
            LabSshServer(router.device, password="pw") as ssh:
        known_hosts.write_text(ssh.known_hosts_line())

A user name may carry console login options after `+` (`admin+cet512w`); they are
recorded in `login_options` and otherwise ignored, since the lab prints no colours and
wraps nothing. The last 1,000 scripts run are kept in `scripts`. Only password
authentication is offered. An interactive shell is not emulated: a session without a
command gets one error line and exit status 1.
"""

from __future__ import annotations

import asyncio
import hmac
from collections import deque
from typing import TYPE_CHECKING

import asyncssh

from provisiond.lab import cli
from provisiond.lab.listener import Listener

if TYPE_CHECKING:
    from provisiond.lab.device import Device

NO_SHELL = "the lab console runs exec requests only\r\n"
HISTORY = 1_000


class LabSshServer(Listener):
    """SSH on `host`, `port` (0: any free port) in front of `device`'s console."""

    NAME = "lab SSH server"

    def __init__(
        self,
        device: Device,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = "admin",
        password: str = "",
        host_key: asyncssh.SSHKey | None = None,
    ) -> None:
        self.device = device
        self.host = host
        self.username = username
        self.password = password
        self.host_key = host_key or asyncssh.generate_private_key("ssh-ed25519")
        # The latest logins' options and scripts, for tests (bounded: `provisiond lab`
        # may run for days).
        self.login_options: deque[str] = deque(maxlen=HISTORY)
        self.scripts: deque[str] = deque(maxlen=HISTORY)
        self._port = port
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._connections: set[asyncssh.SSHServerConnection] = set()

    async def start(self) -> None:
        self._acceptor = await asyncssh.listen(
            self.host,
            self._port,
            server_factory=lambda: _Server(self, self._connections),
            server_host_keys=[self.host_key],
            process_factory=self._serve,
            reuse_address=True,
        )
        self._port = self._acceptor.get_port()

    async def stop(self) -> None:
        acceptor, self._acceptor = self._acceptor, None
        if acceptor is not None:
            acceptor.close()
            await acceptor.wait_closed()
        await self.drop_connections()

    async def drop_connections(self) -> None:
        connections = list(self._connections)
        for conn in connections:
            conn.close()
        await asyncio.gather(*(conn.wait_closed() for conn in connections))

    def known_hosts_line(self) -> str:
        """This server's entry for an OpenSSH `known_hosts` file."""
        key = self.host_key.export_public_key("openssh").decode().strip()
        return f"[{self.host}]:{self.port} {key}\n"

    def check_login(self, username: str, password: str) -> bool:
        name, _, options = username.partition("+")
        valid = name == self.username and hmac.compare_digest(
            password.encode(), self.password.encode()
        )
        if valid:
            self.login_options.append(options)
        return valid

    def _serve(self, process: asyncssh.SSHServerProcess[str]) -> None:
        script = process.command
        if script is None:
            process.stderr.write(NO_SHELL)
            process.exit(1)
            return
        self.scripts.append(script)
        process.stdout.write(cli.run(self.device, script))
        process.exit(0)


class _Server(asyncssh.SSHServer):
    def __init__(self, lab: LabSshServer, connections: set[asyncssh.SSHServerConnection]) -> None:
        self._lab = lab
        self._connections = connections
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._connections.add(conn)

    def connection_lost(self, _exc: Exception | None) -> None:
        if self._conn is not None:
            self._connections.discard(self._conn)

    def begin_auth(self, _username: str) -> bool:
        return True  # authentication is always required

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return self._lab.check_login(username, password)
