"""How observed RouterOS values are spelled before comparing."""

from __future__ import annotations

import pytest

from provisiond.plan import normalise


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("100.64.0.10", "100.64.0.10"),
        ("100.64.0.10/32", "100.64.0.10"),
        ("203.0.113.77/24", "203.0.113.0/24"),
        (" 203.0.113.0/24 ", "203.0.113.0/24"),
        ("2001:DB8::1/128", "2001:db8::1"),
        ("2001:db8:1::5/56", "2001:db8:1::/56"),
        ("10.0.0.0-10.0.0.255", "10.0.0.0/24"),
        ("10.0.0.7-10.0.0.7", "10.0.0.7"),
        ("10.0.0.1-10.0.0.5", "10.0.0.1-10.0.0.5"),
        ("10.0.0.5-10.0.0.1", "10.0.0.5-10.0.0.1"),
        ("203.0.113.1-254", "203.0.113.1-254"),
        ("example.com", "example.com"),
    ],
)
def test_address(raw: str, canonical: str) -> None:
    assert normalise.address(raw) == canonical


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("2M/10M", "2000000/10000000"),
        ("2000000/10000000", "2000000/10000000"),
        ("1500k/2.5M", "1500000/2500000"),
        ("1G/1g", "1000000000/1000000000"),
        ("5M", "5000000/5000000"),
        (None, "0/0"),
        ("", "0/0"),
        ("0/0", "0/0"),
        ("fast/slow", "fast/slow"),
        ("1/2/3", "1/2/3"),
    ],
)
def test_rates(raw: str | None, canonical: str) -> None:
    assert normalise.rates(raw) == canonical


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("8s/8s", "8/8"),
        ("8/8", "8/8"),
        ("00:00:08/00:01:00", "8/60"),
        ("1m30s/1h", "90/3600"),
        ("0s/0s", "0/0"),
        (None, "0/0"),
        ("500ms/1s", "500ms/1s"),
    ],
)
def test_durations(raw: str | None, canonical: str) -> None:
    assert normalise.durations(raw) == canonical


def test_target_sorts_dedupes_and_drops_host_lengths() -> None:
    raw = "2001:DB8:1::/56,100.64.0.11/32, 100.64.0.10,ether1,100.64.0.10/32"
    assert normalise.target(raw) == "100.64.0.10,100.64.0.11,2001:db8:1::/56,ether1"
    assert normalise.target(None) == ""


def test_ids_sort_numerically_and_junk_last() -> None:
    ids = ["*A", "junk", "*10", "*9"]
    assert sorted(ids, key=normalise.id_order) == ["*9", "*A", "*10", "junk"]


@pytest.mark.parametrize(
    ("raw", "truth"),
    [("true", True), ("yes", True), ("false", False), ("no", False), (None, False)],
)
def test_booleans(raw: str | None, *, truth: bool) -> None:
    assert normalise.is_true(raw) is truth
