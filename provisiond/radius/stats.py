"""The RADIUS server's counters, bound to their labels once.

`labels(...)` looks a series up by label tuple on every call; on a path that answers an
Access-Request in microseconds, the series are resolved here, at start. The per-datagram
ones are tallies (observability/tally.py): the hot path adds to plain ints and a bucket
array, and `/metrics` turns them into samples when scraped, so a packet takes no lock
and walks no buckets. The per-commit ones (batch size, backlog, sessions, stale) stay
ordinary prometheus-client metrics. Labels are closed vocabularies (request type,
result, drop reason): never a username, an account or an address.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from provisiond.radius.wire import AcctStatusType

if TYPE_CHECKING:
    from provisiond.observability.metrics import Metrics


class DropReason(StrEnum):
    """Why a datagram got no answer."""

    UNKNOWN_CLIENT = "unknown_client"  # no [device.nas] sends from there (or NAS-Identifier)
    MALFORMED = "malformed"  # broken framing, or a required attribute missing
    UNEXPECTED_CODE = "unexpected_code"  # e.g. an Accounting-Request on the auth port
    BAD_AUTHENTICATOR = "bad_authenticator"  # Request Authenticator (wrong secret)
    BAD_MESSAGE_AUTHENTICATOR = "bad_message_authenticator"
    MISSING_MESSAGE_AUTHENTICATOR = "missing_message_authenticator"
    IN_PROGRESS = "in_progress"  # a retransmission of a request still waiting for its commit
    OVERLOAD = "overload"  # the accounting backlog is full
    LATE = "late"  # waited too long for a commit: the NAS has given up on it
    STORE_ERROR = "store_error"  # its commit failed
    STOPPING = "stopping"  # the server stopped before its commit
    INTERNAL_ERROR = "internal_error"  # a bug: logged once


class RequestType(StrEnum):
    ACCESS_REQUEST = "access_request"
    ACCOUNTING_REQUEST = "accounting_request"
    STATUS_SERVER = "status_server"


_STATUS_NAMES = {
    AcctStatusType.START: "start",
    AcctStatusType.STOP: "stop",
    AcctStatusType.INTERIM_UPDATE: "interim_update",
    AcctStatusType.ACCOUNTING_ON: "accounting_on",
    AcctStatusType.ACCOUNTING_OFF: "accounting_off",
}


class RadiusStats:
    """Pre-bound metric series (see the module docstring)."""

    def __init__(self, metrics: Metrics) -> None:
        requests = metrics.radius_requests
        self.accepted = requests.labels(type=RequestType.ACCESS_REQUEST, result="accept")
        self.rejected = requests.labels(type=RequestType.ACCESS_REQUEST, result="reject")
        self.accounted = requests.labels(type=RequestType.ACCOUNTING_REQUEST, result="response")
        self.status_auth = requests.labels(type=RequestType.STATUS_SERVER, result="accept")
        self.status_acct = requests.labels(type=RequestType.STATUS_SERVER, result="response")
        self.duplicates = {
            kind: requests.labels(type=kind, result="duplicate") for kind in RequestType
        }
        self.rejects = {
            reason: metrics.radius_rejects.labels(reason=reason)
            for reason in ("unknown_user", "inactive", "no_rate", "wrong_password", "reply_error")
        }
        self.drops = {reason: metrics.radius_drops.labels(reason=reason) for reason in DropReason}
        duration = metrics.radius_request_duration
        self.auth_latency = duration.labels(type=RequestType.ACCESS_REQUEST)
        self.acct_latency = duration.labels(type=RequestType.ACCOUNTING_REQUEST)
        self.status_latency = duration.labels(type=RequestType.STATUS_SERVER)
        self.statuses = {
            int(status): metrics.radius_accounting_records.labels(status=name)
            for status, name in _STATUS_NAMES.items()
        }
        self.other_status = metrics.radius_accounting_records.labels(status="other")
        self.batch_size = metrics.radius_accounting_batch_size
        self.backlog = metrics.radius_accounting_backlog
        self.sessions = metrics.radius_sessions
        self.stale = metrics.radius_stale_sessions

    def drop(self, reason: DropReason) -> None:
        self.drops[reason].inc()

    def reject(self, reason: str) -> None:
        child = self.rejects.get(reason)
        if child is not None:
            child.inc()

    def record(self, status: int) -> None:
        self.statuses.get(status, self.other_status).inc()
