"""Binding without port sharing, and the state-dir lock."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from provisiond.radius.endpoint import RadiusLock, bind
from provisiond.radius.errors import RadiusBindError

if TYPE_CHECKING:
    from pathlib import Path


def test_a_taken_port_names_the_address() -> None:
    first = bind("127.0.0.1", 0)
    try:
        port = first.getsockname()[1]
        with pytest.raises(RadiusBindError, match=rf"127\.0\.0\.1:{port}: the address is in use"):
            bind("127.0.0.1", port)
    finally:
        first.close()


def test_an_address_this_host_does_not_have_is_a_bind_error() -> None:
    with pytest.raises(RadiusBindError, match=r"cannot bind 192\.0\.2\.1:0"):
        bind("192.0.2.1", 0)  # TEST-NET-1: never configured here; bind sends nothing


def test_ipv6_addresses_are_shown_in_brackets() -> None:
    first = bind("::1", 0)
    try:
        port = first.getsockname()[1]
        with pytest.raises(RadiusBindError, match=rf"\[::1\]:{port}"):
            bind("::1", port)
    finally:
        first.close()


def test_the_lock_is_exclusive_until_released(tmp_path: Path) -> None:
    lock = RadiusLock.acquire(tmp_path / "state")
    with pytest.raises(RadiusBindError, match=r"radius\.lock"):
        RadiusLock.acquire(tmp_path / "state")
    lock.release()
    lock.release()  # idempotent
    RadiusLock.acquire(tmp_path / "state").release()
    assert (tmp_path / "state").stat().st_mode & 0o777 == 0o700
