"""The shipped systemd unit: valid, and hardened to an exposure score of at most 2.0."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_tool

UNIT = Path(__file__).resolve().parents[2] / "systemd" / "provisiond.service"
INSTALLED_BINARY = "/opt/provisiond/.venv/bin/provisiond"
MAX_EXPOSURE = 2.0


@pytest.fixture
def unit(tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at this venv's console script, which exists here."""
    binary = Path(sys.executable).with_name("provisiond")
    copy = tmp_path / "provisiond.service"
    copy.write_text(UNIT.read_text().replace(INSTALLED_BINARY, str(binary)))
    return copy


def test_unit_verifies(unit: Path) -> None:
    tool = require_tool("systemd-analyze")
    result = subprocess.run(
        [tool, "verify", str(unit)], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "provisiond.service" not in result.stderr, result.stderr


def test_unit_exposure_is_at_most_two(unit: Path) -> None:
    tool = require_tool("systemd-analyze")
    result = subprocess.run(
        [tool, "security", "--offline=yes", str(unit)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    match = re.search(r"Overall exposure level for provisiond\.service: ([0-9.]+)", result.stdout)
    assert match is not None, result.stdout + result.stderr
    assert float(match.group(1)) <= MAX_EXPOSURE


def test_unit_is_type_notify_with_a_watchdog() -> None:
    text = UNIT.read_text()
    for line in ("Type=notify", "WatchdogSec=", "DynamicUser=yes", "StateDirectory=provisiond"):
        assert line in text
    assert "LoadCredential=" in text
