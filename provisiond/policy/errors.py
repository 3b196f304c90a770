"""Errors of the policy engine: one root, so callers catch the package's failures in one place."""

from __future__ import annotations


class PolicyError(Exception):
    """Root of every policy-engine error."""


class RateSyntaxError(PolicyError, ValueError):
    """A MikroTik rate string that does not parse (e.g. `radius.default_rate`)."""


class TemplateError(PolicyError, ValueError):
    """A reply value template with an unknown placeholder, a format spec or stray braces."""


class UnknownAccountError(PolicyError, LookupError):
    """The account id names no account the engine holds (the API answers 404)."""


class UnknownDeviceError(PolicyError, LookupError):
    """The device name is not one the engine was built with."""
