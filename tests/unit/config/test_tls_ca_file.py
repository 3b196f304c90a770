from __future__ import annotations

from pathlib import Path

from tests.unit.config.support import ROUTER, issues, load_text


def test_tls_ca_file_is_located_like_a_secret_file() -> None:
    Path("ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    settings = load_text(ROUTER + 'tls = true\ntls_ca_file = "ca.pem"\n')
    ca_file = settings.devices[0].tls_ca_file
    assert ca_file is not None
    assert ca_file.name == "ca.pem"
    assert ca_file.exists()


def test_tls_ca_file_belongs_to_the_api_platform_only() -> None:
    Path("ca.pem").write_text("x")
    text = ROUTER.replace('"routeros"', '"routeros-ssh"') + 'tls_ca_file = "ca.pem"\n'
    assert any(
        "device.0.tls_ca_file: only for platform 'routeros'" in line for line in issues(text)
    )
