"""UDP sockets for the RADIUS server: bound without port sharing, drained per wake-up.

pyrad's server binds with SO_REUSEPORT, so a second daemon on the same ports silently
takes a share of the NAS traffic. These sockets are bound without SO_REUSEADDR or
SO_REUSEPORT: a second instance gets EADDRINUSE, which becomes a `RadiusBindError`
naming the address and port. A lock file in `state_dir` (`radius.lock`) says the same
for two daemons sharing a state directory before either touches a socket.

asyncio's datagram transport reads one datagram per event-loop wake-up. Under load that
is a loop iteration per request; reading until the socket would block instead took the
measured prototype from 80,000 to 114,000-120,000 Access-Requests/s
(reference/radius-hot-path.md). `DrainingTransport` does that, and hands each datagram
to an ordinary `asyncio.DatagramProtocol`.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import ipaddress
import os
import socket
from typing import TYPE_CHECKING, Any, Final

from provisiond.radius.errors import RadiusBindError
from provisiond.radius.wire import MAX_PACKET_SIZE

if TYPE_CHECKING:
    from pathlib import Path

LOCK_NAME: Final = "radius.lock"
MAX_READS_PER_WAKEUP: Final = 256  # then yield, so the accounting writer and timers run
RECEIVE_BUFFER: Final = 4 * 1024 * 1024  # octets; absorbs bursts (the kernel may cap it)


class RadiusLock:
    """An exclusive `flock` on `<state_dir>/radius.lock`, dropped by the kernel on exit."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, state_dir: Path) -> RadiusLock:
        state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = state_dir / LOCK_NAME
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(fd)
            raise RadiusBindError(
                f"another provisiond holds {path}: its RADIUS server has the ports"
            ) from exc
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        return cls(path, fd)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def bind(host: str, port: int) -> socket.socket:
    """A non-blocking UDP socket bound to `host:port`, with no port sharing."""
    address = ipaddress.ip_address(host)
    family = socket.AF_INET6 if isinstance(address, ipaddress.IPv6Address) else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        with contextlib.suppress(OSError):  # best effort: the kernel caps it at rmem_max
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        sock.setblocking(False)  # noqa: FBT003 - the socket API's own flag
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        shown = f"[{host}]:{port}" if family == socket.AF_INET6 else f"{host}:{port}"
        if exc.errno == errno.EADDRINUSE:
            raise RadiusBindError(
                f"RADIUS cannot bind {shown}: the address is in use (another provisiond or "
                "RADIUS server?)"
            ) from exc
        raise RadiusBindError(f"RADIUS cannot bind {shown}: {exc.strerror}") from exc
    return sock


class DrainingTransport(asyncio.DatagramTransport):
    """A datagram transport that reads until the socket would block on every wake-up."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        protocol: asyncio.DatagramProtocol,
    ) -> None:
        super().__init__({"socket": sock, "sockname": sock.getsockname()})
        self._loop = loop
        self._sock = sock
        self._protocol = protocol
        self._closing = False
        protocol.connection_made(self)
        loop.add_reader(sock.fileno(), self._drain)

    def _drain(self) -> None:
        receive, handle = self._sock.recvfrom, self._protocol.datagram_received
        for _ in range(MAX_READS_PER_WAKEUP):
            try:
                data, address = receive(MAX_PACKET_SIZE)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # e.g. ICMP port unreachable from an earlier reply
                self._protocol.error_received(exc)
                continue
            handle(data, address)

    def sendto(
        self,
        data: bytes | bytearray | memoryview,
        addr: Any = None,  # noqa: ANN401 - asyncio.DatagramTransport's signature
    ) -> None:
        """Send now or never: UDP has no backpressure worth queueing for; a reply lost
        to a full buffer is one the NAS retransmits for."""
        try:
            self._sock.sendto(data, addr)
        except OSError as exc:
            self._protocol.error_received(exc)

    def pause_reading(self) -> None:
        """Stop taking datagrams (a graceful stop answers what it already took)."""
        if not self._closing:
            self._loop.remove_reader(self._sock.fileno())

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        self._loop.remove_reader(self._sock.fileno())
        self._sock.close()
        self._protocol.connection_lost(None)

    def abort(self) -> None:
        self.close()

    def get_write_buffer_size(self) -> int:
        return 0


def bind_all(addresses: list[tuple[str, int]]) -> list[socket.socket]:
    """A socket per (host, port), in order, or none: when one cannot be bound, those
    already bound are closed before its `RadiusBindError` goes up."""
    bound: list[socket.socket] = []
    try:
        bound.extend(bind(host, port) for host, port in addresses)
    except BaseException:
        for sock in bound:
            sock.close()
        raise
    return bound
