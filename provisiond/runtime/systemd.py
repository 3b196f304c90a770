"""sd_notify: a datagram to `$NOTIFY_SOCKET` (sd_notify(3)); no dependency needed.

Outside systemd the variable is unset and every call is a no-op, so the daemon runs the
same in a terminal, in tests and under `Type=notify`.
"""

from __future__ import annotations

import os
import socket


class Notifier:
    def __init__(self, address: str | None = None) -> None:
        raw = address if address is not None else os.environ.get("NOTIFY_SOCKET", "")
        # A leading "@" names a socket in the abstract namespace.
        self._address = "\0" + raw[1:] if raw.startswith("@") else raw

    @property
    def enabled(self) -> bool:
        return bool(self._address)

    def notify(self, **fields: str) -> None:
        """Send `KEY=value` lines, e.g. `notify(READY="1", STATUS="syncing 2/4")`."""
        if not self._address:
            return
        message = "\n".join(f"{key}={value}" for key, value in fields.items()).encode()
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            try:
                sock.connect(self._address)
                sock.sendall(message)
            except OSError:
                # systemd went away (or never listened); the daemon must not die of it.
                return

    def ready(self, status: str) -> None:
        self.notify(READY="1", STATUS=status)

    def status(self, status: str) -> None:
        self.notify(STATUS=status)

    def watchdog(self) -> None:
        self.notify(WATCHDOG="1")

    def stopping(self) -> None:
        self.notify(STOPPING="1", STATUS="stopping")

    @staticmethod
    def watchdog_interval() -> float | None:
        """Half of `WATCHDOG_USEC`, as sd_watchdog_enabled(3) advises; None when off."""
        usec = os.environ.get("WATCHDOG_USEC", "")
        pid = os.environ.get("WATCHDOG_PID", "")
        if not usec.isdigit() or (pid and pid != str(os.getpid())):
            return None
        return int(usec) / 2_000_000
