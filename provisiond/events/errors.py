"""The errors of `provisiond.events`, one root; what is retried is decided in one place.

A delivery attempt that fails with a `DeliveryError` is retried once a minute unless the
error is `permanent` (a refused target: retrying would only knock on the same door).
"""

from __future__ import annotations


class EventsError(Exception):
    """Root of the scheduler's, the trigger engine's and the webhook sender's errors."""


class DeliveryError(EventsError):
    """One POST did not get an HTTP answer; `permanent`: the delivery fails at once."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class RefusedTargetError(DeliveryError, OSError):
    """The webhook URL or an address it resolves to is not allowed (SSRF rules, §6).

    An `OSError` too, so that raised inside aiohttp's resolver it comes out as the cause
    of aiohttp's connection error rather than as a bug.
    """

    def __init__(self, message: str) -> None:
        DeliveryError.__init__(self, message, permanent=True)
