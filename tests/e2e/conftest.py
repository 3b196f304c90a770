"""Helpers to run `provisiond` as a real process against a scratch state directory."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_DATA = REPO / "config" / "example-data.json"


@dataclass(frozen=True)
class Sandbox:
    root: Path
    config: Path
    state_dir: Path

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("NOTIFY_SOCKET", None)
        env.pop("PROVISIOND_CONFIG", None)
        return env

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "provisiond", *args],
            capture_output=True,
            text=True,
            env=self.env(),
            cwd=self.root,
            timeout=60,
            check=False,
        )
        if check and result.returncode != 0:
            pytest.fail(f"provisiond {' '.join(args)} exited {result.returncode}: {result.stderr}")
        return result

    def export(self, *, include_secrets: bool = False) -> dict[str, object]:
        args = ["export", "-c", str(self.config)]
        if include_secrets:
            args.append("--include-secrets")
        document: dict[str, object] = json.loads(self.cli(*args).stdout)
        return document

    async def start(self, command: str = "run") -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "provisiond",
            command,
            "-c",
            str(self.config),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            env=self.env(),
            cwd=self.root,
        )


def free_udp_ports(count: int) -> list[int]:
    """Ports free right now, so parallel runs and a real RADIUS server do not collide."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def radius_section() -> str:
    auth, acct, coa = free_udp_ports(3)
    return f"[radius]\nauth_port = {auth}\nacct_port = {acct}\ncoa_port = {coa}\n"


def free_tcp_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_config(root: Path, *, state_dir: Path, device_port: int = 1) -> Path:
    path = root / "provisiond.toml"
    path.write_text(
        textwrap.dedent(
            f"""\
            state_dir = "{state_dir}"

            [status]
            listen = "127.0.0.1:0"
            admin_token = "e2e-admin-token"

            [logging]
            format = "json"
            level = "info"

            [[device]]
            name = "edge-1"
            platform = "routeros"
            host = "127.0.0.1"
            port = {device_port}
            username = "provisiond"
            password = "e2e-router-password"
            queues = true
            """
        )
        + radius_section()
    )
    return path


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    state_dir = tmp_path / "var"
    return Sandbox(tmp_path, write_config(tmp_path, state_dir=state_dir), state_dir)


async def wait_for_log(process: asyncio.subprocess.Process, needle: str) -> list[str]:
    """Read stderr lines until one contains `needle`; returns the lines read."""
    assert process.stderr is not None
    lines: list[str] = []
    async with asyncio.timeout(30):
        while True:
            raw = await process.stderr.readline()
            if not raw:
                pytest.fail(f"provisiond exited before logging {needle!r}: {''.join(lines)}")
            lines.append(raw.decode())
            if needle in lines[-1]:
                return lines


@contextlib.asynccontextmanager
async def lab_and_daemon(sandbox: Sandbox) -> AsyncIterator[None]:
    """The example data imported, then `provisiond lab` and `provisiond run` on the
    sandbox's config, both running until the block ends. The daemon must then stop
    cleanly on SIGTERM (exit 0); whatever still runs after a failure is stopped too."""
    sandbox.cli("import", "-c", str(sandbox.config), str(EXAMPLE_DATA))
    lab = await sandbox.start("lab")
    daemon = None
    try:
        await wait_for_log(lab, "RouterOS API on")
        daemon = await sandbox.start()
        await wait_for_log(daemon, "ready")
        yield
        daemon.send_signal(signal.SIGTERM)
        async with asyncio.timeout(10):
            assert await daemon.wait() == 0
    finally:
        for process in (daemon, lab):
            if process is not None and process.returncode is None:
                process.send_signal(signal.SIGTERM)
                async with asyncio.timeout(10):
                    await process.wait()
