"""`provisiond lab --nas NAME`: a NAS simulator for a configured `[device.nas]`."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import TYPE_CHECKING, Any

import pytest

from provisiond.config.settings import (
    DeviceSettings,
    NasSettings,
    Platform,
    RadiusSettings,
    Settings,
)
from provisiond.lab import runner
from provisiond.lab.errors import LabError
from provisiond.model.secret import Secret
from provisiond.radius.digest import SharedSecret
from provisiond.radius.reply import parse_reply
from provisiond.radius.request import build_request
from provisiond.radius.wire import NAS_IDENTIFIER, USER_NAME, Code, ErrorCause, encode_attribute

if TYPE_CHECKING:
    from pathlib import Path

SECRET = "edge-secret"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def nas_device(name: str, address: str = "127.0.0.1/32", **fields: Any) -> DeviceSettings:
    nas = NasSettings(
        address=(ipaddress.ip_network(address),),
        secret=Secret(SECRET),
        nas_identifier=name,
        require_message_authenticator=False,
        **fields,
    )
    return DeviceSettings(name=name, platform=Platform.NONE, nas=nas)


def settings(tmp_path: Path, *devices: DeviceSettings) -> Settings:
    radius = RadiusSettings(listen=("0.0.0.0",), auth_port=18121, acct_port=18131)  # noqa: S104
    return Settings(state_dir=tmp_path, radius=radius, devices=devices)


class _Answers(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.answers: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        del addr
        self.answers.put_nowait(data)


async def ask(port: int, request: bytes) -> bytes | None:
    """Send until something answers (the lab binds in a task), at most one second."""
    protocol = _Answers()
    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
        lambda: protocol, local_addr=("127.0.0.1", 0)
    )
    try:
        for _ in range(20):
            transport.sendto(request, ("127.0.0.1", port))
            try:
                return await asyncio.wait_for(protocol.answers.get(), 0.05)
            except TimeoutError:
                continue
        return None
    finally:
        transport.close()


async def test_the_lab_answers_coa_for_the_named_nas_with_its_secret(tmp_path: Path) -> None:
    port = free_udp_port()
    config = settings(
        tmp_path, nas_device("edge", coa_address="127.0.0.1", coa_port=port), nas_device("core")
    )
    stop = asyncio.Event()
    lab = asyncio.create_task(runner.run(config, stop, nas=["edge"]))
    secret = SharedSecret(SECRET.encode())
    # Named to the simulator by its device's nas_identifier, as RFC 5176 §3 wants.
    attributes = encode_attribute(USER_NAME, b"alice") + encode_attribute(NAS_IDENTIFIER, b"edge")
    request = build_request(Code.COA_REQUEST, 3, secret, attributes)
    try:
        answer = await ask(port, request)
    finally:
        stop.set()
        await lab

    assert answer is not None
    reply = parse_reply(
        answer,
        secret,
        request_code=Code.COA_REQUEST,
        request_identifier=3,
        request_authenticator=request[4:20],
    )
    # It behaves as a MikroTik would: it has no session of alice.
    assert (reply.code, reply.error_cause) == (Code.COA_NAK, ErrorCause.SESSION_CONTEXT_NOT_FOUND)


@pytest.mark.parametrize(
    ("device", "message"),
    [
        (DeviceSettings(name="edge", platform=Platform.NONE), "has no \\[device.nas\\]"),
        (nas_device("edge", coa_address=None), "takes no CoA"),
        (nas_device("edge", coa_address="127.0.0.1", coa_port=0), "takes no CoA"),
        (nas_device("edge", "10.0.0.0/8", coa_address="127.0.0.1"), "one host to send from"),
    ],
)
def test_a_nas_the_lab_cannot_simulate_is_named(
    tmp_path: Path, device: DeviceSettings, message: str
) -> None:
    with pytest.raises(LabError, match=message):
        runner.nas_simulators(settings(tmp_path, device), ["edge"])


def test_an_unknown_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LabError, match="--nas nope: no \\[\\[device\\]\\]"):
        runner.nas_simulators(settings(tmp_path), ["nope"])


def test_the_simulator_talks_to_the_servers_loopback_address(tmp_path: Path) -> None:
    config = settings(tmp_path, nas_device("edge", coa_address="127.0.0.1", coa_port=3799))

    (simulator,) = runner.nas_simulators(config, ["edge", "edge"])

    assert simulator.requests.auth_server == ("127.0.0.1", 18121)
    assert simulator.requests.acct_server == ("127.0.0.1", 18131)
    assert simulator.requests.identity.nas_identifier == "edge"
    assert simulator.address == ("127.0.0.1", 3799)


@pytest.mark.parametrize(
    ("coa_source", "sender", "dropped_as"),
    [
        ("192.0.2.254", "127.0.0.1", "unknown_source"),  # not the daemon's: ignored
        ("192.0.2.254", "192.0.2.254", "malformed"),  # the daemon's: read (and too short)
        (None, "198.51.100.9", "malformed"),  # none configured: from anywhere
    ],
)
def test_the_simulator_takes_coa_only_from_the_daemons_coa_source(
    tmp_path: Path, coa_source: str | None, sender: str, dropped_as: str
) -> None:
    device = nas_device("edge", coa_address="127.0.0.1", coa_port=3799, coa_source=coa_source)
    (simulator,) = runner.nas_simulators(settings(tmp_path, device), ["edge"])

    # Two octets: the source check comes first, the length check right after it.
    simulator.datagram_received(b"\x2b\x01", (sender, 3799))

    assert dict(simulator.dropped) == {dropped_as: 1}
