"""`StatusServer` itself: port 0, TLS, reload, a taken port, and the 500 answer."""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import re
import ssl
from typing import TYPE_CHECKING

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from provisiond.status import ApiContext, ListenError, StatusServer
from tests.integration.status.conftest import status_settings
from tests.integration.status.support import ADMIN, Client

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

    from provisiond.observability.metrics import Metrics
    from provisiond.policy.engine import PolicyEngine
    from provisiond.runtime.clock import FakeClock
    from tests.integration.status.conftest import Daemon


def self_signed(folder: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=36500))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / f"{name}.crt", folder / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


async def _serves_with(port: int, cert_file: Path) -> bool:
    """True when a client trusting only `cert_file` gets `/healthz` over HTTPS."""
    context = ssl.create_default_context(cafile=str(cert_file))
    async with aiohttp.ClientSession() as session:
        try:
            async with session.get(f"https://127.0.0.1:{port}/healthz", ssl=context) as reply:
                return reply.status == 200
        except aiohttp.ClientConnectorCertificateError:
            return False


async def test_tls_serves_and_reloads_the_certificate(
    start_server: Callable[..., Awaitable[StatusServer]], tmp_path: Path
) -> None:
    first = self_signed(tmp_path, "first")
    second = self_signed(tmp_path, "second")
    settings = status_settings(tls_cert_file=first[0], tls_key_file=first[1])
    server = await start_server(settings)
    assert await _serves_with(server.bound_port, first[0])
    assert not await _serves_with(server.bound_port, second[0])
    server.update_settings(status_settings(tls_cert_file=second[0], tls_key_file=second[1]))
    assert await _serves_with(server.bound_port, second[0])


async def test_a_certificate_reload_that_fails_keeps_the_old_one(
    start_server: Callable[..., Awaitable[StatusServer]],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cert, key = self_signed(tmp_path, "first")
    server = await start_server(status_settings(tls_cert_file=cert, tls_key_file=key))
    missing = tmp_path / "gone.crt"
    server.update_settings(status_settings(tls_cert_file=missing, tls_key_file=key))
    assert "keeping the certificate in use" in caplog.text
    server.update_settings(status_settings())
    assert "TLS switched on or off" in caplog.text
    assert await _serves_with(server.bound_port, cert)


async def test_a_certificate_that_does_not_load_is_a_listen_error(
    start_server: Callable[..., Awaitable[StatusServer]], tmp_path: Path
) -> None:
    missing = tmp_path / "missing.crt"
    with pytest.raises(ListenError, match=re.escape("missing.crt")):
        await start_server(status_settings(tls_cert_file=missing, tls_key_file=missing))


async def test_a_taken_port_is_a_listen_error(
    server: StatusServer, start_server: Callable[..., Awaitable[StatusServer]]
) -> None:
    with pytest.raises(ListenError, match=re.escape(f"127.0.0.1:{server.bound_port}")):
        await start_server(status_settings(listen_port=server.bound_port))


async def test_a_listen_change_waits_for_a_restart(
    server: StatusServer, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="provisiond.status"):
        server.update_settings(status_settings(listen_port=1))
    assert "status.listen changed; it takes effect at the next restart" in caplog.text
    assert (await client.get("/healthz")).status == 200


async def test_start_and_stop_are_guarded(server: StatusServer) -> None:
    with pytest.raises(RuntimeError, match="already started"):
        await server.start()
    await server.stop()
    await server.stop()
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.bound_port


async def test_an_unexpected_error_is_a_generic_500_logged_once(
    start_server: Callable[..., Awaitable[StatusServer]],
    daemon: Daemon,
    clock: FakeClock,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken_engine() -> PolicyEngine:
        raise RuntimeError("internal detail /var/lib/secret-path")

    context = daemon.context(clock)
    api = ApiContext(
        store=context.store,
        engine=broken_engine,
        clock=clock,
        readiness=context.readiness,
        wait_applied=context.wait_applied,
    )
    server = await start_server(api=api)
    client = Client(session, f"http://127.0.0.1:{server.bound_port}", ADMIN)
    with caplog.at_level(logging.ERROR):
        reply = await client.get("/api/v1/accounts/1/effective")
    assert reply.status == 500
    assert reply.json() == {"error": {"message": "internal error", "field": None}}
    assert "secret-path" not in reply.text
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert errors[0].exc_info is not None
    assert ADMIN not in caplog.text


async def test_metrics_count_requests_by_route_and_status(metrics: Metrics, client: Client) -> None:
    await client.get("/healthz")
    value = metrics.registry.get_sample_value(
        "provisiond_http_requests_total", {"method": "GET", "route": "/healthz", "status": "200"}
    )
    assert value == 1.0
