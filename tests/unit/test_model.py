from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provisiond.model.network import InvalidPrefixError, normalise_mac, parse_prefix, render_prefix
from provisiond.model.secret import Secret


def test_secret_never_shows_its_value() -> None:
    secret = Secret("hunter2")
    assert "hunter2" not in repr(secret)
    assert "hunter2" not in str(secret)
    assert "hunter2" not in f"{secret} {secret!r}"
    assert secret.reveal() == "hunter2"
    assert secret.matches("hunter2")
    assert not secret.matches("hunter3")


def test_prefix_with_host_bits_is_refused() -> None:
    with pytest.raises(InvalidPrefixError):
        parse_prefix("100.64.0.10/24")


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("100.64.0.10/32", "100.64.0.10"),
        ("100.64.0.10", "100.64.0.10"),
        ("100.64.1.0/24", "100.64.1.0/24"),
        ("2001:db8:1::/56", "2001:db8:1::/56"),
        ("2001:DB8::1/128", "2001:db8::1"),
    ],
)
def test_render_prefix_is_routeros_canonical(text: str, rendered: str) -> None:
    assert render_prefix(parse_prefix(text)) == rendered


@given(st.ip_addresses(v=4), st.integers(min_value=0, max_value=32))
def test_rendered_prefix_parses_back_to_itself(address: ipaddress.IPv4Address, length: int) -> None:
    network = ipaddress.ip_network(f"{address}/{length}", strict=False)
    assert parse_prefix(render_prefix(network)) == network


@pytest.mark.parametrize(
    "text",
    ["aa:bb:cc:dd:ee:0f", "AA-BB-CC-DD-EE-0F", "aabb.ccdd.ee0f", "AABBCCDDEE0F"],
)
def test_mac_notations_normalise_to_upper_colon(text: str) -> None:
    assert normalise_mac(text) == "AA:BB:CC:DD:EE:0F"


@pytest.mark.parametrize("text", ["alice", "aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:0g:11"])
def test_non_macs_are_not_normalised(text: str) -> None:
    assert normalise_mac(text) is None
