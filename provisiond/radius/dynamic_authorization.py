"""Rules of RFC 5176 (Dynamic Authorization) shared by the CoA relay and the lab's NAS.

- A CoA-Request or Disconnect-Request names a session with identification attributes
  (§3, "Session identification") and the NAS with NAS-IP-Address / NAS-Identifier; the
  rest of a CoA-Request is the authorisation it changes.
- §4.2: an Event-Timestamp, when present, must be current within a window, "else the
  packet MUST be silently discarded"; and the duplicate-detection window "MUST be the
  same as the window used to detect stale packets", so both use `TIMESTAMP_WINDOW`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from provisiond.config.settings import CoaAction
from provisiond.radius.wire import Code

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from provisiond.radius.decoding import Pair

TIMESTAMP_WINDOW: Final = 300.0  # seconds (DESIGN.md §5: "within 300 s")

REQUEST_KINDS: Final[Mapping[int, CoaAction]] = {
    Code.COA_REQUEST: CoaAction.COA,
    Code.DISCONNECT_REQUEST: CoaAction.DISCONNECT,
}
REQUEST_CODES: Final[Mapping[CoaAction, Code]] = {
    kind: Code(code) for code, kind in REQUEST_KINDS.items()
}
ACK_CODES: Final[Mapping[CoaAction, Code]] = {
    CoaAction.COA: Code.COA_ACK,
    CoaAction.DISCONNECT: Code.DISCONNECT_ACK,
}
NAK_CODES: Final[Mapping[CoaAction, Code]] = {
    CoaAction.COA: Code.COA_NAK,
    CoaAction.DISCONNECT: Code.DISCONNECT_NAK,
}

# Attributes that identify the session or the NAS, or protect or route the request
# (RFC 5176 §3 tables, plus Message-Authenticator, Proxy-State and Event-Timestamp).
# They say *which* session; everything else in a CoA-Request is *what* it changes.
NOT_AUTHORISATION: Final = frozenset(
    {
        "User-Name",
        "NAS-IP-Address",
        "NAS-IPv6-Address",
        "NAS-Identifier",
        "NAS-Port",
        "NAS-Port-Id",
        "Framed-IP-Address",
        "Framed-IPv6-Prefix",
        "Framed-Interface-Id",
        "Called-Station-Id",
        "Calling-Station-Id",
        "Acct-Session-Id",
        "Acct-Multi-Session-Id",
        "Event-Timestamp",
        "Message-Authenticator",
        "Proxy-State",
        "State",
        "Service-Type",
    }
)


def request_kind(code: int) -> CoaAction | None:
    """`coa` or `disconnect` for the two request codes, else None."""
    return REQUEST_KINDS.get(code)


def authorisation(pairs: Iterable[Pair]) -> tuple[Pair, ...]:
    """The pairs a CoA-Request changes: all but the identification attributes."""
    return tuple(pair for pair in pairs if pair[0] not in NOT_AUTHORISATION)


def timestamp_current(
    event_timestamp: int | None, now: datetime, window: float = TIMESTAMP_WINDOW
) -> bool:
    """Whether a request's Event-Timestamp (Unix seconds) is within `window` of `now`;
    a request without one passes (DESIGN.md §5: checked "when present")."""
    if event_timestamp is None:
        return True
    sent = datetime.fromtimestamp(event_timestamp, UTC)
    return abs((now - sent).total_seconds()) <= window
