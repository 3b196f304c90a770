from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from provisiond.runtime.lock import LockHeldError, StateLock, is_locked, prepare_state_dir

if TYPE_CHECKING:
    from pathlib import Path


def test_second_lock_on_the_same_state_dir_is_refused(tmp_path: Path) -> None:
    first = StateLock.acquire(tmp_path / "state")
    try:
        assert is_locked(tmp_path / "state")
        with pytest.raises(LockHeldError, match="holds"):
            StateLock.acquire(tmp_path / "state")
    finally:
        first.release()
    assert not is_locked(tmp_path / "state")
    StateLock.acquire(tmp_path / "state").release()


def test_state_dir_is_created_and_tightened_to_0700(tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o755)
    loose.chmod(0o755)
    prepare_state_dir(loose)
    assert loose.stat().st_mode & 0o777 == 0o700
    fresh = prepare_state_dir(tmp_path / "a" / "b")
    assert fresh.stat().st_mode & 0o777 == 0o700


def test_release_is_idempotent(tmp_path: Path) -> None:
    lock = StateLock.acquire(tmp_path)
    lock.release()
    lock.release()
    assert not is_locked(tmp_path)
