"""The two config files in the repository load, and the reference documents every key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from provisiond.config import LogFormat, Platform, load

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "config" / "sample.toml"
PRODUCTION = REPO / "config" / "provisiond.toml"
REFERENCE = REPO / "docs" / "configuration.md"


def test_sample_config_loads_as_make_run_uses_it() -> None:
    settings = load(SAMPLE, environ={})
    assert settings.state_dir == Path("var")
    assert settings.status.listen == "127.0.0.1:8080"
    assert settings.status.admin_token is not None
    assert settings.status.admin_token.reveal() == "admin-lab-token"
    assert settings.status.read_token is not None
    assert settings.status.read_token.reveal() == "read-lab-token"
    radius = settings.radius
    assert (radius.listen, radius.auth_port, radius.acct_port, radius.coa_port) == (
        ("127.0.0.1",),
        18120,
        18130,
        37990,
    )
    assert settings.logging.format is LogFormat.CONSOLE
    lab, nas = settings.devices
    assert (lab.name, lab.platform, lab.host, lab.port) == (
        "lab-1",
        Platform.ROUTEROS,
        "127.0.0.1",
        18728,
    )
    assert lab.username == "admin"
    assert lab.password is not None
    assert lab.password.reveal() == "lab-password"
    assert lab.queues
    assert lab.nas is not None
    assert lab.nas.secret.reveal() == "lab-radius-secret"
    assert (lab.nas.coa_port, lab.nas.require_message_authenticator) == (13799, True)
    assert (nas.name, nas.platform) == ("nas-2", Platform.NONE)
    assert nas.nas is not None
    assert {lab.nas.nas_identifier, nas.nas.nas_identifier} == {"lab-1", "nas-2"}


def test_production_template_loads_with_credentials(tmp_path: Path) -> None:
    text = PRODUCTION.read_text()
    names = re.findall(r'^\w+_file = "([^"/]+)"', text, flags=re.MULTILINE)
    assert "admin.token" in names
    for name in names:
        (tmp_path / name).write_text(f"{name}-secret\n")
    settings = load(PRODUCTION, environ={"CREDENTIALS_DIRECTORY": str(tmp_path)})
    assert settings.state_dir == Path("/var/lib/provisiond")
    assert settings.store.url == "sqlite:////var/lib/provisiond/provisiond.db"
    assert settings.store.secret_key is not None
    assert settings.devices[0].nas is not None
    assert settings.devices[0].snmp is not None


def test_production_template_shows_every_optional_key_commented() -> None:
    uncommented = "\n".join(
        re.sub(r"^# ", "", line) if re.match(r"# (\[|\w+ = )", line) else line
        for line in PRODUCTION.read_text().splitlines()
    )
    document = tomllib.loads(uncommented)
    assert set(document["status"]) >= {"tls_cert_file", "tls_key_file", "token"}
    assert set(document["radius"]["coa_client"][0]) == {
        "address",
        "secret_file",
        "allow",
        "nas",
        "require_message_authenticator",
    }
    assert "known_hosts_file" in document["device"][0]


def test_reference_documents_every_key_of_the_template() -> None:
    reference = REFERENCE.read_text()
    keys = set(re.findall(r"^#? ?(\w+) = ", PRODUCTION.read_text(), flags=re.MULTILINE))
    missing = sorted(key for key in keys if f"`{key}`" not in reference)
    assert not missing
