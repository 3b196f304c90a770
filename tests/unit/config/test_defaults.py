from __future__ import annotations

import ipaddress
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from provisiond.config import (
    CoaAction,
    CoaTrigger,
    LogLevel,
    Platform,
    RadiusSettings,
    Settings,
    StoreSettings,
)
from provisiond.model.device_state import DeviceScope
from provisiond.model.network import parse_prefix
from tests.unit.config.support import ROUTER, load_text


def test_empty_file_gives_the_design_defaults() -> None:
    settings = load_text("")
    assert settings == Settings()
    assert settings.state_dir == Path("var")
    assert settings.store == StoreSettings(url="sqlite:///var/provisiond.db")
    assert settings.status.listen == "127.0.0.1:8080"
    assert settings.radius == RadiusSettings()
    assert (settings.radius.auth_port, settings.radius.acct_port) == (1812, 1813)
    assert settings.radius.coa_port == 3799
    assert settings.radius.interim_interval == 300.0
    assert settings.radius.stale_after == 750.0
    assert settings.coa.timeout == 2.0
    assert settings.coa.max_disconnect_fraction == 0.05
    assert settings.reconcile.max_remove_fraction == 0.10
    assert settings.reconcile.ready_timeout == 60.0
    assert settings.webhooks.timeout == 10.0
    assert settings.usage.zone == ZoneInfo("UTC")
    assert settings.devices == ()


def test_store_url_follows_state_dir_as_written() -> None:
    assert load_text('state_dir = "/var/lib/provisiond"\n').store.url == (
        "sqlite:////var/lib/provisiond/provisiond.db"
    )
    relative = load_text('state_dir = "./run/state"\n')
    assert relative.state_dir == Path("run/state")
    assert relative.store.url == "sqlite:///run/state/provisiond.db"


def test_stale_after_defaults_to_two_and_a_half_interims() -> None:
    assert load_text('[radius]\ninterim_interval = "2m"\n').radius.stale_after == 300.0
    assert load_text("[radius]\nstale_after = 301\n").radius.stale_after == 301.0


def test_an_int_is_fine_where_a_float_is_expected() -> None:
    assert load_text("[coa]\nmax_disconnect_fraction = 1\n").coa.max_disconnect_fraction == 1.0


@pytest.mark.parametrize(
    ("extra", "port"),
    [("", 8728), ("tls = true", 8729), ("port = 18728", 18728)],
)
def test_routeros_port_defaults(extra: str, port: int) -> None:
    assert load_text(f"{ROUTER}{extra}\n").devices[0].port == port


def test_routeros_ssh_port_defaults_to_22() -> None:
    text = ROUTER.replace('"routeros"', '"routeros-ssh"')
    device = load_text(text).devices[0]
    assert (device.platform, device.port) == (Platform.ROUTEROS_SSH, 22)
    assert device.known_hosts_file is None


def test_device_defaults_and_scope() -> None:
    device = load_text(ROUTER + 'subnets = ["100.64.0.0/10", "2001:DB8::/32"]\n').devices[0]
    assert (device.tls, device.tls_verify, device.timeout) == (False, True, 10.0)
    assert (device.nas, device.snmp) == (None, None)
    assert device.subnets == (parse_prefix("100.64.0.0/10"), parse_prefix("2001:db8::/32"))
    assert device.scope() == DeviceScope(
        name="core-1",
        subnets=device.subnets,
        comment_prefix="provisiond",
    )


def test_nothing_is_pushed_to_a_platform_none_device() -> None:
    text = '[[device]]\nname = "nas"\nplatform = "none"\nqueues = true\n'
    scope = load_text(text).devices[0].scope()
    assert (scope.address_lists, scope.queues) == (False, False)


def test_nas_defaults_follow_radius() -> None:
    text = "[radius]\nrequire_message_authenticator = false\n" + ROUTER
    text += '[device.nas]\naddress = ["192.0.2.1", "192.0.2.64/26"]\nsecret = "s"\n'
    nas = load_text(text).devices[0].nas
    assert nas is not None
    assert nas.require_message_authenticator is False
    assert nas.coa_address == "192.0.2.1"
    assert (nas.coa_port, nas.coa_source, nas.nas_identifier) == (3799, None, "")
    assert nas.coa_on == frozenset(CoaTrigger) - {CoaTrigger.DEFINITIONS}
    assert nas.address[1] == ipaddress.ip_network("192.0.2.64/26")


def test_nas_overrides() -> None:
    text = ROUTER + (
        '[device.nas]\naddress = "10.0.0.0/8"\nsecret = "s"\n'
        "require_message_authenticator = false\n"
        'coa_address = "10.1.2.3"\ncoa_source = "10.0.0.1"\ncoa_on = ["definitions"]\n'
        '[device.snmp]\nversion = "1"\ncommunity = "public"\n'
    )
    device = load_text(text).devices[0]
    assert device.nas is not None
    assert device.nas.coa_address == "10.1.2.3"
    assert device.nas.coa_source == "10.0.0.1"
    assert device.nas.coa_on == {CoaTrigger.DEFINITIONS}
    assert device.snmp is not None
    assert (device.snmp.version, device.snmp.port) == ("1", 161)


def test_coa_client_defaults() -> None:
    text = '[[radius.coa_client]]\naddress = "192.0.2.9"\nsecret = "s"\n'
    client = load_text(text).radius.coa_clients[0]
    assert client.allow == {CoaAction.COA, CoaAction.DISCONNECT}
    assert (client.nas, client.require_message_authenticator) == ((), False)


@pytest.mark.parametrize(
    "rate",
    [
        "1M/1M",
        "512k/2M",
        "10M",
        "20M/100M 30M/120M 15M/80M 10/10",
        "1M/1M 2M/2M 1M/1M 8s/8s 5 512k/512k",
    ],
)
def test_mikrotik_rates_are_accepted(rate: str) -> None:
    assert load_text(f'[radius]\ndefault_rate = "{rate}"\n').radius.default_rate == rate


def test_status_listen_forms() -> None:
    v6 = load_text('[status]\nlisten = "[::1]:9090"\n').status
    assert (v6.listen_host, v6.listen_port, v6.listen) == ("::1", 9090, "[::1]:9090")
    named = load_text('[status]\nlisten = "localhost:0"\n').status
    assert (named.listen_host, named.listen_port) == ("localhost", 0)


def test_logging_level_is_case_insensitive_and_hosts_are_split() -> None:
    settings = load_text(
        '[logging]\nlevel = "DEBUG"\n[webhooks]\n'
        'allow_hosts = ["Hooks.Example", "10.0.0.0/8", "::1"]\n'
    )
    assert settings.logging.level is LogLevel.DEBUG
    assert settings.webhooks.allow_hosts == ("hooks.example", "10.0.0.0/8", "::1/128")
    assert settings.webhooks.allowed_names() == {"hooks.example"}
    assert settings.webhooks.allowed_networks() == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    )


def test_named_tokens_and_lookup() -> None:
    text = '[[status.token]]\nname = "alice"\nrole = "read"\ntoken = "t"\n' + ROUTER
    settings = load_text(text)
    assert settings.status.tokens[0].name == "alice"
    assert settings.status.tokens[0].role == "read"
    assert settings.device("core-1") is settings.devices[0]
    assert settings.device("nope") is None
