"""Builders shared by the driver tests: device settings, changes, a TLS certificate."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import ipaddress
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from provisiond.config import DeviceSettings, Platform
from provisiond.drivers import RouterOSApiDriver, RouterOSSshDriver, connected
from provisiond.lab.ssh import LabSshServer
from provisiond.model.device_state import ADDRESS_LIST_PATH, QUEUE_PATH
from provisiond.model.secret import Secret
from provisiond.plan import Change, Op, Reason

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from provisiond.drivers import Driver
    from provisiond.lab import LabRouter

PASSWORD = "lab-secret"
ADDRESS_LIST = ADDRESS_LIST_PATH[4]
IPV6_ADDRESS_LIST = ADDRESS_LIST_PATH[6]
QUEUES = QUEUE_PATH
TIMEOUT = 2.0


def api_settings(port: int, **overrides: Any) -> DeviceSettings:
    settings = DeviceSettings(
        name="lab-1",
        platform=Platform.ROUTEROS,
        host="127.0.0.1",
        port=port,
        username="admin",
        password=Secret(PASSWORD),
        timeout=TIMEOUT,
    )
    return dataclasses.replace(settings, **overrides)


def ssh_settings(port: int, known_hosts: Path, **overrides: Any) -> DeviceSettings:
    return api_settings(
        port, platform=Platform.ROUTEROS_SSH, known_hosts_file=known_hosts, **overrides
    )


def add(list_name: str, address: str, account: int, path: str = ADDRESS_LIST) -> Change:
    entry = {"list": list_name, "address": address, "comment": f"provisiond:{account}"}
    return Change(op=Op.ADD, path=path, entry=entry, reason=Reason.MISSING)


def adds(count: int, list_name: str = "subs") -> list[Change]:
    return [add(list_name, f"100.64.{n // 250}.{n % 250 + 1}", 1000 + n) for n in range(count)]


def setting(entry_id: str, path: str = ADDRESS_LIST, **attrs: str) -> Change:
    return Change(op=Op.SET, path=path, entry={".id": entry_id, **attrs}, reason=Reason.EDITED)


def removal(entry_id: str, path: str = ADDRESS_LIST) -> Change:
    return Change(op=Op.REMOVE, path=path, entry={".id": entry_id}, reason=Reason.NOT_DESIRED)


def queue(name: str, target: str, max_limit: str, account: int) -> Change:
    entry = {
        "name": name,
        "target": target,
        "max-limit": max_limit,
        "comment": f"provisiond:{account}",
    }
    return Change(op=Op.ADD, path=QUEUES, entry=entry, reason=Reason.MISSING)


@dataclass(frozen=True)
class Tls:
    server: ssl.SSLContext
    ca_file: Path


def self_signed(tmp_path: Path) -> Tls:
    """A self-signed certificate for 127.0.0.1, its key, and the server context."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lab-router")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "router.crt", tmp_path / "router.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    return Tls(server=server, ca_file=cert_file)


@contextlib.asynccontextmanager
async def open_driver(kind: str, router: LabRouter, tmp_path: Path) -> AsyncIterator[Driver]:
    """A connected driver of `kind` ("api" or "ssh") for `router`."""
    if kind == "api":
        async with connected(RouterOSApiDriver(api_settings(router.port))) as api:
            yield api
        return
    async with LabSshServer(router.device, password=PASSWORD) as sshd:
        known_hosts = tmp_path / "known_hosts"
        known_hosts.write_text(sshd.known_hosts_line())
        async with connected(RouterOSSshDriver(ssh_settings(sshd.port, known_hosts))) as ssh:
            yield ssh
