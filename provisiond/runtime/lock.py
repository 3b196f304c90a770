"""The state directory and its lock file: one daemon per `state_dir` (DESIGN.md §3).

The lock is an advisory `flock` on `<state_dir>/provisiond.lock`. The kernel drops it when
the process dies, so a crash never leaves a stale lock behind; the PID written into the
file is for humans only.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

LOCK_NAME = "provisiond.lock"
STATE_DIR_MODE = 0o700


class LockHeldError(RuntimeError):
    """Another provisiond process holds the lock on this state directory."""


def prepare_state_dir(state_dir: Path) -> Path:
    """Create `state_dir` with mode 0700, and tighten it if it exists with looser bits.

    It holds the database and secrets encrypted at rest; nobody else needs to list it.
    """
    state_dir.mkdir(mode=STATE_DIR_MODE, parents=True, exist_ok=True)
    if state_dir.stat().st_mode & 0o777 != STATE_DIR_MODE:
        state_dir.chmod(STATE_DIR_MODE)
    return state_dir


class StateLock:
    """Holds the exclusive lock until `release()`; use `acquire()` to get one."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, state_dir: Path) -> StateLock:
        path = prepare_state_dir(state_dir) / LOCK_NAME
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = _read_pid(fd)
            os.close(fd)
            raise LockHeldError(
                f"another provisiond (pid {holder or 'unknown'}) holds {path}"
            ) from exc
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        return cls(path, fd)

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)  # closing the descriptor drops the flock
        self._fd = None


def is_locked(state_dir: Path) -> bool:
    """True while a daemon holds the lock; used by commands that must not race it."""
    path = state_dir / LOCK_NAME
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _read_pid(fd: int) -> str:
    with contextlib.suppress(OSError):
        return os.pread(fd, 32, 0).decode(errors="replace").strip()
    return ""
