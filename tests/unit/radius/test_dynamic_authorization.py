"""RFC 5176 rules shared by the relay and the lab NAS: kinds, authorisation, the window."""

from __future__ import annotations

from datetime import UTC, datetime

from provisiond.config.settings import CoaAction
from provisiond.radius.dynamic_authorization import (
    authorisation,
    request_kind,
    timestamp_current,
)
from provisiond.radius.wire import Code

NOW = datetime(2026, 1, 1, tzinfo=UTC)
EPOCH = int(NOW.timestamp())


def test_only_the_two_request_codes_have_a_kind() -> None:
    assert request_kind(Code.COA_REQUEST) is CoaAction.COA
    assert request_kind(Code.DISCONNECT_REQUEST) is CoaAction.DISCONNECT
    assert request_kind(Code.COA_ACK) is None
    assert request_kind(Code.ACCESS_REQUEST) is None


def test_the_event_timestamp_window_is_300_seconds_either_way() -> None:
    assert timestamp_current(None, NOW)
    assert timestamp_current(EPOCH - 300, NOW)
    assert timestamp_current(EPOCH + 300, NOW)
    assert not timestamp_current(EPOCH - 301, NOW)
    assert not timestamp_current(EPOCH + 301, NOW)
    assert timestamp_current(EPOCH - 301, NOW, window=400)


def test_authorisation_is_what_remains_after_the_identification() -> None:
    pairs = (
        ("User-Name", "a"),
        ("Acct-Session-Id", "1"),
        ("NAS-IP-Address", "192.0.2.1"),
        ("Event-Timestamp", "1"),
        ("Mikrotik-Rate-Limit", "1M/1M"),
        ("Session-Timeout", "60"),
    )

    assert authorisation(pairs) == (("Mikrotik-Rate-Limit", "1M/1M"), ("Session-Timeout", "60"))
