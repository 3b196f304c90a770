"""`coa_policy.plan_request`: what a live session needs when its reply changes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from provisiond.model.objects import RadiusAccount
from provisiond.policy.auth import Accept, Reject, RejectReason
from provisiond.radius.coa_policy import (
    IGNORED,
    LIVE_CHANGEABLE,
    NO_CHANGE,
    Coa,
    Disconnect,
    NoChange,
    live_pairs,
    plan_request,
)

Pairs = tuple[tuple[str, str], ...]

RATE = ("Mikrotik-Rate-Limit", "20M/100M")
SLOW = ("Mikrotik-Rate-Limit", "512k/1500k")
ADDRESS = ("Framed-IP-Address", "100.64.0.10")
INTERIM = ("Acct-Interim-Interval", "300")

LIVE_NAMES = ("Mikrotik-Rate-Limit", "Mikrotik-Group", "Session-Timeout", "Filter-Id")
FIXED_NAMES = ("Framed-IP-Address", "Framed-Pool", "Framed-Route", "Mikrotik-Address-List")
IGNORED_NAMES = ("Acct-Interim-Interval", "Reply-Message", "MS-MPPE-Send-Key")


def accept(*pairs: tuple[str, str]) -> Accept:
    return Accept(account_id=1, radius_account=RadiusAccount("alice"), attributes=tuple(pairs))


values = st.sampled_from(("a", "b", "c", "10", "20M/100M"))
live = st.tuples(st.sampled_from(LIVE_NAMES), values)
fixed = st.tuples(st.sampled_from(FIXED_NAMES), values)
ignored = st.tuples(st.sampled_from(IGNORED_NAMES), values)
replies = st.lists(st.one_of(live, fixed, ignored), max_size=8).map(tuple)


def test_the_live_set_is_the_mikrotik_list() -> None:
    assert {
        "mikrotik-rate-limit",
        "mikrotik-group",
        "mikrotik-recv-limit",
        "mikrotik-xmit-limit",
        "mikrotik-mark-id",
        "session-timeout",
        "idle-timeout",
        "filter-id",
        "port-limit",
    } == LIVE_CHANGEABLE
    assert "mikrotik-address-list" not in LIVE_CHANGEABLE
    assert not LIVE_CHANGEABLE & IGNORED


def test_a_rate_change_is_one_coa_with_the_whole_live_set() -> None:
    old = (ADDRESS, INTERIM, ("Session-Timeout", "3600"), RATE)
    plan = plan_request(old, accept(ADDRESS, INTERIM, ("Session-Timeout", "3600"), SLOW))
    assert plan == Coa((("Session-Timeout", "3600"), SLOW))


def test_an_address_change_is_a_disconnect_naming_the_attribute_not_its_value() -> None:
    plan = plan_request((ADDRESS, RATE), accept(("Framed-IP-Address", "100.64.0.11"), RATE))
    assert isinstance(plan, Disconnect)
    assert "framed-ip-address" in plan.reason
    assert "100.64" not in plan.reason


def test_an_address_list_reply_change_is_a_disconnect() -> None:
    plan = plan_request((RATE,), accept(RATE, ("Mikrotik-Address-List", "blocked")))
    assert isinstance(plan, Disconnect)


def test_a_live_attribute_that_must_disappear_is_a_disconnect() -> None:
    plan = plan_request((RATE, ("Filter-Id", "web-only")), accept(RATE))
    assert plan == Disconnect("filter-id must disappear")


def test_a_rejected_user_is_disconnected() -> None:
    plan = plan_request((RATE,), Reject(RejectReason.INACTIVE))
    assert plan == Disconnect("no longer authorised (inactive)")
    assert isinstance(plan_request(None, Reject(RejectReason.NO_RATE)), Disconnect)


def test_a_session_known_only_from_accounting_gets_the_live_set() -> None:
    assert plan_request(None, accept(ADDRESS, INTERIM, RATE)) == Coa((RATE,))
    assert plan_request(None, accept(ADDRESS, INTERIM)) is NO_CHANGE


def test_names_compare_case_insensitively() -> None:
    assert plan_request((("mikrotik-rate-limit", "20M/100M"),), accept(RATE)) is NO_CHANGE


def test_an_interim_interval_change_is_ignored() -> None:
    assert (
        plan_request((INTERIM, RATE), accept(("Acct-Interim-Interval", "600"), RATE)) is NO_CHANGE
    )


def test_an_override_resends_the_live_set_even_when_nothing_changed() -> None:
    assert plan_request((RATE,), accept(RATE), overridden=True) == Coa((RATE,))


def test_instances_of_one_attribute_compare_in_order() -> None:
    old = (("Filter-Id", "a"), ("Filter-Id", "b"))
    assert plan_request(old, accept(("Filter-Id", "b"), ("Filter-Id", "a"))) == Coa(
        (("Filter-Id", "b"), ("Filter-Id", "a"))
    )


@given(replies)
def test_the_same_reply_needs_nothing(reply: Pairs) -> None:
    assert plan_request(reply, accept(*reply)) is NO_CHANGE


@given(replies, st.lists(ignored, max_size=3))
def test_ignored_attributes_never_matter(reply: Pairs, extra: list[tuple[str, str]]) -> None:
    assert plan_request(reply, accept(*reply, *extra)) is NO_CHANGE
    assert plan_request((*extra, *reply), accept(*reply)) is NO_CHANGE


@given(replies, replies)
def test_a_coa_carries_exactly_the_new_live_set(old: Pairs, new: Pairs) -> None:
    plan = plan_request(old, accept(*new))
    if isinstance(plan, Coa):
        assert plan.pairs == live_pairs(new)
        assert plan.pairs


@given(replies, replies)
def test_any_difference_outside_the_live_set_disconnects(old: Pairs, new: Pairs) -> None:
    def fixed_part(pairs: Pairs) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for name, value in pairs:
            if name.lower() not in LIVE_CHANGEABLE | IGNORED:
                grouped.setdefault(name.lower(), []).append(value)
        return grouped

    plan = plan_request(old, accept(*new))
    if fixed_part(old) != fixed_part(new):
        assert isinstance(plan, Disconnect)


@given(replies, st.lists(live, min_size=1, max_size=4))
def test_changing_only_live_values_is_a_coa(base: Pairs, changes: list[tuple[str, str]]) -> None:
    fixed_only = tuple(pair for pair in base if pair[0] not in LIVE_NAMES)
    old = (*fixed_only, *changes)
    new_live = tuple((name, value + "x") for name, value in changes)
    assert plan_request(old, accept(*fixed_only, *new_live)) == Coa(new_live)


@given(replies)
def test_without_recorded_attributes_the_plan_is_never_a_disconnect_for_an_accept(
    reply: Pairs,
) -> None:
    plan = plan_request(None, accept(*reply))
    assert isinstance(plan, NoChange | Coa)
