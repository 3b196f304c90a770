"""The daemon in-process: store writes reach the policy engine through the change feed."""

from __future__ import annotations

import asyncio
import logging
import textwrap
from typing import TYPE_CHECKING

from provisiond import app, config
from provisiond.model.enums import StatusClass
from provisiond.model.network import parse_prefix
from provisiond.model.objects import Account, AccountStatus, AddressList, MembershipFilter
from tests.e2e.conftest import radius_section

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable
    from pathlib import Path

    from provisiond.runtime.clock import FakeClock

import contextlib

import pytest


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "provisiond.toml"
    path.write_text(
        textwrap.dedent(
            f"""\
            state_dir = "{tmp_path / "var"}"
            [status]
            listen = "127.0.0.1:0"
            admin_token = "wiring-admin-token"
            [logging]
            format = "json"
            [[device]]
            name = "edge-1"
            platform = "routeros"
            host = "127.0.0.1"
            username = "provisiond"
            password = "wiring-password"
            """
        )
        + radius_section()
    )
    return path


@pytest.fixture
async def daemon(tmp_path: Path, clock: FakeClock) -> AsyncIterator[app.Daemon]:
    path = write_config(tmp_path)
    running = app.Daemon(path, config.load(path), clock)
    task = asyncio.create_task(running.run(), name="daemon")
    try:
        await until(lambda: running.engine is not None)
        yield running
    finally:
        running.supervisor.stopping.set()
        assert await task == 0
        logging.getLogger().handlers.clear()


async def until(condition: Callable[[], bool]) -> None:
    """Poll: the daemon exposes no event for "the engine caught up", and tests need none."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    pytest.fail("condition not reached within 5 s")


async def test_a_store_write_reaches_the_engine(daemon: app.Daemon) -> None:
    store = daemon.store
    assert store is not None
    await store.create(AccountStatus(1, "Active", activates_account=True), actor="test")
    await store.create(
        AddressList(1, "active", MembershipFilter(account_status=StatusClass.ACTIVE)),
        actor="test",
    )
    await store.create(
        Account(7, "Ada", status_id=1, ip_assignments=(parse_prefix("100.64.0.7/32"),)),
        actor="test",
    )

    def listed() -> bool:
        engine = daemon.engine
        return (
            engine is not None and (4, "active", "100.64.0.7") in engine.desired("edge-1").addresses
        )

    await until(listed)
    await store.delete(Account, 7, actor="test")
    await until(lambda: not listed())
    assert daemon.engine is not None
    assert daemon.engine.account_count == 0


async def test_reload_rebuilds_the_engine_and_keeps_serving(daemon: app.Daemon) -> None:
    store = daemon.store
    assert store is not None
    before = daemon.engine
    daemon._reload()
    await until(lambda: daemon.engine is not before)
    with contextlib.suppress(asyncio.TimeoutError):
        async with asyncio.timeout(0.2):
            await daemon.supervisor.stopping.wait()
    assert daemon.supervisor.failure is None
    assert not daemon.supervisor.stopping.is_set()


async def test_a_change_carries_its_committed_object(
    daemon: app.Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine applies what the writer committed; it does not read it back."""
    store = daemon.store
    assert store is not None
    await store.create(AccountStatus(1, "Active", activates_account=True), actor="test")
    await store.create(
        AddressList(1, "active", MembershipFilter(account_status=StatusClass.ACTIVE)),
        actor="test",
    )

    async def no_reads(kind: object, object_id: int) -> object:
        raise AssertionError(f"read back {kind} {object_id}")

    monkeypatch.setattr(store, "get", no_reads)
    await store.create(
        Account(8, "Bea", status_id=1, ip_assignments=(parse_prefix("100.64.0.8/32"),)),
        actor="test",
    )

    def listed() -> bool:
        engine = daemon.engine
        key = (4, "active", "100.64.0.8")
        return engine is not None and key in engine.desired("edge-1").addresses

    await until(listed)
    await store.delete(Account, 8, actor="test")
    await until(lambda: not listed())
    assert daemon.supervisor.failure is None


async def test_account_writes_report_their_coa_reasons(daemon: app.Daemon) -> None:
    """What the CoA sender is told: why each account changed, compared in one place."""
    store, live = daemon.store, daemon.live
    assert store is not None
    assert live is not None
    seen: list[dict[int, frozenset[str]]] = []
    live.on_account_reasons(lambda reasons: seen.append(dict(reasons)))
    await store.create(AccountStatus(1, "Active", activates_account=True), actor="test")
    await store.create(AccountStatus(2, "Inactive", activates_account=False), actor="test")
    await store.create(Account(9, "Cid", status_id=1), actor="test")
    await store.update(Account(9, "Cid", status_id=2, delinquent=True), actor="test")
    await until(lambda: {9: frozenset({"status", "delinquency"})} in seen)
    await store.delete(Account, 9, actor="test")
    await until(lambda: {9: frozenset({"deleted"})} in seen)
    # The create itself gave no reason: a new account has no sessions to change.
    assert all(9 not in reasons or reasons[9] for reasons in seen)
    assert len([reasons for reasons in seen if 9 in reasons]) == 2
