"""The traffic each accounting record shows, for usage (DESIGN.md §6): counter growth
since the session's previous state, over the time since it."""

from __future__ import annotations

from datetime import timedelta

from provisiond.model.usage import Traffic
from provisiond.radius.accounting import STALE
from provisiond.radius.session_book import SessionBook
from provisiond.store.sessions import SessionState
from tests.unit.radius.test_accounting import T0, record, row
from tests.unit.radius.test_session_book import INTERIM, STOP, apply, start

MINUTE = timedelta(minutes=1)


def test_interims_and_the_stop_count_what_the_counters_grew_by() -> None:
    book = SessionBook()
    assert apply(book, start("s1", "bob", 2)).traffic == [Traffic(2, T0, T0, 0, 0)]
    interim = record(INTERIM, at=T0 + 5 * MINUTE, input_octets=100, output_octets=900)
    # `in` is toward the subscriber: Acct-Output-Octets.
    assert apply(book, interim).traffic == [Traffic(2, T0, T0 + 5 * MINUTE, 900, 100)]
    stop = record(STOP, at=T0 + 7 * MINUTE, input_octets=150, output_octets=1000)
    assert apply(book, stop).traffic == [Traffic(2, T0 + 5 * MINUTE, T0 + 7 * MINUTE, 100, 50)]


def test_a_repeated_interim_counts_nothing_more() -> None:
    book = SessionBook()
    apply(book, start("s1", "bob", 2))
    interim = record(INTERIM, at=T0 + MINUTE, input_octets=100, output_octets=900)
    apply(book, interim)
    (again,) = apply(book, interim).traffic
    assert (again.octets_in, again.octets_out) == (0, 0)


def test_counters_that_went_back_add_nothing() -> None:
    book = SessionBook()
    apply(book, record(INTERIM, input_octets=100, output_octets=900, session_time=60))
    # Acct-Session-Time went back too: the row takes the lower values (the NAS counts
    # again), but no traffic is negative, and none is invented.
    back = record(INTERIM, at=T0 + MINUTE, input_octets=10, output_octets=950, session_time=5)
    (traffic,) = apply(book, back).traffic
    assert (traffic.octets_in, traffic.octets_out) == (50, 0)


def test_a_session_first_seen_in_an_interim_or_stop_counts_its_whole_counters() -> None:
    book = SessionBook()
    interim = record(INTERIM, input_octets=7, output_octets=70, session_time=600)
    assert apply(book, interim).traffic == [Traffic(2, T0 - 10 * MINUTE, T0, 70, 7)]
    stop = record(STOP, acct_session_id="s9", input_octets=1, output_octets=2, session_time=60)
    assert apply(book, stop).traffic == [Traffic(2, T0 - MINUTE, T0, 2, 1)]


def test_a_stale_session_reopened_counts_from_its_closed_counters() -> None:
    closed = row()._replace(state=SessionState.CLOSED, terminate_cause=STALE)
    interim = record(INTERIM, at=T0 + MINUTE, input_octets=1500, output_octets=5200)
    changes = apply(SessionBook(), interim, closed={closed.key: closed})
    assert changes.traffic == [Traffic(2, T0, T0 + MINUTE, 200, 500)]


def test_a_late_record_for_a_stopped_session_and_unknown_users_count_nothing() -> None:
    closed = row()._replace(state=SessionState.CLOSED, terminate_cause="User-Request")
    late = record(INTERIM, at=T0 + MINUTE, input_octets=9999, output_octets=9999)
    assert apply(SessionBook(), late, closed={closed.key: closed}).traffic == []
    stranger = record(INTERIM, account_id=None, username="nobody", input_octets=5)
    assert apply(SessionBook(), stranger).traffic == []
