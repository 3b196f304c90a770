"""Where a webhook may go: the sender's checks and the API's create-time check."""

from __future__ import annotations

import ipaddress
import socket
from typing import TYPE_CHECKING

import pytest
from aiohttp.abc import AbstractResolver

from provisiond.config.settings import WebhooksSettings
from provisiond.events.errors import RefusedTargetError
from provisiond.events.targets import GuardedResolver, check_url
from provisiond.model.enums import TriggerEvent
from provisiond.model.errors import InvalidError
from provisiond.model.objects import Trigger
from provisiond.schema.webhooks import is_internal
from provisiond.status.webhooks import check_trigger

if TYPE_CHECKING:
    from aiohttp.abc import ResolveResult

NONE = WebhooksSettings()
LOOPBACK = WebhooksSettings(allow_hosts=("127.0.0.0/8", "hooks.internal"))


INTERNAL = (
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "224.0.0.1",
    "0.0.0.0",  # noqa: S104 - an address under test, not a bind
)  # fmt: skip


@pytest.mark.parametrize("address", INTERNAL)
def test_internal_addresses(address: str) -> None:
    assert is_internal(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses(address: str) -> None:
    assert not is_internal(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("url", "allow_http", "message"),
    [
        ("http://hooks.example.net/x", False, "https"),
        ("ftp://hooks.example.net/x", True, "https"),
        ("https://127.0.0.1/x", False, "127.0.0.1"),
        ("https://[::1]:8443/x", False, "::1"),
        ("https://169.254.169.254/latest", False, "169.254.169.254"),
        ("https://127.1/x", False, "canonical"),
        ("https://0x7f.1/x", False, "canonical"),
    ],
)
def test_the_sender_refuses(url: str, allow_http: bool, message: str) -> None:  # noqa: FBT001
    with pytest.raises(RefusedTargetError, match=message):
        check_url(url, allow_http=allow_http, settings=NONE)


def test_allow_hosts_lets_listed_prefixes_and_names_through() -> None:
    target = check_url("http://127.0.0.1:8080/x", allow_http=True, settings=LOOPBACK)
    assert target.address == ipaddress.ip_address("127.0.0.1")
    assert check_url("https://hooks.example.net/x", allow_http=False, settings=NONE).address is None


class _FixedResolver(AbstractResolver):
    def __init__(self, *addresses: str) -> None:
        self.addresses = addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            {"hostname": host, "host": a, "port": port, "family": family, "proto": 0, "flags": 0}
            for a in self.addresses
        ]

    async def close(self) -> None:
        pass


async def test_a_name_resolving_to_an_internal_address_is_refused() -> None:
    rebinding = GuardedResolver(lambda: NONE, _FixedResolver("93.184.216.34", "127.0.0.1"))
    with pytest.raises(RefusedTargetError, match=r"evil\.example is 127\.0\.0\.1"):
        await rebinding.resolve("evil.example.", 443)
    public = GuardedResolver(lambda: NONE, _FixedResolver("93.184.216.34"))
    assert [r["host"] for r in await public.resolve("ok.example", 443)] == ["93.184.216.34"]
    listed = GuardedResolver(lambda: LOOPBACK, _FixedResolver("10.0.0.5"))
    assert len(await listed.resolve("hooks.internal", 443)) == 1
    await public.close()


def _trigger(url: str, *, allow_http: bool = False) -> Trigger:
    return Trigger(1, "t", TriggerEvent.ACCOUNT_ACTIVATED, url, allow_http=allow_http)


@pytest.mark.parametrize(
    ("url", "allow_http"),
    [
        ("http://hooks.example.net/x", False),
        ("https://127.0.0.1/x", False),
        ("http://127.0.0.1:9000/x", True),
        ("https://localhost/x", False),
        ("https://api.localhost./x", False),
        ("https://[fe80::1]/x", False),
        ("https://10.0.0.1/x", False),
    ],
)
def test_the_api_refuses_at_create(url: str, allow_http: bool) -> None:  # noqa: FBT001
    with pytest.raises(InvalidError) as caught:
        check_trigger(_trigger(url, allow_http=allow_http), NONE, prefix="triggers.0.")
    assert caught.value.field == "triggers.0.webhook_url"


def test_the_api_accepts_public_names_and_listed_hosts() -> None:
    check_trigger(_trigger("https://hooks.example.net/x"), NONE)
    check_trigger(_trigger("http://127.0.0.1:9000/x", allow_http=True), LOOPBACK)
    check_trigger(_trigger("https://hooks.internal/x"), LOOPBACK)


_HOSTS = [
    "example.com",
    "hooks.example.com.",
    "localhost",
    "api.localhost",
    "127.0.0.1",
    "127.1",
    "0x7f.1",
    "10.1.2.3",
    "169.254.1.1",
    "100.64.0.1",
    "192.0.2.1",
    "8.8.8.8",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "[2001:4860::8888]",
    "",
]


@pytest.mark.parametrize("scheme", ["https", "http", "ftp"])
@pytest.mark.parametrize("allow_http", [True, False])
@pytest.mark.parametrize("allow_hosts", [(), ("127.0.0.0/8",), ("localhost",), ("10.0.0.0/8",)])
def test_create_time_and_delivery_time_rules_agree(
    scheme: str,
    allow_http: bool,  # noqa: FBT001 - a parametrized flag
    allow_hosts: tuple[str, ...],
) -> None:
    """A URL the API accepts is never refused at delivery for what it says (only for what
    its name resolves to), and one the API refuses would be refused at delivery."""
    settings = WebhooksSettings(allow_hosts=allow_hosts)
    for host in _HOSTS:
        url = f"{scheme}://{host}/hook"
        trigger = Trigger(1, "t", TriggerEvent.ACCOUNT_ACTIVATED, url, allow_http=allow_http)
        try:
            check_trigger(trigger, settings)
        except InvalidError:
            at_create = False
        else:
            at_create = True
        try:
            check_url(url, allow_http=allow_http, settings=settings)
        except RefusedTargetError:
            at_delivery = False
        else:
            at_delivery = True
        assert at_create == at_delivery, url
