"""PURE: membership, rates, RADIUS replies → desired state per device and per user."""

from provisiond.policy.auth import Accept, Reject, RejectReason
from provisiond.policy.claims import Changes
from provisiond.policy.effective import Effective
from provisiond.policy.engine import Dirty, PolicyEngine, PolicySettings
from provisiond.policy.errors import (
    PolicyError,
    RateSyntaxError,
    TemplateError,
    UnknownAccountError,
    UnknownDeviceError,
)
from provisiond.policy.rates import Rate, parse_rate
from provisiond.policy.templates import validate_template

__all__ = [
    "Accept",
    "Changes",
    "Dirty",
    "Effective",
    "PolicyEngine",
    "PolicyError",
    "PolicySettings",
    "Rate",
    "RateSyntaxError",
    "Reject",
    "RejectReason",
    "TemplateError",
    "UnknownAccountError",
    "UnknownDeviceError",
    "parse_rate",
    "validate_template",
]
