"""What a CoA or Disconnect answer means for the session (DESIGN.md §5 "CoA outcomes"),
as pure functions: the sender does what the `Verdict` says.

- ACK: a CoA's attributes become the session's (`last_applied`); a Disconnect's session
  is left to end on its accounting Stop, which the NAS sends next.
- NAK with Error-Cause 503 (Session Context Not Found): the NAS no longer has the
  session, so it is closed locally.
- NAK with 401, 404, 405 or 407 (the NAS cannot take this request as it is): the CoA
  turns into `coa.fallback` at once.
- Any other NAK: recorded, nothing more (e.g. 506 Resources Unavailable is the NAS's
  problem, not the session's; 501 Administratively Prohibited is a decision).
- No answer after `coa.retries` retransmissions: the fallback, as the session's state
  on the NAS is unknown.

A Disconnect has no fallback: its failure is recorded and the session is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

from provisiond.config.settings import CoaFallback
from provisiond.radius.wire import Code, ErrorCause
from provisiond.schema.fields import render_timestamp

if TYPE_CHECKING:
    from datetime import datetime

FALLBACK_CAUSES: Final = frozenset(
    {
        ErrorCause.UNSUPPORTED_ATTRIBUTE,
        ErrorCause.INVALID_REQUEST,
        ErrorCause.UNSUPPORTED_SERVICE,
        ErrorCause.INVALID_ATTRIBUTE_VALUE,
    }
)
ACKS: Final = frozenset({Code.COA_ACK, Code.DISCONNECT_ACK})


class RequestKind(StrEnum):
    """The request sent (a metric label)."""

    COA = "coa"
    DISCONNECT = "disconnect"

    @property
    def code(self) -> Code:
        return Code.COA_REQUEST if self is RequestKind.COA else Code.DISCONNECT_REQUEST


class Result(StrEnum):
    """A request's outcome, as `last_coa.result` and the metric label show it."""

    ACK = "ack"
    NAK = "nak"
    TIMEOUT = "timeout"
    HELD = "held"  # a Disconnect the breaker keeps for approval; not sent
    ERROR = "error"  # not sent: no CoA target, or a reply that cannot be encoded


@dataclass(frozen=True, slots=True)
class Verdict:
    result: Result
    error_cause: int | None = None
    close_session: bool = False  # NAK 503: the NAS has no such session
    fallback: bool = False  # follow with `coa.fallback`

    @property
    def acked(self) -> bool:
        return self.result is Result.ACK


def judge(
    kind: RequestKind, code: int | None, error_cause: int | None, fallback: CoaFallback
) -> Verdict:
    """The verdict on an answer with reply `code` (None: no answer after the retries)."""
    may_fall_back = kind is RequestKind.COA and fallback is CoaFallback.DISCONNECT
    if code is None:
        return Verdict(Result.TIMEOUT, fallback=may_fall_back)
    if code in ACKS:
        return Verdict(Result.ACK, error_cause)
    return Verdict(
        Result.NAK,
        error_cause,
        close_session=error_cause == ErrorCause.SESSION_CONTEXT_NOT_FOUND,
        fallback=may_fall_back and error_cause in FALLBACK_CAUSES,
    )


def last_coa(at: datetime, result: Result, error_cause: int | None = None) -> dict[str, Any]:
    """The session's `last_coa` JSON (DESIGN.md §5): `{at, result, error_cause}`."""
    return {"at": render_timestamp(at), "result": result.value, "error_cause": error_cause}
