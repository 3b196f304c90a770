"""No configured secret and no RADIUS password ever reaches the log, even at debug level."""

from __future__ import annotations

import asyncio
import json
import signal
import textwrap
from typing import TYPE_CHECKING

import aiohttp
import pytest

from tests.e2e.conftest import EXAMPLE_DATA, Sandbox, radius_section, wait_for_log

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]

SECRETS = {
    "admin": "admin-secret-7f3a9c",
    "read": "read-secret-51be02",
    "named": "alice-secret-c0ffee",
    "router": "router-password-9d8e7f",
    "radius": "nas-radius-secret-4b5c",
    "community": "snmp-community-77aa",
    "coa": "coa-client-secret-3e3e",
    "store": "store-key-material-0a0b0c",
}


def write_config(root: Path, state_dir: Path) -> Path:
    (root / "router.password").write_text(SECRETS["router"] + "\n")
    path = root / "secrets.toml"
    path.write_text(
        textwrap.dedent(
            f"""\
            state_dir = "{state_dir}"
            [store]
            secret_key = "{SECRETS["store"]}"
            [status]
            listen = "127.0.0.1:0"
            admin_token = "{SECRETS["admin"]}"
            read_token = "{SECRETS["read"]}"
            [[status.token]]
            name = "alice"
            role = "admin"
            token = "{SECRETS["named"]}"
            [[radius.coa_client]]
            address = "127.0.0.1"
            secret = "{SECRETS["coa"]}"
            [logging]
            format = "json"
            level = "debug"
            [[device]]
            name = "edge-1"
            platform = "routeros"
            host = "127.0.0.1"
            port = 1
            username = "provisiond"
            password_file = "router.password"
            [device.nas]
            address = "127.0.0.1"
            secret = "{SECRETS["radius"]}"
            [device.snmp]
            community = "{SECRETS["community"]}"
            """
        )
        + radius_section()
    )
    return path


async def exercise_api(url: str) -> None:
    """Authenticated writes, a failed login, and an import with passwords in it."""
    async with aiohttp.ClientSession() as session:
        for token in (SECRETS["admin"], SECRETS["named"], "wrong-" + SECRETS["admin"]):
            headers = {"Authorization": f"Bearer {token}"}
            async with session.post(
                f"{url}/api/v1/import", data=EXAMPLE_DATA.read_bytes(), headers=headers
            ) as reply:
                await reply.read()
            async with session.patch(
                f"{url}/api/v1/accounts/1001",
                json={"radius_accounts": [{"username": "alice.martin", "password": "n3w-Pass!"}]},
                headers=headers,
            ) as reply:
                await reply.read()


async def test_no_secret_reaches_the_log(tmp_path: Path) -> None:
    state_dir = tmp_path / "var"
    sandbox = Sandbox(tmp_path, write_config(tmp_path, state_dir), state_dir)
    process = await sandbox.start()
    try:
        lines = await wait_for_log(process, "ready")
        await exercise_api((state_dir / "status.url").read_text().strip())
        process.send_signal(signal.SIGTERM)
        assert process.stderr is not None
        async with asyncio.timeout(10):
            rest = await process.stderr.read()
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = "".join(lines) + rest.decode()
    assert "api/v1/import" in log, "the flow must have been logged at all"
    passwords = [
        entry["password"]
        for account in json.loads(EXAMPLE_DATA.read_text())["accounts"]
        for entry in account["radius_accounts"]
        if "password" in entry
    ]
    for secret in [*SECRETS.values(), *passwords, "n3w-Pass!"]:
        assert secret not in log, f"a secret reached the log: {secret[:4]}…"
