"""What each accounting record does to a session row: the pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from provisiond.radius import accounting
from provisiond.radius.accounting import AcctRecord
from provisiond.radius.wire import AcctStatusType
from provisiond.store.sessions import MAX_COUNTER, SessionRow, SessionState

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def record(
    status: AcctStatusType = AcctStatusType.INTERIM_UPDATE, /, **fields: object
) -> AcctRecord:
    values: dict[str, object] = {
        "nas": "core",
        "status": status,
        "acct_session_id": "s1",
        "username": "bob",
        "at": T0,
        "account_id": 2,
        **fields,
    }
    return AcctRecord(**values)  # type: ignore[arg-type]


def row(**fields: object) -> SessionRow:
    values: dict[str, object] = {
        "id": 1,
        "nas": "core",
        "acct_session_id": "s1",
        "username": "bob",
        "account_id": 2,
        "started_at": T0,
        "updated_at": T0,
        "input_octets": 1000,
        "output_octets": 5000,
        "session_time": 60,
        **fields,
    }
    return SessionRow(**values)  # type: ignore[arg-type]


def test_a_start_creates_an_open_row() -> None:
    applied = (("Mikrotik-Rate-Limit", "1M/1M"),)
    created = accounting.created(
        record(AcctStatusType.START, framed_ip="100.64.0.1", last_applied=applied),
        7,
        SessionState.OPEN,
    )
    assert created.id == 7
    assert created.key == ("core", "s1", "bob")
    assert created.started_at == created.updated_at == T0
    assert created.last_applied == applied
    assert (created.input_octets, created.session_time) == (0, 0)
    assert created.terminate_cause is None


def test_a_session_first_seen_in_an_interim_started_session_time_ago() -> None:
    created = accounting.created(record(session_time=600), 1, SessionState.OPEN)
    assert created.started_at == T0 - timedelta(seconds=600)


def test_a_session_first_seen_in_its_stop_is_created_closed() -> None:
    stop = record(AcctStatusType.STOP, terminate_cause="Lost-Carrier", input_octets=5)
    created = accounting.created(stop, 1, SessionState.CLOSED)
    assert created.state is SessionState.CLOSED
    assert created.terminate_cause == "Lost-Carrier"
    assert created.input_octets == 5


@pytest.mark.parametrize(
    ("incoming", "expected"),
    [
        ({"input_octets": 2000, "output_octets": 6000, "session_time": 120}, (2000, 6000, 120)),
        # A lower counter is ignored: a reordered or replayed record.
        ({"input_octets": 10, "output_octets": 7000, "session_time": 120}, (1000, 7000, 120)),
        ({"input_octets": 10, "output_octets": 10, "session_time": 60}, (1000, 5000, 60)),
        # ... unless Acct-Session-Time went back too: the NAS counts again from zero.
        ({"input_octets": 10, "output_octets": 20, "session_time": 5}, (10, 20, 5)),
        ({"session_time": 5}, (1000, 5000, 5)),
        ({}, (1000, 5000, 60)),
        ({"input_octets": 2**70}, (MAX_COUNTER, 5000, 60)),
    ],
)
def test_counters_only_grow_unless_session_time_went_back(
    incoming: dict[str, int], expected: tuple[int, int, int]
) -> None:
    assert accounting.counters(row(), record(**incoming)) == expected


def test_an_interim_updates_addresses_and_keeps_what_it_does_not_carry() -> None:
    before = row(framed_ip="100.64.0.1", nas_ip_address="192.0.2.1")
    later = T0 + timedelta(minutes=5)
    after = accounting.updated(before, record(framed_ipv6_prefix="2001:db8::/64", at=later))
    assert after.framed_ip == "100.64.0.1"
    assert after.framed_ipv6_prefix == "2001:db8::/64"
    assert after.nas_ip_address == "192.0.2.1"
    assert after.updated_at == later
    # A late record does not move the last update back.
    assert accounting.updated(after, record(at=T0)).updated_at == later


def test_an_unknown_account_is_filled_in_never_replaced() -> None:
    assert accounting.updated(row(account_id=None), record(account_id=5)).account_id == 5
    assert accounting.updated(row(account_id=2), record(account_id=5)).account_id == 2


def test_a_stop_closes_with_its_cause() -> None:
    stop = record(AcctStatusType.STOP, terminate_cause="User-Request", session_time=90)
    closed = accounting.stopped(row(), stop)
    assert closed.state is SessionState.CLOSED
    assert closed.terminate_cause == "User-Request"
    assert closed.session_time == 90


def test_a_stale_session_reopens() -> None:
    stale = accounting.closed_stale(row(), T0)
    assert (stale.state, stale.terminate_cause) == (SessionState.CLOSED, "Stale")
    reopened = accounting.reopened(stale, record(session_time=120))
    assert reopened.is_open
    assert reopened.terminate_cause is None
    assert reopened.id == stale.id


def test_terminate_causes_are_named_as_in_the_dictionary() -> None:
    assert accounting.terminate_cause(1) == "User-Request"
    assert accounting.terminate_cause(11) == "NAS-Reboot"
    assert accounting.terminate_cause(99) == "99"
    assert accounting.terminate_cause(None) is None


def test_session_addresses_are_those_of_open_sessions_of_known_accounts() -> None:
    session = row(framed_ip="100.64.0.1", delegated_ipv6_prefix="2001:db8:1::/56")
    assert [str(a.prefix) for a in accounting.session_addresses(session)] == [
        "100.64.0.1/32",
        "2001:db8:1::/56",
    ]
    assert accounting.session_addresses(session._replace(account_id=None)) == ()
    closed = session._replace(state=SessionState.CLOSED)
    assert accounting.session_addresses(closed) == ()
