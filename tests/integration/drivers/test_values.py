"""Values read back, outcomes of traps, the platform registry."""

from __future__ import annotations

import pytest

from provisiond.config import Platform
from provisiond.drivers import (
    PLATFORMS,
    OutcomeKind,
    PermanentDriverError,
    RouterOSApiDriver,
    RouterOSSshDriver,
    Trap,
    UnexpectedReplyError,
    create,
)
from provisiond.drivers.outcomes import ApplyResult, outcome_of, phases, trap_kind
from provisiond.drivers.values import canonical, entry, parse_uptime
from provisiond.plan import Op
from tests.integration.drivers.support import (
    ADDRESS_LIST,
    QUEUES,
    add,
    api_settings,
    removal,
    setting,
)


def test_librouteros_types_become_routeros_text() -> None:
    row: dict[str, str | int | bool] = {
        ".id": "*1",
        "list": 100,
        "comment": 12345,
        "dynamic": False,
        "disabled": True,
    }
    observed = entry(ADDRESS_LIST, row)
    assert observed.attrs == {
        "list": "100",
        "comment": "12345",
        "dynamic": "false",
        "disabled": "true",
    }
    assert not observed.dynamic


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("address", "10.0.0.1/32", "10.0.0.1"),
        ("address", "10.0.0.7/24", "10.0.0.0/24"),
        ("address", "2001:DB8::1/128", "2001:db8::1"),
        ("address", "example.com", "example.com"),
        ("target", "10.0.0.2/32,10.0.0.1/32", "10.0.0.1,10.0.0.2"),
        ("max-limit", "2M/10M", "2000000/10000000"),
        ("burst-threshold", "512k", "512000/512000"),
        ("dynamic", "yes", "true"),
        ("disabled", "no", "false"),
        ("burst-time", "8s/8s", "8s/8s"),
        ("comment", "x", "x"),
    ],
)
def test_canonical(name: str, value: str, expected: str) -> None:
    assert canonical(name, value) == expected


def test_an_entry_without_id() -> None:
    with pytest.raises(UnexpectedReplyError):
        entry(QUEUES, {"name": "q"})


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0s", 0),
        ("1w2d3h4m5s", 788_645),
        ("1w2d03:04:05", 788_645),
        ("03:04:05", 11_045),
        ("4m", 240),
        ("1s500ms", 1),
    ],
)
def test_uptime(text: str, seconds: int) -> None:
    assert parse_uptime(text) == seconds


@pytest.mark.parametrize("text", ["", "yesterday", "5x"])
def test_an_uptime_that_does_not_parse(text: str) -> None:
    with pytest.raises(UnexpectedReplyError):
        parse_uptime(text)


@pytest.mark.parametrize(
    ("op", "message", "kind"),
    [
        (Op.ADD, "failure: already have such entry", OutcomeKind.PRESENT),
        (Op.ADD, "failure: already have such name", OutcomeKind.PRESENT),
        (Op.SET, "no such item", OutcomeKind.GONE),
        (Op.REMOVE, "no such item", OutcomeKind.GONE),
        (Op.SET, "failure: already have such entry", OutcomeKind.REJECTED),
        (Op.ADD, "no such item", OutcomeKind.REJECTED),
        (Op.ADD, "invalid value for argument address", OutcomeKind.REJECTED),
    ],
)
def test_known_traps(op: Op, message: str, kind: OutcomeKind) -> None:
    assert trap_kind(op, message) is kind


def test_outcomes() -> None:
    applied = outcome_of(add("a", "10.0.0.1", 1), None, "*5")
    assert (applied.kind, applied.entry_id, applied.error) == (OutcomeKind.APPLIED, "*5", None)
    no_ret = outcome_of(add("a", "10.0.0.1", 1), None, "")
    assert no_ret.entry_id is None  # RouterOS versions that omit `=ret=`
    rejected = outcome_of(removal("*1"), Trap("busy", 4), None)
    assert rejected.error is not None
    assert str(rejected.error) == "remove /ip/firewall/address-list: busy (category 4)"
    result = ApplyResult((applied, rejected))
    assert result.applied == (applied,)
    assert result.needs_reobserve


def test_phases_keep_the_plan_order() -> None:
    changes = [setting("*1", comment="x"), add("a", "10.0.0.1", 1), add("a", "10.0.0.2", 2)]
    changes += [removal("*2"), setting("*3", comment="y")]
    assert [len(phase) for phase in phases(changes)] == [1, 2, 1, 1]


def test_the_registry() -> None:
    assert set(PLATFORMS) == {Platform.ROUTEROS.value, Platform.ROUTEROS_SSH.value}
    assert isinstance(create(api_settings(8728)), RouterOSApiDriver)
    ssh = create(api_settings(22, platform=Platform.ROUTEROS_SSH))
    assert isinstance(ssh, RouterOSSshDriver)
    assert ssh.capabilities.batch_size > 1
    with pytest.raises(PermanentDriverError, match="no driver"):
        create(api_settings(0, platform=Platform.NONE))
