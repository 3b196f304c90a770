"""FreeRADIUS's radclient (freeradius-utils) as a client made by others: a NAS asking the
server, or a CoA peer asking the relay."""

from __future__ import annotations

import asyncio

from tests.conftest import require_tool
from tests.unit.radius import world


async def radclient(
    server: tuple[str, int],
    command: str,
    request: str,
    *,
    secret: str = world.NAS_SECRET,
    wait_s: int = 2,
) -> tuple[int, str]:
    """radclient's exit code and output (the answer it got, or none) for one request
    (`attribute = value` lines), sent once and waited for `wait_s` seconds; run as a
    subprocess so the loop the server answers on is not blocked."""
    process = await asyncio.create_subprocess_exec(
        require_tool("radclient"),
        "-x",
        "-r",
        "1",
        "-t",
        str(wait_s),
        f"{server[0]}:{server[1]}",
        command,
        secret,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate(request.encode())
    assert process.returncode is not None
    return process.returncode, output.decode()
