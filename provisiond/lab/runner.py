"""`provisiond lab`: emulated routers for the devices of a config, on loopback.

Every `[[device]]` with platform `routeros` whose host is a loopback address gets a
`LabRouter` on its port with its credentials; every `routeros-ssh` one gets the same
router behind a `LabSshServer`, whose host key is written to the device's
`known_hosts_file` (so the driver's host-key pinning works as in production). Devices on
other hosts are real routers and are left alone.

Each device named with `--nas` also gets a `NasSimulator` for its `[device.nas]`: CoA and
Disconnect on its `coa_address:coa_port`, checked with its secret, answered as a
MikroTik would (`apply`), from the device's `coa_source` only when one is set; it
sends its RADIUS requests from its `address` to the first `radius.listen` address.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING

from provisiond.config import Platform
from provisiond.lab.errors import LabError
from provisiond.lab.nas import NasSimulator
from provisiond.lab.server import LabRouter
from provisiond.lab.ssh import LabSshServer

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Sequence

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


def nas_simulators(settings: Settings, names: Sequence[str]) -> list[NasSimulator]:
    """A simulator for each named `[device.nas]`; `LabError` names what is wrong."""
    return [_simulator(settings, _nas_device(settings, name)) for name in dict.fromkeys(names)]


def _nas_device(settings: Settings, name: str) -> DeviceSettings:
    device = settings.device(name)
    if device is None:
        raise LabError(f"--nas {name}: no [[device]] of that name in the config")
    if device.nas is None:
        raise LabError(f"--nas {name}: the device has no [device.nas]")
    if device.nas.coa_address is None or device.nas.coa_port == 0:
        raise LabError(f"--nas {name}: the NAS takes no CoA (coa_port = 0 or no coa_address)")
    return device


def _simulator(settings: Settings, device: DeviceSettings) -> NasSimulator:
    nas = device.nas
    assert nas is not None  # noqa: S101 - `_nas_device` checked it
    assert nas.coa_address is not None  # noqa: S101 - `_nas_device` checked it
    source = next((p for p in nas.address if p.prefixlen == p.max_prefixlen), None)
    if source is None:
        raise LabError(f"--nas {device.name}: its address must include one host to send from")
    radius = settings.radius
    server = _reachable(radius.listen[0])
    return NasSimulator(
        secret=nas.secret.reveal(),
        host=nas.coa_address,
        port=nas.coa_port,
        auth_server=(server, radius.auth_port),
        acct_server=(server, radius.acct_port),
        source=str(source.network_address),
        nas_ip_address=(
            str(source.network_address) if isinstance(source, ipaddress.IPv4Network) else None
        ),
        nas_identifier=nas.nas_identifier or None,
        require_message_authenticator=nas.require_message_authenticator,
        # A RouterOS takes CoA only from its `/radius` servers: the daemon's coa_source
        # when it sends from a fixed address; otherwise any source, as nothing pins it.
        coa_sources=None if nas.coa_source is None else (nas.coa_source,),
        name=device.name,
    )


def _reachable(listen: str) -> str:
    """Where to send to a server listening on `listen` (a wildcard bind is on loopback too)."""
    address = ipaddress.ip_address(listen)
    if address.is_unspecified:
        return "::1" if isinstance(address, ipaddress.IPv6Address) else "127.0.0.1"
    return listen


async def run(settings: Settings, stop: asyncio.Event, *, nas: Sequence[str] = ()) -> None:
    """Serve every emulated device, and a NAS simulator per name in `nas`, until `stop`."""
    routers: list[LabRouter] = []
    consoles: list[LabSshServer] = []
    simulators = nas_simulators(settings, nas)
    started: list[NasSimulator] = []
    try:
        for device in emulated(settings):
            router = await _start_router(device, routers)
            if device.platform is Platform.ROUTEROS_SSH:
                await _start_console(device, router, consoles)
        for simulator in simulators:
            await simulator.start()
            started.append(simulator)
        if not routers and not started:
            log.warning("no loopback RouterOS devices in the config: nothing to emulate")
        await stop.wait()
    finally:
        for simulator in started:
            await simulator.stop()
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
