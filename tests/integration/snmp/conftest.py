"""One snmpsim agent per module on loopback, serving tests/data/snmp, and a poller per test.

snmpsim answers each community from the data file of the same name: `mikrotik`,
`mikrotik-rebooted` (the same router after a reboot) and `no-queues` (an agent without
MIKROTIK-MIB). Any other community gets no answer, as on a real agent.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

import pytest
import pytest_asyncio

from provisiond.config.settings import SnmpVersion
from provisiond.drivers.snmp import SnmpPoller, SnmpTarget
from provisiond.model.secret import Secret
from tests.conftest import require_tool

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

DATA_DIR: Final = Path(__file__).resolve().parents[2] / "data" / "snmp"
RESPONDER: Final = "snmpsim-command-responder"
START_TIMEOUT: Final = 20.0  # seconds; snmpsim indexes the data files first
TARGET_TIMEOUT: Final = 2.0  # seconds per request; loopback answers in milliseconds
SHORT_TIMEOUT: Final = 0.25  # seconds, for the tests that expect no answer at all


@dataclass(frozen=True, slots=True)
class Agent:
    host: str
    port: int
    log: Path

    def target(
        self,
        community: str,
        *,
        version: SnmpVersion = SnmpVersion.V2C,
        port: int | None = None,
        timeout: float = TARGET_TIMEOUT,
        retries: int = 0,  # loopback loses nothing, and a timeout should cost one attempt
    ) -> SnmpTarget:
        return SnmpTarget(
            name="lab-router",
            host=self.host,
            port=self.port if port is None else port,
            version=version,
            community=Secret(community),
            timeout=timeout,
            retries=retries,
        )


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _responder() -> str:
    # CI runs the venv's pytest without activating the venv, so the venv's scripts are not
    # on PATH; look beside this interpreter first.
    beside = Path(sys.executable).parent / RESPONDER
    return require_tool(str(beside) if beside.exists() else RESPONDER)


def _get_request(community: str) -> bytes:
    """An SNMPv2c GET of sysUpTime.0, BER-encoded (all lengths are short-form)."""
    oid = bytes([0x2B, 6, 1, 2, 1, 1, 3, 0])  # 1.3.6.1.2.1.1.3.0
    var_bind = _tlv(0x30, _tlv(0x06, oid) + _tlv(0x05, b""))
    pdu = _tlv(0xA0, _tlv(0x02, b"\x01") + _tlv(0x02, b"\x00") * 2 + _tlv(0x30, var_bind))
    return _tlv(0x30, _tlv(0x02, b"\x01") + _tlv(0x04, community.encode()) + pdu)


def _tlv(tag: int, value: bytes) -> bytes:
    return bytes([tag, len(value)]) + value


def _wait_until_answering(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.2)
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"snmpsim exited with {process.returncode}:\n{log.read_text()}")
            sock.sendto(_get_request("mikrotik"), ("127.0.0.1", port))
            try:
                sock.recv(4096)
            except TimeoutError:
                continue
            return
    pytest.fail(f"snmpsim did not answer within {START_TIMEOUT} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    responder = _responder()
    work = tmp_path_factory.mktemp("snmpsim")
    port = free_udp_port()
    log = work / "snmpsim.log"
    command = [
        responder,
        f"--data-dir={DATA_DIR}",
        f"--cache-dir={work / 'cache'}",
        f"--variation-modules-dir={work}",  # none: skips loading snmpsim's redis/sql ones
        f"--agent-udpv4-endpoint=127.0.0.1:{port}",
        "--log-level=error",
    ]
    # snmpsim refuses to run as root unless told to stay root or to drop to a user;
    # CI and these sandboxes run as root, and there is nothing to protect on loopback.
    env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
    try:
        _wait_until_answering(process, port, log)
        yield Agent(host="127.0.0.1", port=port, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest_asyncio.fixture
async def poller() -> AsyncIterator[SnmpPoller]:
    # Created inside the test's loop: the engine's dispatcher binds to the loop it meets.
    snmp = SnmpPoller()
    try:
        yield snmp
    finally:
        snmp.close()
