"""PURE: diff(desired, observed, owner tag) → Plan of Changes; ordering; mass-removal hold."""

from provisiond.plan.changes import Blocked, Change, Op, Plan, Reason
from provisiond.plan.executor import ApplyError, PlanError, apply
from provisiond.plan.planner import diff
from provisiond.plan.render import ChangeJson, PlanJson, to_json, to_text
from provisiond.plan.safety import exceeds_limits, hold_mass_removals

__all__ = [
    "ApplyError",
    "Blocked",
    "Change",
    "ChangeJson",
    "Op",
    "Plan",
    "PlanError",
    "PlanJson",
    "Reason",
    "apply",
    "diff",
    "exceeds_limits",
    "hold_mass_removals",
    "to_json",
    "to_text",
]
