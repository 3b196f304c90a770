"""The plan's JSON (DESIGN.md §7) and text forms."""

from __future__ import annotations

import json

from provisiond.model.device_state import ObservedEntry
from provisiond.plan import Plan, diff, hold_mass_removals, to_json, to_text
from tests.unit.plan.factories import PREFIX, QUEUES, V4, address, desired, listed, queue


def sample() -> Plan:
    observed = [
        listed("*1", "active", "100.64.0.11", "provisiond:1002"),
        listed("*2", "gone", "100.64.0.12", "provisiond:1003"),
        listed("*3", "active", "100.64.0.13", "manual entry"),
        ObservedEntry(QUEUES, "*4", {"name": "provisiond-1009", "comment": "provisiond:1009"}),
    ]
    wanted = desired(
        [
            address("active", "100.64.0.10", 1001),
            address("active", "100.64.0.11", 1003),
            address("active", "100.64.0.13", 1004),
        ],
        [queue(1001, "100.64.0.10", "2000000/10000000")],
    )
    return diff(wanted, observed, comment_prefix=PREFIX)


def test_json_has_exactly_the_contract_shape() -> None:
    plan = sample()
    body = to_json(plan)
    assert set(body) == {"device", "plan_id", "changes"}
    assert body["device"] == "core-1"
    assert body["plan_id"] == plan.plan_id
    assert body["changes"][0] == {
        "op": "set",
        "path": V4,
        "entry": {".id": "*1", "comment": "provisiond:1003"},
    }
    assert all(set(c) == {"op", "path", "entry"} for c in body["changes"])
    assert [c["op"] for c in body["changes"]] == ["set", "add", "add", "remove", "remove"]
    json.dumps(body)


def test_json_of_a_held_plan_is_the_whole_diff_with_held_marked() -> None:
    plan = hold_mass_removals(sample(), max_remove_fraction=0.0, max_remove_min=0)
    body = to_json(plan)
    assert len(body["changes"]) == 5
    assert [c.get("held", False) for c in body["changes"]] == [False, False, False, True, True]
    assert body["plan_id"] == sample().plan_id


def test_text_sample() -> None:
    plan = hold_mass_removals(sample(), max_remove_fraction=0.0, max_remove_min=0)
    pid = plan.plan_id
    text = to_text(plan)
    assert [" ".join(line.split()) for line in text.splitlines()] == [
        f"core-1: 1 to set, 2 to add, 0 to remove, 2 held, 1 blocked (plan {pid})",
        f"~ {V4} .id=*1 list=active address=100.64.0.11"
        " comment: provisiond:1002 → provisiond:1003 (owner changed)",
        f"+ {V4} list=active address=100.64.0.10 comment=provisiond:1001 (missing)",
        f"+ {QUEUES} name=provisiond-1001 target=100.64.0.10 max-limit=2000000/10000000"
        " comment=provisiond:1001 (missing)",
        f"held by the mass-removal rule (approve plan {pid} to apply):",
        f"- {V4} .id=*2 list=gone address=100.64.0.12 comment=provisiond:1003 (not desired)",
        f"- {QUEUES} .id=*4 name=provisiond-1009 comment=provisiond:1009 (not desired)",
        "blocked (held on the router by an entry provisiond does not own):",
        f"! {V4} list=active address=100.64.0.13 account=1004 (held by an entry not ours, *3)",
    ]
    assert text.endswith(")\n")


def _body_column(line: str) -> int:
    path_end = line.index(" ", 2)
    return len(line) - len(line[path_end:].lstrip(" "))


def test_text_columns_are_aligned() -> None:
    plan = hold_mass_removals(sample(), max_remove_fraction=0.0, max_remove_min=0)
    rows = [line for line in to_text(plan).splitlines() if line[:2] in {"+ ", "- ", "~ ", "! "}]
    assert len({_body_column(line) for line in rows}) == 1
    assert len({line.rindex("  (") for line in rows}) == 1  # before the reason


def test_text_quotes_values_with_spaces_and_empty_values() -> None:
    observed = [listed("*1", "active", "100.64.0.10", "provisiond:1 x")]
    plan = diff(desired([address("active", "100.64.0.10", 1)]), observed, comment_prefix=PREFIX)
    assert 'comment: "provisiond:1 x" → provisiond:1' in to_text(plan)


def test_text_of_an_empty_plan_is_the_summary() -> None:
    plan = diff(desired(), [], comment_prefix=PREFIX)
    assert (
        to_text(plan)
        == f"core-1: 0 to set, 0 to add, 0 to remove, 0 held, 0 blocked (plan {plan.plan_id})\n"
    )
