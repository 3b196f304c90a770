"""The Disconnect breaker: both limits must be exceeded within 60 s to hold."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from provisiond.radius.coa_breaker import WINDOW, DisconnectBreaker


def send(breaker: DisconnectBreaker, count: int, *, now: float, live: int) -> int:
    """Offer `count` Disconnects at `now`; how many the breaker lets go."""
    allowed = 0
    for _ in range(count):
        if breaker.allows(now, live=live):
            breaker.record(now)
            allowed += 1
    return allowed


def test_the_minimum_protects_a_small_network() -> None:
    breaker = DisconnectBreaker(max_fraction=0.05, max_min=50)
    assert send(breaker, 60, now=0.0, live=100) == 50
    assert breaker.tripped


def test_the_fraction_scales_with_a_large_network() -> None:
    breaker = DisconnectBreaker(max_fraction=0.05, max_min=50)
    assert send(breaker, 600, now=0.0, live=10_000) == 500


def test_the_window_forgets_after_sixty_seconds() -> None:
    breaker = DisconnectBreaker(max_fraction=0.0, max_min=3)
    assert send(breaker, 5, now=0.0, live=10) == 3
    assert send(breaker, 1, now=WINDOW - 1, live=10) == 0
    assert send(breaker, 5, now=WINDOW, live=10) == 3
    assert breaker.recent(WINDOW) == 3


def test_an_allowance_ends_the_burst() -> None:
    breaker = DisconnectBreaker(max_fraction=0.0, max_min=1)
    send(breaker, 2, now=0.0, live=10)
    assert breaker.tripped
    assert breaker.allows(WINDOW + 1, live=10)
    assert not breaker.tripped


def test_new_limits_apply_to_what_was_already_sent() -> None:
    breaker = DisconnectBreaker(max_fraction=0.0, max_min=10)
    send(breaker, 5, now=0.0, live=10)
    breaker.configure(max_fraction=0.0, max_min=5)
    assert not breaker.allows(1.0, live=10)


@given(
    fraction=st.floats(0, 1),
    minimum=st.integers(0, 200),
    live=st.integers(0, 5000),
    offered=st.integers(0, 400),
)
def test_exactly_the_larger_limit_goes_through(
    fraction: float, minimum: int, live: int, offered: int
) -> None:
    breaker = DisconnectBreaker(max_fraction=fraction, max_min=minimum)
    allowed = send(breaker, offered, now=0.0, live=live)
    assert allowed == min(offered, max(minimum, int(fraction * live)))
