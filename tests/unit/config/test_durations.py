from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provisiond.config.durations import DurationError, parse_duration
from tests.unit.config.support import issues, load_text


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (0, 0.0),
        (30, 30.0),
        (2.5, 2.5),
        ("30s", 30.0),
        ("5m", 300.0),
        ("4h", 14_400.0),
        ("1d", 86_400.0),
        ("12m30s", 750.0),
        ("1d2h3m4s", 93_784.0),
        ("1.5h", 5_400.0),
        ("0s", 0.0),
    ],
)
def test_durations_parse_to_seconds(value: object, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize(
    "value",
    ["", "30", "5 m", "5M", "30s5m", "1h1h", "m", "-5s", "1w", "1.h", True, -1, float("nan"), []],
)
def test_anything_else_is_refused(value: object) -> None:
    with pytest.raises(DurationError):
        parse_duration(value)


@given(
    st.integers(0, 400),
    st.integers(0, 400),
    st.integers(0, 400),
    st.integers(0, 400),
)
def test_compound_form_round_trips(days: int, hours: int, minutes: int, seconds: int) -> None:
    parts = zip((days, hours, minutes, seconds), "dhms", strict=True)
    text = "".join(f"{amount}{unit}" for amount, unit in parts if amount)
    total = days * 86_400 + hours * 3_600 + minutes * 60 + seconds
    assert parse_duration(text or "0s") == total


def test_duration_keys_accept_both_forms() -> None:
    settings = load_text('[coa]\ntimeout = 3\n[reconcile]\nresync_interval = "1h30m"\n')
    assert settings.coa.timeout == 3.0
    assert settings.reconcile.resync_interval == 5_400.0


def test_bad_duration_names_key_and_line() -> None:
    assert issues('[coa]\nretries = 1\ntimeout = "2x"\n') == [
        "provisiond.toml:3: coa.timeout: '2x' is not a duration"
        ' (units d, h, m, s, largest first, e.g. "1h30m" or "90s")'
    ]


def test_duration_of_wrong_type_names_key_and_line() -> None:
    assert issues("[webhooks]\ntimeout = true\n") == [
        'provisiond.toml:2: webhooks.timeout: expected a duration (seconds, or a string like "5m"),'
        " got boolean"
    ]


def test_zero_is_refused_where_it_would_spin() -> None:
    assert issues("[reconcile]\nresync_interval = 0\n") == [
        "provisiond.toml:2: reconcile.resync_interval: must be longer than 0 seconds"
    ]


def test_negative_duration_is_refused() -> None:
    assert issues("[reconcile]\nready_timeout = -1\n") == [
        "provisiond.toml:2: reconcile.ready_timeout: must not be negative"
    ]
