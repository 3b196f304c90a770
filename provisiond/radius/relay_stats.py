"""The CoA relay's counters, bound to their (closed-vocabulary) labels once."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from provisiond.config.settings import CoaAction
from provisiond.radius.relay_routing import Result

if TYPE_CHECKING:
    from provisiond.observability.metrics import Metrics


class RelayDrop(StrEnum):
    """Why a datagram on the CoA port got no answer."""

    UNKNOWN_PEER = "unknown_peer"  # no [[radius.coa_client]] covers its source
    MALFORMED = "malformed"
    UNEXPECTED_CODE = "unexpected_code"  # not a CoA-Request or Disconnect-Request
    BAD_AUTHENTICATOR = "bad_authenticator"  # no peer's secret verifies it
    BAD_MESSAGE_AUTHENTICATOR = "bad_message_authenticator"
    MISSING_MESSAGE_AUTHENTICATOR = "missing_message_authenticator"
    STALE_TIMESTAMP = "stale_timestamp"  # Event-Timestamp outside 300 s (RFC 5176 §4.2)
    IN_PROGRESS = "in_progress"  # a retransmission of a request still being forwarded
    OVERLOAD = "overload"  # too many requests in flight
    INTERNAL_ERROR = "internal_error"  # a bug: logged once


class RelayStats:
    def __init__(self, metrics: Metrics) -> None:
        self._requests = {
            (kind, result): metrics.coa_relay_requests.labels(kind=kind, result=result)
            for kind in CoaAction
            for result in Result
        }
        self._drops = {
            reason: metrics.coa_relay_drops.labels(reason=reason) for reason in RelayDrop
        }

    def request(self, kind: CoaAction, result: Result) -> None:
        self._requests[kind, result].inc()

    def drop(self, reason: RelayDrop) -> None:
        self._drops[reason].inc()
