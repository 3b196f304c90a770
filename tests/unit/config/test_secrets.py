from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from provisiond.config import ConfigError, load
from tests.unit.config.support import issues, load_text, write

if TYPE_CHECKING:
    from pathlib import Path

    from provisiond.config import Settings


def admin_token(settings: Settings) -> str:
    assert settings.status.admin_token is not None
    return settings.status.admin_token.reveal()


def test_inline_secret() -> None:
    assert admin_token(load_text('[status]\nadmin_token = "inline-token"\n')) == "inline-token"


def test_absolute_file_is_used_as_is(tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere" / "admin.token"
    secret.parent.mkdir()
    secret.write_text("from-file\n\n  \t")
    settings = load_text(f'[status]\nadmin_token_file = "{secret}"\n')
    assert admin_token(settings) == "from-file"


def test_relative_file_is_read_next_to_the_config(workdir: Path) -> None:
    (workdir / "conf").mkdir()
    (workdir / "conf" / "admin.token").write_text("next-to-config\n")
    path = write('[status]\nadmin_token_file = "admin.token"\n', "conf/provisiond.toml")
    assert admin_token(load(path, environ={})) == "next-to-config"


def test_credentials_directory_comes_first(workdir: Path) -> None:
    (workdir / "creds").mkdir()
    (workdir / "creds" / "admin.token").write_text("from-credentials")
    (workdir / "admin.token").write_text("from-config-dir")
    (workdir / "read.token").write_text("read-from-config-dir")  # not in creds: falls back
    settings = load_text(
        '[status]\nadmin_token_file = "admin.token"\nread_token_file = "read.token"\n',
        environ={"CREDENTIALS_DIRECTORY": str(workdir / "creds")},
    )
    assert admin_token(settings) == "from-credentials"
    assert settings.status.read_token is not None
    assert settings.status.read_token.reveal() == "read-from-config-dir"


def test_environment_is_read_when_not_given(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (workdir / "creds").mkdir()
    (workdir / "creds" / "admin.token").write_text("from-os-environ")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(workdir / "creds"))
    settings = load(write('[status]\nadmin_token_file = "admin.token"\n'))
    assert admin_token(settings) == "from-os-environ"


def test_missing_file_names_key_and_every_path_tried() -> None:
    environ = {"CREDENTIALS_DIRECTORY": "/run/credentials/provisiond.service"}
    assert issues('[status]\n\nadmin_token_file = "admin.token"\n', environ=environ) == [
        "provisiond.toml:3: status.admin_token_file: secret file not found"
        " (tried /run/credentials/provisiond.service/admin.token, admin.token)"
    ]


def test_empty_file_is_an_error(workdir: Path) -> None:
    (workdir / "admin.token").write_text(" \n\n")
    assert issues('[status]\nadmin_token_file = "admin.token"\n') == [
        "provisiond.toml:2: status.admin_token_file: admin.token is empty"
    ]


def test_unreadable_file_is_an_error(workdir: Path) -> None:
    (workdir / "admin.token").mkdir()
    assert issues('[status]\nadmin_token_file = "admin.token"\n') == [
        "provisiond.toml:2: status.admin_token_file: cannot read admin.token: Is a directory"
    ]


def test_inline_and_file_together_is_an_error(workdir: Path) -> None:
    (workdir / "admin.token").write_text("x")
    text = '[status]\nadmin_token = "a"\nadmin_token_file = "admin.token"\n'
    assert issues(text) == [
        "provisiond.toml:2: status.admin_token: give either admin_token or admin_token_file,"
        " not both"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[status]\nadmin_token = ""\n',
            "provisiond.toml:2: status.admin_token: must not be empty",
        ),
        (
            "[status]\nadmin_token = 12345\n",
            "provisiond.toml:2: status.admin_token: expected a string, got integer",
        ),
        (
            '[status]\nadmin_token_file = ""\n',
            "provisiond.toml:2: status.admin_token_file: must not be empty",
        ),
    ],
)
def test_bad_inline_secret(text: str, expected: str) -> None:
    assert issues(text) == [expected]


def test_every_secret_key_takes_a_file(workdir: Path) -> None:
    for name in ("store.key", "pw", "radius", "community", "relay", "alice"):
        (workdir / name).write_text(f"{name}-value\n")
    settings = load_text(
        """\
        [store]
        secret_key_file = "store.key"
        [[status.token]]
        name = "alice"
        role = "read"
        token_file = "alice"
        [[radius.coa_client]]
        address = "192.0.2.9"
        secret_file = "relay"
        [[device]]
        name = "core-1"
        platform = "routeros"
        host = "192.0.2.1"
        username = "u"
        password_file = "pw"
        [device.nas]
        address = "192.0.2.1"
        secret_file = "radius"
        [device.snmp]
        community_file = "community"
        """
    )
    device = settings.devices[0]
    assert settings.store.secret_key is not None
    assert settings.store.secret_key.reveal() == "store.key-value"
    assert settings.status.tokens[0].token.reveal() == "alice-value"
    assert settings.radius.coa_clients[0].secret.reveal() == "relay-value"
    assert device.password is not None
    assert device.password.reveal() == "pw-value"
    assert device.nas is not None
    assert device.nas.secret.reveal() == "radius-value"
    assert device.snmp is not None
    assert device.snmp.community.reveal() == "community-value"


def test_secrets_never_appear_in_repr_str_or_errors() -> None:
    text = """\
    [status]
    admin_token = "SECRET-admin"
    [[status.token]]
    name = "bob"
    role = "admin"
    token = "SECRET-admin"
    [[device]]
    name = "core-1"
    platform = "routeros"
    host = "192.0.2.1"
    username = "u"
    password = "SECRET-password"
    pasword = "SECRET-typo"
    [device.nas]
    address = "192.0.2.1"
    secret = "SECRET-radius"
    """
    with pytest.raises(ConfigError) as caught:
        load_text(text)
    rendered = [str(caught.value), repr(caught.value), *map(repr, caught.value.issues)]
    assert not any("SECRET" in line for line in rendered)
    assert len(caught.value.issues) == 2  # the shared token value and the typo
    settings = load_text(text.replace("SECRET-admin", "SECRET-bob", 1).replace("    pasword", "#"))
    assert "SECRET" not in repr(settings)
    assert "SECRET" not in str(settings)
