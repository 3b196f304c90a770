from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provisiond.model.objects import Burst, Service
from provisiond.policy.errors import RateSyntaxError
from provisiond.policy.rates import Rate, parse_rate, unit


def test_upload_comes_first() -> None:
    rate = Rate(download_kbps=100_000, upload_kbps=20_000)
    assert rate.mikrotik() == "20M/100M"
    assert rate.max_limit() == "20000000/100000000"


@pytest.mark.parametrize(
    ("kbps", "text"),
    [(1_000, "1M"), (1_500, "1500k"), (512, "512k"), (100_000, "100M"), (2_500_000, "2500M")],
)
def test_unit_is_m_only_for_whole_megabits(kbps: int, text: str) -> None:
    assert unit(kbps) == text


def test_burst_renders_all_four_pairs_upload_first() -> None:
    service = Service(
        1,
        "burst",
        download_kbps=100_000,
        upload_kbps=20_000,
        burst=Burst(
            download_kbps=200_000,
            upload_kbps=40_000,
            threshold_download_kbps=75_000,
            threshold_upload_kbps=15_000,
            seconds=8,
        ),
    )
    rate = Rate.of_service(service)
    assert rate.mikrotik() == "20M/100M 40M/200M 15M/75M 8/8"
    assert rate.burst_limit() == "40000000/200000000"
    assert rate.burst_threshold() == "15000000/75000000"
    assert rate.burst_time() == "8s/8s"


def test_no_burst_means_no_queue_burst_fields() -> None:
    rate = Rate(1_500, 512)
    assert rate.mikrotik() == "512k/1500k"
    assert (rate.burst_limit(), rate.burst_threshold(), rate.burst_time()) == (None, None, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1M/1M", Rate(1_000, 1_000)),
        ("512k", Rate(512, 512)),
        ("2M/10M", Rate(10_000, 2_000)),
        ("2000000/10000000", Rate(10_000, 2_000)),
        ("1G/2G", Rate(2_000_000, 1_000_000)),
        ("2M/10M 4M/20M 1M/5M 10/10", Rate(10_000, 2_000, Burst(20_000, 4_000, 5_000, 1_000, 10))),
        (
            "2M/10M 4M/20M 1M/5M 10s/10s",
            Rate(10_000, 2_000, Burst(20_000, 4_000, 5_000, 1_000, 10)),
        ),
        # RouterOS defaults: thresholds are the rates, burst time is 1 s.
        ("64k 256k", Rate(64, 64, Burst(256, 256, 64, 64, 1))),
        ("1M/2M 4M/8M 1M/2M", Rate(2_000, 1_000, Burst(8_000, 4_000, 2_000, 1_000, 1))),
    ],
)
def test_parse_rate(text: str, expected: Rate) -> None:
    assert parse_rate(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "fast",
        "1M/",
        "0/0",
        "1500",  # 1.5 kbit/s is not a whole kbit/s
        "1m/1m",  # milli is not a unit
        "1M/1M 2M/2M 1M/1M 10/20",  # a service has one burst time
        "1M/1M 2M/2M 1M/1M 10/10 8",  # priority is not supported
        "1M/1M 2M/2M 1M/1M 0/0",
    ],
)
def test_parse_rate_refuses(text: str) -> None:
    with pytest.raises(RateSyntaxError):
        parse_rate(text)


def test_rate_syntax_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not a rate"):
        parse_rate("fast")


kbps = st.integers(min_value=1, max_value=100_000_000)


@st.composite
def rates(draw: st.DrawFn) -> Rate:
    burst = None
    if draw(st.booleans()):
        burst = Burst(draw(kbps), draw(kbps), draw(kbps), draw(kbps), draw(st.integers(1, 3600)))
    return Rate(draw(kbps), draw(kbps), burst)


@settings(max_examples=100)
@given(rates())
def test_rendering_parses_back_to_the_same_kbps(rate: Rate) -> None:
    assert parse_rate(rate.mikrotik()) == rate


@settings(max_examples=100)
@given(kbps, kbps)
def test_queue_max_limit_is_upload_then_download_in_bps(down: int, up: int) -> None:
    upload_bps, download_bps = Rate(down, up).max_limit().split("/")
    assert (int(upload_bps), int(download_bps)) == (up * 1000, down * 1000)
