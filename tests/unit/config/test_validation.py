"""Every error path, with the exact `FILE:LINE: key: message` line it gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisiond.config import ConfigError, load
from tests.unit.config.support import ROUTER, issues, load_text

F = "provisiond.toml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bogus = 1\n", f"{F}:1: bogus: unknown key"),
        ("\n[radis]\n", f"{F}:2: radis: unknown key (did you mean 'radius'?)"),
        (
            "[radius]\nauth_prot = 1812\n",
            f"{F}:2: radius.auth_prot: unknown key (did you mean 'auth_port'?)",
        ),
        (
            "[radius]\nauth_port = 70000\n",
            f"{F}:2: radius.auth_port: must be between 1 and 65535, got 70000",
        ),
        (
            "[radius]\nacct_port = 0\n",
            f"{F}:2: radius.acct_port: must be between 1 and 65535, got 0",
        ),
        (
            "[radius]\nauth_port = 1813\n",
            f"{F}:1: radius.acct_port: must differ from auth_port (1813)",
        ),
        (
            "[radius]\ncoa_port = 1812\n",
            f"{F}:2: radius.coa_port: must differ from auth_port and acct_port",
        ),
        (
            '[radius]\nauth_port = "1812"\n',
            f"{F}:2: radius.auth_port: expected an integer, got string",
        ),
        (
            "[radius]\nauth_port = true\n",
            f"{F}:2: radius.auth_port: expected an integer, got boolean",
        ),
        (
            "[radius]\nauth_port = 1812.0\n",
            f"{F}:2: radius.auth_port: expected an integer, got float",
        ),
        (
            "[radius]\nreject_inactive = 1\n",
            f"{F}:2: radius.reject_inactive: expected a boolean, got integer",
        ),
        (
            '[radius]\nlisten = "127.0.0.1"\n',
            f"{F}:2: radius.listen: expected an array of strings, got string",
        ),
        ("[radius]\nlisten = []\n", f"{F}:2: radius.listen: must not be empty"),
        (
            '[radius]\nlisten = [\n  "127.0.0.1",\n  "localhost",\n]\n',
            f"{F}:4: radius.listen.1: 'localhost' is not an IP address",
        ),
        (
            '[radius]\nlisten = ["::1", 7]\n',
            f"{F}:2: radius.listen.1: expected a string, got integer",
        ),
        (
            '[radius]\ndefault_rate = "fast"\n',
            f"{F}:2: radius.default_rate: 'fast' is not a MikroTik rate"
            ' (upload/download, e.g. "512k/2M")',
        ),
        (
            '[radius]\ninterim_interval = "5m"\nstale_after = "5m"\n',
            f"{F}:3: radius.stale_after: must be longer than interim_interval (300 s)",
        ),
        ("radius = 1\n", f"{F}:1: radius: expected a table, got integer"),
        (
            '[coa]\nfallback = "drop"\n',
            f"{F}:2: coa.fallback: 'drop' is not one of 'disconnect', 'none'",
        ),
        ("[coa]\nretries = -1\n", f"{F}:2: coa.retries: must be between 0 and 100, got -1"),
        (
            "[coa]\nmax_disconnect_fraction = 1.5\n",
            f"{F}:2: coa.max_disconnect_fraction: must be between 0 and 1, got 1.5",
        ),
        (
            "[reconcile]\nmax_remove_fraction = nan\n",
            f"{F}:2: reconcile.max_remove_fraction: must be between 0 and 1, got nan",
        ),
        (
            '[reconcile]\nmax_remove_fraction = "10%"\n',
            f"{F}:2: reconcile.max_remove_fraction: expected a number, got string",
        ),
        (
            '[usage]\ntimezone = "Mars/Olympus"\n',
            f"{F}:2: usage.timezone: 'Mars/Olympus' is not an IANA time zone"
            " (e.g. 'Europe/Berlin')",
        ),
        (
            '[webhooks]\nallow_hosts = ["10.0.0.1/8"]\n',
            f"{F}:2: webhooks.allow_hosts.0: '10.0.0.1/8' is not a host name or a prefix with host"
            " bits clear",
        ),
        (
            '[logging]\nformat = "text"\n',
            f"{F}:2: logging.format: 'text' is not one of 'json', 'console'",
        ),
        (
            '[logging]\nlevel = "verbose"\n',
            f"{F}:2: logging.level: 'verbose' is not one of 'debug', 'info', 'warning', 'error',"
            " 'critical'",
        ),
        (
            '[store]\nurl = "provisiond.db"\n',
            f"{F}:2: store.url: 'provisiond.db' is not a database URL (e.g. 'sqlite:///var/provisiond.db')",
        ),
        ('state_dir = ""\n', f"{F}:1: state_dir: must not be empty"),
        (
            '[model]\nallow_multiple_data_services = "yes"\n',
            f"{F}:2: model.allow_multiple_data_services: expected a boolean, got string",
        ),
        ("when = 1979-05-27\n", f"{F}:1: when: unknown key"),
        (
            "[coa]\ntimeout = 1979-05-27\n",
            f"{F}:2: coa.timeout: expected a duration"
            ' (seconds, or a string like "5m"), got date/time',
        ),
    ],
)
def test_service_table_errors(text: str, expected: str) -> None:
    assert issues(text) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[status]\nlisten = "8080"\n',
            f"{F}:2: status.listen: '8080' is not host:port with a port in 0..65535",
        ),
        (
            '[status]\nlisten = "::1:8080"\n',
            f"{F}:2: status.listen: '::1:8080' is not host:port; write IPv6 as [addr]:port",
        ),
        (
            '[status]\nlisten = "[127.0.0.1]:80"\n',
            f"{F}:2: status.listen: '[127.0.0.1]:80' is not host:port (brackets are for IPv6 only)",
        ),
        (
            '[status]\nlisten = "bad_host:80"\n',
            f"{F}:2: status.listen: 'bad_host' is not an IP address or a host name",
        ),
        (
            '[status]\nlisten = "0.0.0.0:8080"\n',
            f"{F}:2: status.listen: 0.0.0.0 is not a loopback address: set tls_cert_file and"
            " tls_key_file, or allow_plain_http = true",
        ),
        (
            '[status]\nlisten = "[2001:db8::1]:8080"\n',
            f"{F}:2: status.listen: 2001:db8::1 is not a loopback address: set tls_cert_file and"
            " tls_key_file, or allow_plain_http = true",
        ),
        (
            '[status]\ntls_key_file = "/dev/null"\n',
            f"{F}:1: status.tls_cert_file: required when tls_key_file is set",
        ),
        (
            '[status]\ntls_cert_file = "status.crt"\n',
            f"{F}:2: status.tls_cert_file: file not found (tried status.crt)",
        ),
    ],
)
def test_status_errors(text: str, expected: str) -> None:
    assert expected in issues(text)


def test_only_one_tls_file_names_the_missing_one() -> None:
    assert issues('\n[status]\ntls_cert_file = "/dev/null"\n') == [
        f"{F}:2: status.tls_key_file: required when tls_cert_file is set"
    ]


def test_non_loopback_listen_is_fine_with_tls_or_plain_http_allowed(workdir: Path) -> None:
    (workdir / "status.crt").write_text("pem")
    (workdir / "status.key").write_text("pem")
    tls = load_text(
        '[status]\nlisten = "[::]:8443"\n'
        'tls_cert_file = "status.crt"\ntls_key_file = "status.key"\n'
    )
    assert tls.status.tls_cert_file == workdir.joinpath("status.crt").relative_to(workdir)
    assert tls.status.listen == "[::]:8443"
    plain = load_text('[status]\nlisten = "192.0.2.5:80"\nallow_plain_http = true\n')
    assert (plain.status.listen_host, plain.status.listen_port) == ("192.0.2.5", 80)


NAMED_TOKENS = """\
[status]
admin_token = "a"
[[status.token]]
name = "alice"
role = "admin"
token = "t1"
[[status.token]]
name = "alice"
role = "owner"
token = "t2"
[[status.token]]
name = "read"
token = "t3"
[[status.token]]
name = "bob"
role = "read"
token = "a"
[[status.token]]
role = "read"
"""


def test_named_token_errors() -> None:
    assert issues(NAMED_TOKENS) == [
        f"{F}:8: status.token.1.name: duplicate token name 'alice' (also status.token.0)",
        f"{F}:9: status.token.1.role: 'owner' is not one of 'admin', 'read'",
        f"{F}:11: status.token.2.role: required ('admin' or 'read')",
        f"{F}:12: status.token.2.name: 'read' is the audit name of read_token",
        f"{F}:17: status.token.3.token: the same token as status.admin_token; every token must"
        " differ",
        f"{F}:18: status.token.4.name: required",
        f"{F}:18: status.token.4.token: required (token or token_file)",
    ]


DEVICES = """\
[[device]]
name = "core-1"
platform = "routeros"
[[device]]
name = "core-1"
platform = "routeros-ssh"
host = "192.0.2.2"
username = "u"
password = "p"
tls = true
[[device]]
name = "edge"
platform = "none"
known_hosts_file = "known_hosts"
session_sources = [
  "core-1",
  "nowhere",
]
"""


def test_device_errors() -> None:
    assert issues(DEVICES) == [
        f"{F}:1: device.0.host: required for platform 'routeros'",
        f"{F}:1: device.0.username: required for platform 'routeros'",
        f"{F}:1: device.0.password: required for platform 'routeros' (or password_file)",
        f"{F}:5: device.1.name: duplicate device 'core-1' (also device.0)",
        f"{F}:10: device.1.tls: only for platform 'routeros'",
        f"{F}:14: device.2.known_hosts_file: only for platform 'routeros-ssh'",
        f"{F}:14: device.2.known_hosts_file: file not found (tried known_hosts)",
        f"{F}:16: device.2.session_sources.0: device 'core-1' has no [device.nas]",
        f"{F}:17: device.2.session_sources.1: unknown device 'nowhere'",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[device]]\nplatform = "none"\n', f"{F}:1: device.0.name: required"),
        (
            '[[device]]\nname = "x y"\nplatform = "none"\n',
            f"{F}:2: device.0.name: 'x y' is not a name (letters, digits, '_', '-', '.')",
        ),
        (
            '[[device]]\nname = "x"\n',
            f"{F}:1: device.0.platform: required (one of 'routeros', 'routeros-ssh', 'none')",
        ),
        (
            '[[device]]\nname = "x"\nplatform = "cisco"\n',
            f"{F}:3: device.0.platform: 'cisco' is not one of 'routeros', 'routeros-ssh', 'none'",
        ),
        (
            '[[device]]\nname = "x"\nplatform = "none"\ncomment_prefix = "a:b"\n',
            f"{F}:4: device.0.comment_prefix: 'a:b' is not a tag (letters, digits, '_', '-', '.')",
        ),
        (
            '[[device]]\nname = "x"\nplatform = "none"\nport = 0\n',
            f"{F}:4: device.0.port: must be between 1 and 65535, got 0",
        ),
        (
            '[[device]]\nname = "x"\nplatform = "none"\n'
            'subnets = [\n  "10.0.0.0/8",\n  "10.0.0.1/24",\n]\n',
            f"{F}:6: device.0.subnets.1: '10.0.0.1/24' is not an address or a prefix"
            " with host bits clear",
        ),
        (
            '[[device]]\nname = "x"\nplatform = "none"\n'
            '[device.snmp]\nversion = "3"\ncommunity = "c"\n',
            f"{F}:5: device.0.snmp.version: '3' is not one of '1', '2c'",
        ),
        (
            '[[device]]\nname = "x"\nplatform = "none"\n[device.snmp]\nport = 161\n',
            f"{F}:4: device.0.snmp.community: required (community or community_file)",
        ),
        (
            '[[device]]\nname = "x"\nplatform = "none"\n'
            '[device.snmp]\ncommunity = "c"\nbogus = 1\n',
            f"{F}:6: device.0.snmp.bogus: unknown key",
        ),
        ("device = 1\n", f"{F}:1: device: expected an array of tables, got integer"),
        (ROUTER.replace('"192.0.2.1"', '""'), f"{F}:4: device.0.host: must not be empty"),
        (
            ROUTER.replace('"192.0.2.1"', '"-bad-"'),
            f"{F}:4: device.0.host: '-bad-' is not an IP address or a host name",
        ),
        (
            'device = [\n  { name = "a", platform = "none" },\n  2,\n]\n',
            f"{F}:3: device.1: expected a table, got integer",
        ),
        (
            'device = [\n  { name = "a", platform = "none" },\n'
            '  { name = "b", platform = "none", x = 1 },\n]\n',
            f"{F}:3: device.1.x: unknown key",
        ),
        (
            '[[device]]\nname = "x"\nplatform = "none"\nnas = 5\n',
            f"{F}:4: device.0.nas: expected a table, got integer",
        ),
    ],
)
def test_single_device_errors(text: str, expected: str) -> None:
    assert issues(text) == [expected]


@pytest.mark.parametrize(
    ("nas", "expected"),
    [
        ('secret = "s"', f"{F}:4: device.0.nas.address: required"),
        ('address = "192.0.2.1"', f"{F}:4: device.0.nas.secret: required (secret or secret_file)"),
        (
            'address = "192.0.2.1"\nsecret = "s"\ncoa_on = ["status", "weather"]',
            f"{F}:7: device.0.nas.coa_on.1: 'weather' is not one of 'status', 'delinquency',"
            " 'service', 'usage', 'groups', 'definitions'",
        ),
        (
            'address = "192.0.2.1"\nsecret = "s"\ncoa_on = []',
            f"{F}:7: device.0.nas.coa_on: must not be empty",
        ),
        (
            'address = "192.0.2.0/24"\nsecret = "s"',
            f"{F}:4: device.0.nas.coa_address: required: address 192.0.2.0/24 is a prefix"
            " (or set coa_port = 0)",
        ),
        (
            'address = "192.0.2.1"\nsecret = "s"\ncoa_source = "me"',
            f"{F}:7: device.0.nas.coa_source: 'me' is not an IP address",
        ),
        (
            'address = "192.0.2.1"\nsecret = "s"\ncoa_port = 65536',
            f"{F}:7: device.0.nas.coa_port: must be between 0 and 65535, got 65536",
        ),
        (
            'address = ["192.0.2.1", 3]\nsecret = "s"',
            f"{F}:5: device.0.nas.address.1: expected a string, got integer",
        ),
        (
            'address = 3\nsecret = "s"',
            f"{F}:5: device.0.nas.address: expected a string or an array of strings, got integer",
        ),
    ],
)
def test_nas_errors(nas: str, expected: str) -> None:
    text = f'[[device]]\nname = "x"\nplatform = "none"\n[device.nas]\n{nas}\n'
    assert issues(text) == [expected]


SHARED = """\
[[device]]
name = "a"
platform = "none"
[device.nas]
address = "192.0.2.1"
secret = "s"
[[device]]
name = "b"
platform = "none"
[device.nas]
address = "192.0.2.0/30"
coa_address = "192.0.2.2"
nas_identifier = "same"
secret = "s"
[[device]]
name = "c"
platform = "none"
[device.nas]
address = ["2001:db8::1", "192.0.2.2"]
nas_identifier = "same"
secret = "s"
"""


def test_nas_sharing_a_source_address_need_distinct_identifiers() -> None:
    assert issues(SHARED) == [
        f"{F}:4: device.0.nas.nas_identifier: required: device 'b' shares its source address",
        f"{F}:20: device.2.nas.nas_identifier: 'same' is also the nas_identifier of device 'b',"
        " which shares its source address",
    ]


def test_nas_sharing_with_distinct_identifiers_is_fine() -> None:
    text = SHARED.replace('secret = "s"\n', 'nas_identifier = "a"\nsecret = "s"\n', 1)
    text = text.replace('nas_identifier = "same"', 'nas_identifier = "c"')
    text = text.replace('nas_identifier = "c"', 'nas_identifier = "b"', 1)
    settings = load_text(text)
    assert [d.nas.nas_identifier for d in settings.devices if d.nas] == ["a", "b", "c"]


COA_CLIENTS = """\
[[radius.coa_client]]
address = ["192.0.2.9", "198.51.100.0/24"]
secret = "s"
allow = ["disconnect", "reboot"]
nas = ["core-1", "ghost"]
[[radius.coa_client]]
secret = "s"
allow = []
"""


def test_coa_client_errors() -> None:
    assert issues(COA_CLIENTS + ROUTER) == [
        f"{F}:4: radius.coa_client.0.allow.1: 'reboot' is not one of 'coa', 'disconnect'",
        f"{F}:5: radius.coa_client.0.nas.0: device 'core-1' has no [device.nas]",
        f"{F}:5: radius.coa_client.0.nas.1: unknown device 'ghost'",
        f"{F}:6: radius.coa_client.1.address: required",
        f"{F}:8: radius.coa_client.1.allow: must not be empty",
    ]


def test_all_errors_are_reported_in_file_order() -> None:
    text = '[radius]\nauth_port = "x"\n[coa]\nretries = true\n[[device]]\nname = "d"\n'
    with pytest.raises(ConfigError) as caught:
        load_text(text)
    assert [issue.line for issue in caught.value.issues] == [2, 4, 5]
    assert str(caught.value) == "\n".join(str(issue) for issue in caught.value.issues)


def test_toml_syntax_error_is_one_issue_at_its_line() -> None:
    assert issues('[status]\nlisten = "127.0.0.1:8080\n') == [
        f"{F}:2: invalid TOML: Illegal character '\\n' (column 25)"
    ]


def test_toml_error_at_end_of_document() -> None:
    assert issues('a = 1\nb = """\n') == [
        f"{F}:3: invalid TOML: Unterminated string (at the end of the file)"
    ]


def test_unreadable_file() -> None:
    with pytest.raises(ConfigError) as caught:
        load(Path("missing.toml"), environ={})
    assert [str(issue) for issue in caught.value.issues] == [
        "missing.toml:1: cannot read the configuration: No such file or directory"
    ]


def test_file_is_named_as_given(workdir: Path) -> None:
    (workdir / "sub").mkdir()
    path = workdir / "sub" / "c.toml"
    path.write_text("x = 1\n")
    with pytest.raises(ConfigError) as caught:
        load(path, environ={})
    assert str(caught.value) == f"{path}:1: x: unknown key"
    assert caught.value.issues[0].render("./sub/c.toml") == "./sub/c.toml:1: x: unknown key"
