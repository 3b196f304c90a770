"""`provisiond lab`: emulated routers for the devices of a config, on loopback.

Every `[[device]]` with platform `routeros` whose host is a loopback address gets a
`LabRouter` on its port with its credentials; every `routeros-ssh` one gets the same
router behind a `LabSshServer`, whose host key is written to the device's
`known_hosts_file` (so the driver's host-key pinning works as in production). Devices on
other hosts are real routers and are left alone.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING

from provisiond.config import Platform
from provisiond.lab.server import LabRouter
from provisiond.lab.ssh import LabSshServer

if TYPE_CHECKING:
    import asyncio

    from provisiond.config import DeviceSettings, Settings

log = logging.getLogger(__name__)


def emulated(settings: Settings) -> list[DeviceSettings]:
    """The devices `provisiond lab` stands in for."""
    return [
        device
        for device in settings.devices
        if device.platform in {Platform.ROUTEROS, Platform.ROUTEROS_SSH} and _loopback(device.host)
    ]


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Serve every emulated device until `stop` is set."""
    routers: list[LabRouter] = []
    consoles: list[LabSshServer] = []
    try:
        for device in emulated(settings):
            router = await _start_router(device, routers)
            if device.platform is Platform.ROUTEROS_SSH:
                await _start_console(device, router, consoles)
        if not routers:
            log.warning("no loopback RouterOS devices in the config: nothing to emulate")
        await stop.wait()
    finally:
        for console in consoles:
            await console.stop()
        for router in routers:
            await router.stop()


async def _start_router(device: DeviceSettings, routers: list[LabRouter]) -> LabRouter:
    password = device.password.reveal() if device.password else ""
    api = device.platform is Platform.ROUTEROS
    # An SSH device's router serves its tables to the console; its API port is unused.
    router = LabRouter(
        host=device.host if api else "127.0.0.1",
        port=device.port if api else 0,
        username=device.username,
        password=password,
    )
    routers.append(router)
    await router.start()
    if api:
        log.info("lab router %s: RouterOS API on %s:%d", device.name, device.host, router.port)
    return router


async def _start_console(
    device: DeviceSettings, router: LabRouter, consoles: list[LabSshServer]
) -> None:
    console = LabSshServer(
        router.device,
        host=device.host,
        port=device.port,
        username=device.username,
        password=device.password.reveal() if device.password else "",
    )
    consoles.append(console)
    await console.start()
    _pin(device, console)
    log.info("lab router %s: SSH console on %s:%d", device.name, device.host, console.port)


def _pin(device: DeviceSettings, console: LabSshServer) -> None:
    if device.known_hosts_file is None:
        log.warning(
            "lab router %s: no known_hosts_file configured; its host key is: %s",
            device.name,
            console.known_hosts_line().strip(),
        )
        return
    device.known_hosts_file.write_text(console.known_hosts_line())
