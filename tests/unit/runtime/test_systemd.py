from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from provisiond.runtime.systemd import Notifier

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def test_notifications_reach_the_socket(tmp_path: Path) -> None:
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        notifier = Notifier(str(path))
        assert notifier.enabled
        notifier.ready("12 accounts")
        assert server.recv(256) == b"READY=1\nSTATUS=12 accounts"
        notifier.watchdog()
        assert server.recv(256) == b"WATCHDOG=1"
        notifier.stopping()
        assert server.recv(256) == b"STOPPING=1\nSTATUS=stopping"


def test_without_notify_socket_it_is_a_no_op() -> None:
    notifier = Notifier("")
    assert not notifier.enabled
    notifier.ready("x")


def test_a_vanished_socket_does_not_raise(tmp_path: Path) -> None:
    Notifier(str(tmp_path / "gone.sock")).ready("x")


def test_watchdog_interval_is_half_of_watchdog_usec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    assert Notifier.watchdog_interval() == 15.0
    monkeypatch.setenv("WATCHDOG_PID", "1")
    assert Notifier.watchdog_interval() is None
    monkeypatch.delenv("WATCHDOG_USEC")
    assert Notifier.watchdog_interval() is None
