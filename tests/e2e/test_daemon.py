"""`provisiond` as a process: run, stop, lock, import/export, plan, check-config."""

from __future__ import annotations

import asyncio
import json
import signal
from typing import TYPE_CHECKING

import pytest

from provisiond.schema import codec
from tests.e2e.conftest import EXAMPLE_DATA, Sandbox, wait_for_log

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]


async def test_run_stays_up_and_exits_zero_on_sigterm(sandbox: Sandbox) -> None:
    sandbox.cli("import", "-c", str(sandbox.config), str(EXAMPLE_DATA))
    process = await sandbox.start()
    try:
        await wait_for_log(process, "ready")
        await asyncio.sleep(1.0)
        assert process.returncode is None, "the daemon must stay up"
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(10):
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_sigint_also_stops_cleanly(sandbox: Sandbox) -> None:
    process = await sandbox.start()
    try:
        await wait_for_log(process, "ready")
        process.send_signal(signal.SIGINT)
        async with asyncio.timeout(10):
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_second_daemon_on_same_state_dir_refuses(sandbox: Sandbox) -> None:
    first = await sandbox.start()
    try:
        await wait_for_log(first, "ready")
        second = sandbox.cli("run", "-c", str(sandbox.config), check=False)
        assert second.returncode == 1
        assert "holds" in second.stderr
        through_api = sandbox.cli("import", "-c", str(sandbox.config), str(EXAMPLE_DATA))
        assert json.loads(through_api.stdout)["accounts"] == 12
        events = sandbox.export()
        assert len(events["accounts"]) == 12  # type: ignore[arg-type]
    finally:
        first.send_signal(signal.SIGTERM)
        async with asyncio.timeout(10):
            assert await first.wait() == 0


def test_state_dir_and_database_are_private(sandbox: Sandbox) -> None:
    sandbox.cli("import", "-c", str(sandbox.config), str(EXAMPLE_DATA))
    assert sandbox.state_dir.stat().st_mode & 0o777 == 0o700
    assert (sandbox.state_dir / "provisiond.db").stat().st_mode & 0o777 == 0o600


def test_import_export_round_trip_with_secrets(sandbox: Sandbox, tmp_path: Path) -> None:
    first = sandbox.cli("import", "-c", str(sandbox.config), str(EXAMPLE_DATA))
    counts = json.loads(first.stdout)
    assert counts["accounts"] == 12
    again = json.loads(sandbox.cli("import", "-c", str(sandbox.config), str(EXAMPLE_DATA)).stdout)
    assert set(again.values()) == {0}, "an unchanged import is idempotent"

    exported = sandbox.export(include_secrets=True)
    sample = codec.parse_dataset(json.loads(EXAMPLE_DATA.read_text()), importing=True)
    assert exported == codec.dump_dataset(sample, include_secrets=True)

    copy = tmp_path / "copy.json"
    copy.write_text(json.dumps(exported))
    other_state = tmp_path / "other"
    other_config = tmp_path / "other.toml"
    other_config.write_text(
        sandbox.config.read_text().replace(str(sandbox.state_dir), str(other_state))
    )
    other = Sandbox(tmp_path, other_config, other_state)
    other.cli("import", "-c", str(other_config), str(copy))
    assert other.export(include_secrets=True) == exported


def test_export_without_secrets_leaves_passwords_out(sandbox: Sandbox) -> None:
    sandbox.cli("import", "-c", str(sandbox.config), str(EXAMPLE_DATA))
    result = sandbox.cli("export", "-c", str(sandbox.config))
    exported = json.loads(result.stdout)
    entries = [entry for account in exported["accounts"] for entry in account["radius_accounts"]]
    assert entries
    assert all("password" not in entry for entry in entries)
    sample = json.loads(EXAMPLE_DATA.read_text())
    passwords = [
        entry["password"]
        for account in sample["accounts"]
        for entry in account["radius_accounts"]
        if "password" in entry
    ]
    assert passwords
    assert not [p for p in passwords if p in result.stdout]
    assert "cannot restore" in result.stderr


def test_rejected_import_writes_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.cli("import", "-c", str(sandbox.config), str(EXAMPLE_DATA))
    before = sandbox.export(include_secrets=True)
    data = json.loads(EXAMPLE_DATA.read_text())
    data["accounts"][0]["name"] = "renamed but never stored"
    data["accounts"][-1]["status_id"] = 999_999  # names no status: the whole import fails
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    result = sandbox.cli("import", "-c", str(sandbox.config), str(bad), check=False)
    assert result.returncode == 1
    assert "status_id" in result.stderr
    assert sandbox.export(include_secrets=True) == before


def test_plan_of_an_unreachable_device_fails_clearly(sandbox: Sandbox) -> None:
    sandbox.cli("import", "-c", str(sandbox.config), str(EXAMPLE_DATA))
    result = sandbox.cli("plan", "-c", str(sandbox.config), "--json", check=False)
    assert result.returncode == 1
    assert "edge-1" in result.stderr


def test_check_config_reports_file_line_key(sandbox: Sandbox, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('state_dir = "var"\n\n[radius]\nauth_port = "eighteen"\nbogus = 1\n')
    result = sandbox.cli("check-config", "-c", str(bad), check=False)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert any(line.startswith(f"{bad}:4: radius.auth_port: ") for line in lines), lines
    assert any(line.startswith(f"{bad}:5: radius.bogus: ") for line in lines), lines
    assert sandbox.cli("check-config", "-c", str(sandbox.config)).returncode == 0


async def test_sighup_with_a_bad_config_keeps_the_daemon_running(sandbox: Sandbox) -> None:
    process = await sandbox.start()
    good = sandbox.config.read_text()
    try:
        await wait_for_log(process, "ready")
        sandbox.config.write_text(good + "\n[radius]\nauth_port = -1\n")
        process.send_signal(signal.SIGHUP)
        await wait_for_log(process, "keeping the last known good config")
        sandbox.config.write_text(good)
        process.send_signal(signal.SIGHUP)
        await wait_for_log(process, "config reloaded")
        await asyncio.sleep(1.0)  # the engine rebuild after a reload must not end the daemon
        assert process.returncode is None
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(10):
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
