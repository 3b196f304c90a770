"""RADIUS reply assembly: order, fall-through, FreeRADIUS operators, the rate attribute."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from provisiond.model.enums import Delinquency, StatusClass
from provisiond.model.objects import MembershipFilter, RadiusAccount, RadiusGroup
from provisiond.policy.auth import Accept, Reject, RejectReason
from provisiond.policy.errors import TemplateError
from tests.unit.policy.factory import account, dataset, engine, reply

ALICE = account(1, "100.64.0.10/32", username="alice")


def attributes(*groups: RadiusGroup, nas: str = "core", **settings: Any) -> list[tuple[str, str]]:
    policy = engine(dataset(radius_groups=groups, accounts=(ALICE,)), **settings)
    answer = policy.authorize("alice", nas)
    assert isinstance(answer, Accept)
    return [pair for pair in answer.attributes if pair[0] != "Acct-Interim-Interval"]


def group(group_id: int, *replies: tuple[str, str, str], **fields: object) -> RadiusGroup:
    compiled = tuple(reply(*r) for r in replies)
    return RadiusGroup(group_id, f"g{group_id}", replies=compiled, **fields)  # type: ignore[arg-type]


def test_groups_apply_by_priority_then_id() -> None:
    first = group(9, ("Filter-Id", "=", "nine"), priority=10)
    second = group(2, ("Filter-Id", "=", "two"), priority=50)
    third = group(1, ("Filter-Id", "=", "one"), priority=50)
    pairs = attributes(second, first, third, rate_limit_attribute="")
    assert pairs == [("Filter-Id", "nine")]
    appended = attributes(
        group(9, ("Class", "+=", "nine"), priority=10),
        group(2, ("Class", "+=", "two"), priority=50),
        group(1, ("Class", "+=", "one"), priority=50),
        rate_limit_attribute="",
    )
    assert appended == [("Class", "nine"), ("Class", "one"), ("Class", "two")]


def test_evaluation_stops_after_the_first_group_without_fall_through() -> None:
    pairs = attributes(
        group(1, ("Class", "+=", "a"), priority=1),
        group(2, ("Class", "+=", "b"), priority=2, fall_through=False),
        group(3, ("Class", "+=", "c"), priority=3),
        rate_limit_attribute="",
    )
    assert pairs == [("Class", "a"), ("Class", "b")]


def test_a_stop_group_for_another_nas_does_not_stop_this_one() -> None:
    pairs = attributes(
        group(1, ("Class", "+=", "elsewhere"), priority=1, fall_through=False, devices=("edge",)),
        group(2, ("Class", "+=", "here"), priority=2),
        rate_limit_attribute="",
    )
    assert pairs == [("Class", "here")]


def test_set_if_absent_keeps_the_earlier_value() -> None:
    pairs = attributes(
        group(1, ("Filter-Id", "=", "first"), priority=1),
        group(2, ("Filter-Id", "=", "second"), priority=2),
        rate_limit_attribute="",
    )
    assert pairs == [("Filter-Id", "first")]


def test_replace_overrides_set_and_append_but_not_an_earlier_replace() -> None:
    pairs = attributes(
        group(1, ("Class", "+=", "a"), ("Class", "+=", "b"), ("Filter-Id", "=", "x"), priority=1),
        group(2, ("Class", ":=", "c"), ("Filter-Id", ":=", "y"), priority=2),
        group(3, ("Class", ":=", "d"), ("Filter-Id", "=", "z"), priority=3),
        rate_limit_attribute="",
    )
    # `:=` takes the first instance's place and removes the rest; the later `:=` loses.
    assert pairs == [("Class", "c"), ("Filter-Id", "y")]


def test_append_adds_after_a_replace() -> None:
    pairs = attributes(
        group(1, ("Class", ":=", "a"), priority=1),
        group(2, ("Class", "+=", "b"), priority=2),
        rate_limit_attribute="",
    )
    assert pairs == [("Class", "a"), ("Class", "b")]


def test_within_one_group_the_last_replace_stands() -> None:
    pairs = attributes(
        group(1, ("Class", ":=", "a"), ("Class", ":=", "b")), rate_limit_attribute=""
    )
    assert pairs == [("Class", "b")]


def test_rate_attribute_added_when_no_group_set_it() -> None:
    assert attributes() == [("Mikrotik-Rate-Limit", "20M/100M")]
    pairs = attributes(group(1, ("Mikrotik-Rate-Limit", "=", "1M/1M")))
    assert pairs == [("Mikrotik-Rate-Limit", "1M/1M")]
    assert attributes(rate_limit_attribute="") == []
    custom = attributes(rate_limit_attribute="WISPr-Bandwidth-Max-Down")
    assert custom == [("WISPr-Bandwidth-Max-Down", "20M/100M")]


def test_templates_serve_every_tier_from_one_group() -> None:
    pairs = attributes(
        group(
            1,
            ("Mikrotik-Rate-Limit", ":=", "{rate_limit}"),
            ("WISPr-Bandwidth-Max-Down", "=", "{download_bps}"),
            ("WISPr-Bandwidth-Max-Up", "=", "{upload_bps}"),
            ("Class", "=", "{username}/{account_id}/{download_kbps}/{upload_kbps}"),
        )
    )
    assert pairs == [
        ("Mikrotik-Rate-Limit", "20M/100M"),
        ("WISPr-Bandwidth-Max-Down", "100000000"),
        ("WISPr-Bandwidth-Max-Up", "20000000"),
        ("Class", "alice/1/100000/20000"),
    ]


def test_a_rate_template_is_skipped_when_the_account_has_no_rate() -> None:
    inactive = account(1, service_ids=(), status_id=2, username="alice")
    data = dataset(
        radius_groups=(
            group(1, ("Mikrotik-Rate-Limit", "=", "{rate_limit}"), ("Class", "=", "x")),
        ),
        accounts=(inactive,),
    )
    answer = engine(data, reject_inactive=False).authorize("alice", "core")
    assert isinstance(answer, Accept)
    assert ("Class", "x") in answer.attributes
    assert all(name != "Mikrotik-Rate-Limit" for name, _ in answer.attributes)


def test_a_group_with_an_invalid_template_is_refused() -> None:
    policy = engine(dataset())
    with pytest.raises(TemplateError):
        policy.put_definition(group(1, ("Class", "=", "{nope}")))


def test_framed_addresses_come_first_and_groups_cannot_replace_them() -> None:
    radius = RadiusAccount(
        "alice",
        framed_ip=ipaddress.IPv4Address("100.64.0.10"),
        framed_ipv6_prefix=ipaddress.IPv6Network("2001:db8:1::/64"),
        delegated_ipv6_prefix=ipaddress.IPv6Network("2001:db8:100::/56"),
    )
    data = dataset(
        radius_groups=(
            group(1, ("Framed-IP-Address", ":=", "10.0.0.1"), ("Framed-Pool", "=", "p")),
        ),
        accounts=(account(1, radius_accounts=(radius,)),),
    )
    answer = engine(data, interim_interval_s=600).authorize("alice", "core")
    assert isinstance(answer, Accept)
    assert answer.attributes == (
        ("Framed-IP-Address", "100.64.0.10"),
        ("Framed-IPv6-Prefix", "2001:db8:1::/64"),
        ("Delegated-IPv6-Prefix", "2001:db8:100::/56"),
        ("Acct-Interim-Interval", "600"),
        ("Framed-Pool", "p"),
        ("Mikrotik-Rate-Limit", "20M/100M"),
    )


def test_a_group_may_override_the_interim_interval() -> None:
    data = dataset(
        radius_groups=(group(1, ("Acct-Interim-Interval", ":=", "60")),), accounts=(ALICE,)
    )
    answer = engine(data).authorize("alice", "core")
    assert isinstance(answer, Accept)
    assert answer.attributes[0] == ("Acct-Interim-Interval", "60")


def test_group_filters_decide_who_gets_the_replies() -> None:
    walled = RadiusGroup(
        1,
        "walled",
        MembershipFilter(StatusClass.ACTIVE, Delinquency.DELINQUENT),
        replies=(reply("Mikrotik-Address-List", "=", "walled"),),
    )
    late = account(2, delinquent=True, username="late")
    policy = engine(dataset(radius_groups=(walled,), accounts=(ALICE, late)))
    on_time, overdue = policy.authorize("alice", "core"), policy.authorize("late", "core")
    assert isinstance(on_time, Accept)
    assert isinstance(overdue, Accept)
    assert ("Mikrotik-Address-List", "walled") not in on_time.attributes
    assert ("Mikrotik-Address-List", "walled") in overdue.attributes


def test_default_rate_for_an_activating_account_without_a_service() -> None:
    data = dataset(accounts=(account(1, service_ids=(), username="iot"),))
    answer = engine(data, default_rate="1M/1M").authorize("iot", "core")
    assert isinstance(answer, Accept)
    assert ("Mikrotik-Rate-Limit", "1M/1M") in answer.attributes
    assert engine(data).authorize("iot", "core") == Reject(RejectReason.NO_RATE)


def test_reject_reasons() -> None:
    inactive = account(2, status_id=2, username="gone")
    policy = engine(dataset(accounts=(ALICE, inactive)))
    assert policy.authorize("nobody", "core") == Reject(RejectReason.UNKNOWN_USER)
    assert policy.authorize("ALICE", "core") == Reject(RejectReason.UNKNOWN_USER)
    assert policy.authorize("gone", "core") == Reject(RejectReason.INACTIVE)
    lenient = engine(dataset(accounts=(ALICE, inactive)), reject_inactive=False)
    answer = lenient.authorize("gone", "core")
    assert isinstance(answer, Accept)
    assert ("Mikrotik-Rate-Limit", "20M/100M") in answer.attributes


def test_an_inactive_account_without_a_service_is_accepted_without_a_rate() -> None:
    data = dataset(accounts=(account(1, status_id=2, service_ids=(), username="x"),))
    answer = engine(data, reject_inactive=False, default_rate="1M/1M").authorize("x", "core")
    assert isinstance(answer, Accept)
    assert answer.attributes == (("Acct-Interim-Interval", "300"),)


def test_the_worked_example_in_docs_data_model() -> None:
    active = MembershipFilter(account_status=StatusClass.ACTIVE)
    late = MembershipFilter(delinquency=Delinquency.DELINQUENT)
    groups = (
        RadiusGroup(
            3,
            "rates",
            active,
            replies=(
                reply("Mikrotik-Rate-Limit", "=", "{rate_limit}"),
                reply("Mikrotik-Group", "=", "standard"),
            ),
        ),
        RadiusGroup(
            7,
            "walled",
            late,
            priority=10,
            replies=(
                reply("Mikrotik-Rate-Limit", ":=", "1M/1M"),
                reply("Mikrotik-Address-List", "+=", "walled"),
            ),
        ),
        RadiusGroup(
            8,
            "walled-pool",
            late,
            priority=10,
            fall_through=False,
            replies=(
                reply("Framed-Pool", "=", "walled"),
                reply("Mikrotik-Group", ":=", "restricted"),
            ),
        ),
        RadiusGroup(9, "audit", priority=200, replies=(reply("Class", "+=", "audit"),)),
    )
    policy = engine(
        dataset(radius_groups=groups, accounts=(account(42, delinquent=True, username="alice"),))
    )
    answer = policy.authorize("alice", "core")
    assert isinstance(answer, Accept)
    assert answer.attributes == (
        ("Acct-Interim-Interval", "300"),
        ("Mikrotik-Rate-Limit", "1M/1M"),
        ("Mikrotik-Address-List", "walled"),
        ("Framed-Pool", "walled"),
        ("Mikrotik-Group", "restricted"),
    )
    policy.put_account(account(42, username="alice"))
    answer = policy.authorize("alice", "core")
    assert isinstance(answer, Accept)
    assert answer.attributes == (
        ("Acct-Interim-Interval", "300"),
        ("Mikrotik-Rate-Limit", "20M/100M"),
        ("Mikrotik-Group", "standard"),
        ("Class", "audit"),
    )
    assert policy.effective(42).radius_groups == ("rates", "audit")


def test_a_load_with_an_invalid_template_keeps_the_last_good_state() -> None:
    policy = engine(dataset(accounts=(ALICE,)))
    bad = dataset(radius_groups=(group(1, ("Class", "=", "{nope}")),))
    with pytest.raises(TemplateError):
        policy.load(bad)
    assert isinstance(policy.authorize("alice", "core"), Accept)


def test_attribute_names_compare_case_insensitively() -> None:
    pairs = attributes(
        group(1, ("mikrotik-rate-limit", "=", "1M/1M"), ("MIKROTIK-RATE-LIMIT", "=", "2M/2M"))
    )
    assert pairs == [("mikrotik-rate-limit", "1M/1M")]
