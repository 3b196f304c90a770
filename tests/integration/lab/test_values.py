"""How the lab rewrites stored values, as RouterOS does (pure)."""

from __future__ import annotations

import pytest

from provisiond.lab import values


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("203.0.113.77/24", "203.0.113.0/24"),
        ("203.0.113.77/32", "203.0.113.77"),
        ("203.0.113.77", "203.0.113.77"),
        ("10.0.0.0-10.0.0.255", "10.0.0.0/24"),
        ("10.0.0.7-10.0.0.7", "10.0.0.7"),
        ("10.0.0.1-10.0.0.5", "10.0.0.1-10.0.0.5"),
        ("10.0.0.5-10.0.0.1", "10.0.0.1-10.0.0.5"),
        # Not an address: kept as a DNS name, as RouterOS silently does.
        ("203.0.113.1-254", "203.0.113.1-254"),
        ("example.net", "example.net"),
    ],
)
def test_ipv4_address_list_addresses(given: str, stored: str) -> None:
    assert values.ipv4_entry(given) == stored


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("2001:db8::1", "2001:db8::1"),
        ("2001:DB8:0:0::1/128", "2001:db8::1"),
        ("2001:db8::5/64", "2001:db8::/64"),
        ("2001:0db8:0000::/32", "2001:db8::/32"),
        ("host.example.net", "host.example.net"),
    ],
)
def test_ipv6_address_list_addresses(given: str, stored: str) -> None:
    assert values.ipv6_entry(given) == stored


def test_ipv6_ranges_are_refused() -> None:
    with pytest.raises(ValueError, match="ranges"):
        values.ipv6_entry("2001:db8::1-2001:db8::9")


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("10.0.0.1", "10.0.0.1/32"),
        ("10.0.1.9/24", "10.0.1.0/24"),
        ("10.0.0.1,2001:db8::/56", "10.0.0.1/32,2001:db8::/56"),
        ("2001:db8::1", "2001:db8::1/128"),
        ("ether1", "ether1"),
    ],
)
def test_queue_targets(given: str, stored: str) -> None:
    assert values.queue_target(given) == stored


def test_an_empty_target_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        values.queue_target(" , ")


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("2M/10M", "2000000/10000000"),
        ("512k", "512000/512000"),
        ("1.5M/0", "1500000/0"),
        ("1G/100", "1000000000/100"),
    ],
)
def test_rates_read_back_in_bits_per_second(given: str, stored: str) -> None:
    assert values.pair(values.rate)(given) == stored


@pytest.mark.parametrize("bad", ["fast", "1M/2M/3M", "-1", "1T", ""])
def test_bad_rates_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the caller maps any ValueError to a trap
        values.pair(values.rate)(bad)


@pytest.mark.parametrize(
    ("given", "seconds", "printed"),
    [
        ("30", 30, "30s"),
        ("5m", 300, "5m"),
        ("1h30m", 5400, "1h30m"),
        ("1w2d3h4m5s", 788645, "1w2d3h4m5s"),
        ("00:05:00", 300, "5m"),
        ("1d 00:00:01", 86401, "1d1s"),
        ("500ms", 0.5, "500ms"),
        ("0", 0, "0s"),
    ],
)
def test_durations(given: str, seconds: float, printed: str) -> None:
    assert values.parse_duration(given) == seconds
    assert values.duration(given) == printed


@pytest.mark.parametrize("bad", ["", "soon", "1x", "9" * 400, "NaN"])
def test_bad_durations_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the caller maps any ValueError to a trap
        values.parse_duration(bad)


@pytest.mark.parametrize(
    ("given", "stored"), [("yes", "true"), ("true", "true"), ("no", "false"), ("FALSE", "false")]
)
def test_booleans_read_back_as_true_or_false(given: str, stored: str) -> None:
    assert values.boolean(given) == stored


def test_priority_pairs_stay_within_one_to_eight() -> None:
    assert values.pair(values.priority)("1") == "1/1"
    with pytest.raises(ValueError):  # noqa: PT011 - the caller maps any ValueError to a trap
        values.pair(values.priority)("9/1")
