"""A plan for machines (the `/plan` JSON of DESIGN.md §7) and for people (`provisiond plan`).

The JSON lists the whole current diff: a held plan is shown whole, its held removals marked
with `"held": true`, the only key beyond the contract's `{op, path, entry}`. Reasons and
blocked keys stay out of the JSON (its shape is a contract) and are in the text form.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, NotRequired, TypedDict

from provisiond.plan.changes import Op

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from provisiond.plan.changes import Blocked, Change, Plan

_SIGN: Final = {Op.ADD: "+", Op.SET: "~", Op.REMOVE: "-"}
_PLAIN: Final = re.compile(r'[^\s"=\\]+')


class ChangeJson(TypedDict):
    op: str
    path: str
    entry: dict[str, str]
    held: NotRequired[bool]


class PlanJson(TypedDict):
    device: str
    plan_id: str
    changes: list[ChangeJson]


def to_json(plan: Plan) -> PlanJson:
    changes = [_change_json(c, held=False) for c in plan.changes]
    changes += [_change_json(c, held=True) for c in plan.held]
    return {"device": plan.device, "plan_id": plan.plan_id, "changes": changes}


def _change_json(change: Change, *, held: bool) -> ChangeJson:
    body: ChangeJson = {"op": str(change.op), "path": change.path, "entry": dict(change.entry)}
    if held:
        body["held"] = True
    return body


@dataclass(frozen=True, slots=True)
class _Row:
    sign: str
    path: str
    body: str
    note: str


def to_text(plan: Plan) -> str:
    """One aligned line per change, a summary first, then the held and blocked sections."""
    rows = [_change_row(c) for c in plan.changes]
    held = [_change_row(c) for c in plan.held]
    blocked = [_blocked_row(b) for b in plan.blocked]
    widths = _widths([*rows, *held, *blocked])
    lines = [_summary(plan), *(_line(row, widths) for row in rows)]
    if held:
        lines.append(f"held by the mass-removal rule (approve plan {plan.plan_id} to apply):")
        lines.extend(_line(row, widths) for row in held)
    if blocked:
        lines.append("blocked (held on the router by an entry provisiond does not own):")
        lines.extend(_line(row, widths) for row in blocked)
    return "\n".join(lines) + "\n"


def _summary(plan: Plan) -> str:
    counts = {op: sum(1 for c in plan.changes if c.op is op) for op in (Op.SET, Op.ADD, Op.REMOVE)}
    return (
        f"{plan.device}: {counts[Op.SET]} to set, {counts[Op.ADD]} to add, "
        f"{counts[Op.REMOVE]} to remove, {len(plan.held)} held, {len(plan.blocked)} blocked "
        f"(plan {plan.plan_id})"
    )


def _change_row(change: Change) -> _Row:
    body = _set_body(change) if change.op is Op.SET else _assignments(change.entry.items())
    return _Row(_SIGN[change.op], change.path, body, str(change.reason))


def _set_body(change: Change) -> str:
    unchanged = ((a, v) for a, v in change.before.items() if a not in change.entry)
    edits = (
        f"{attr}: {_quote(change.before.get(attr, ''))} → {_quote(value)}"
        for attr, value in change.entry.items()
        if attr != ".id"
    )
    return " ".join([_assignments([(".id", change.entry[".id"]), *unchanged]), *edits])


def _blocked_row(blocked: Blocked) -> _Row:
    holder = "a dynamic entry" if blocked.dynamic else "an entry not ours"
    body = _assignments([*blocked.entry.items(), ("account", str(blocked.account_id))])
    return _Row("!", blocked.path, body, f"held by {holder}, {blocked.held_by}")


def _assignments(pairs: Iterable[tuple[str, str]]) -> str:
    return " ".join(f"{attr}={_quote(value)}" for attr, value in pairs)


def _quote(value: str) -> str:
    """RouterOS CLI quoting: bare when safe, else double-quoted with escapes."""
    if _PLAIN.fullmatch(value):
        return value
    return json.dumps(value, ensure_ascii=False)


def _widths(rows: Iterable[_Row]) -> Mapping[str, int]:
    listed = list(rows)
    return {
        "path": max((len(row.path) for row in listed), default=0),
        "body": max((len(row.body) for row in listed), default=0),
    }


def _line(row: _Row, widths: Mapping[str, int]) -> str:
    return f"{row.sign} {row.path:<{widths['path']}}  {row.body:<{widths['body']}}  ({row.note})"
