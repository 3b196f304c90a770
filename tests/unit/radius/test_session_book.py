"""The open-session table: the four stale rules, late and Start-less records, batches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from provisiond.radius.session_book import (
    CloseSession,
    NasReboot,
    SessionBook,
    SessionPatch,
    StaleRule,
    Sweep,
)
from provisiond.radius.wire import AcctStatusType
from provisiond.store.sessions import SessionState
from tests.unit.radius.test_accounting import T0, record, row

if TYPE_CHECKING:
    from provisiond.radius.accounting import AcctRecord
    from provisiond.radius.session_book import Changes
    from provisiond.store.sessions import SessionKey, SessionRow

START, INTERIM, STOP = AcctStatusType.START, AcctStatusType.INTERIM_UPDATE, AcctStatusType.STOP


def start(session: str, user: str, account: int | None, **fields: object) -> AcctRecord:
    return record(START, acct_session_id=session, username=user, account_id=account, **fields)


def apply(
    book: SessionBook,
    *events: AcctRecord | Sweep | NasReboot,
    closed: dict[SessionKey, SessionRow] | None = None,
) -> Changes:
    return book.apply(events, closed or {})


def test_a_session_lives_from_start_to_stop() -> None:
    book = SessionBook()
    changes = apply(book, start("s1", "bob", 2, framed_ip="100.64.0.5"))
    assert [r.id for r in changes.inserted] == [1]
    assert changes.accounts == {2}
    assert [str(a.prefix) for a in book.addresses_of(2)] == ["100.64.0.5/32"]

    started = book.get(("core", "s1", "bob"))
    changes = apply(book, record(INTERIM, input_octets=10))
    assert changes.inserted == []
    # Each changed row comes with the row as stored, so only moved columns are written.
    assert [(stored, r.input_octets) for stored, r in changes.updated] == [(started, 10)]
    assert changes.accounts == set()  # nothing moved: no callback

    interim = book.get(("core", "s1", "bob"))
    changes = apply(book, record(STOP, terminate_cause="User-Request"))
    assert [(stored, r.state) for stored, r in changes.updated] == [(interim, SessionState.CLOSED)]
    assert changes.accounts == {2}
    assert book.addresses_of(2) == ()
    assert len(book) == 0


def test_a_start_and_its_interim_in_one_batch_make_one_new_row() -> None:
    book = SessionBook()
    changes = apply(book, start("s1", "bob", 2), record(INTERIM, input_octets=10))
    (inserted,) = changes.inserted
    assert inserted.input_octets == 10
    assert changes.updated == []


def test_an_interim_for_an_unknown_session_creates_it() -> None:
    book = SessionBook()
    changes = apply(book, record(INTERIM, framed_ip="100.64.0.5"))
    (created,) = changes.inserted
    assert created.is_open
    assert book.get(created.key) == created


def test_a_stop_for_an_unknown_session_is_recorded_closed() -> None:
    changes = apply(SessionBook(), record(STOP, terminate_cause="Lost-Carrier"))
    (created,) = changes.inserted
    assert created.state is SessionState.CLOSED


def test_a_stop_for_a_closed_session_changes_nothing() -> None:
    closed = row(state=SessionState.CLOSED, terminate_cause="User-Request")
    changes = apply(SessionBook(), record(STOP, input_octets=9), closed={closed.key: closed})
    assert changes.rows == {}
    # Nor does a second Stop within one batch.
    changes = apply(SessionBook(), record(STOP), record(STOP))
    assert len(changes.rows) == 1


def test_an_interim_after_the_stop_changes_nothing() -> None:
    closed = row(state=SessionState.CLOSED, terminate_cause="User-Request")
    assert apply(SessionBook(), record(INTERIM), closed={closed.key: closed}).rows == {}


def test_an_interim_reopens_a_session_closed_as_stale() -> None:
    stale = row(state=SessionState.CLOSED, terminate_cause="Stale", framed_ip="100.64.0.5")
    book = SessionBook()
    changes = apply(book, record(INTERIM, input_octets=4000), closed={stale.key: stale})
    ((stored, reopened),) = changes.updated
    assert stored == stale
    assert reopened.id == stale.id
    assert reopened.is_open
    assert changes.accounts == {2}


def test_a_new_start_with_the_same_key_closes_the_old_session() -> None:
    book = SessionBook()
    apply(book, start("s1", "bob", 2))
    changes = apply(book, start("s1", "bob", 2))
    old, new = sorted(changes.rows.values(), key=lambda r: r.id)
    assert (old.state, old.terminate_cause) == (SessionState.CLOSED, "Stale")
    assert new.is_open
    assert changes.stale == {StaleRule.SAME_KEY: 1}


def test_an_address_claimed_by_another_session_closes_the_holder() -> None:
    book = SessionBook()
    apply(book, start("a", "alice", 1, framed_ip="100.64.0.5"))
    changes = apply(book, start("b", "bob", 2, framed_ip="100.64.0.5", nas="edge"))
    assert changes.stale == {StaleRule.ADDRESS_CLAIMED: 1}
    assert changes.accounts == {1, 2}
    assert book.addresses_of(1) == ()
    assert [a.account_id for a in book.all_addresses()] == [2]


def test_an_interim_that_brings_a_claimed_address_closes_the_holder() -> None:
    book = SessionBook()
    apply(book, start("a", "alice", 1, framed_ipv6_prefix="2001:db8::/64"))
    apply(book, start("b", "bob", 2))
    changes = apply(
        book, record(INTERIM, acct_session_id="b", account_id=2, framed_ipv6_prefix="2001:db8::/64")
    )
    assert changes.stale == {StaleRule.ADDRESS_CLAIMED: 1}
    assert changes.accounts == {1, 2}


def test_accounting_on_closes_every_session_of_that_nas() -> None:
    book = SessionBook()
    apply(book, start("a", "alice", 1), start("b", "bob", 2), start("c", "carl", 3, nas="edge"))
    changes = apply(book, record(AcctStatusType.ACCOUNTING_ON, acct_session_id="", username=""))
    assert changes.stale == {StaleRule.NAS_REBOOT: 2}
    assert [r.nas for r in book.rows()] == ["edge"]
    changes = apply(book, NasReboot("edge", T0))
    assert changes.closed_by_event == [1]
    assert len(book) == 0


def test_the_sweep_closes_what_was_silent_for_stale_after() -> None:
    book = SessionBook()
    later = T0 + timedelta(minutes=10)
    apply(book, start("a", "alice", 1), start("b", "bob", 2, at=later))
    changes = apply(book, Sweep(later + timedelta(minutes=5), stale_after=750))
    assert changes.closed_by_event == [1]
    assert changes.stale == {StaleRule.STALE_AFTER: 1}
    assert [r.username for r in book.rows()] == ["bob"]


def test_ids_continue_after_the_highest_stored_one() -> None:
    book = SessionBook()
    book.load([row(id=41, framed_ip="100.64.0.5")], last_id=57)
    assert [a.account_id for a in book.all_addresses()] == [2]
    changes = apply(book, start("new", "carl", 3))
    assert [r.id for r in changes.inserted] == [58]


def test_closed_by_event_counts_per_event() -> None:
    book = SessionBook()
    changes = apply(
        book,
        start("a", "alice", 1),
        record(STOP, acct_session_id="a", username="alice"),
        Sweep(datetime(2030, 1, 1, tzinfo=UTC), stale_after=1),
    )
    assert changes.closed_by_event == [0, 1, 0]


def test_lookups_by_id_username_session_id_and_address_follow_the_sessions() -> None:
    book = SessionBook()
    apply(
        book,
        start("s1", "bob", 2, framed_ip="100.64.0.5"),
        start("s2", "bob", 2),
        start("s3", "ann", 1),
    )
    bob = book.with_username("bob")
    assert [r.acct_session_id for r in bob] == ["s1", "s2"]
    assert book.by_id(bob[0].id) == bob[0]
    assert [r.username for r in book.with_session_id("s3")] == ["ann"]
    holder = book.holder_of("100.64.0.5")
    assert holder is not None
    assert holder.acct_session_id == "s1"
    assert [r.acct_session_id for r in book.of_account(2)] == ["s1", "s2"]
    assert book.has_sessions(2)
    assert not book.has_sessions(3)
    apply(book, record(STOP, acct_session_id="s1", username="bob", account_id=2))
    assert [r.acct_session_id for r in book.with_username("bob")] == ["s2"]
    assert book.by_id(bob[0].id) is None
    assert book.with_session_id("s1") == []
    assert book.holder_of("100.64.0.5") is None


def test_a_patch_records_coa_news_and_a_close_ends_one_session() -> None:
    book = SessionBook()
    apply(book, start("s1", "bob", 2), start("s2", "bob", 2))
    first, second = book.with_username("bob")
    applied = (("Mikrotik-Rate-Limit", "1M/1M"),)
    coa = {"at": "2026-01-01T00:00:00Z", "result": "ack", "error_cause": None}
    changes = book.apply([SessionPatch(first.id, last_applied=applied, last_coa=coa)], {})
    patched = book.by_id(first.id)
    assert patched is not None
    assert patched.last_applied == applied
    assert patched.last_coa == coa
    assert changes.rows[first.id] == patched
    at = T0 + timedelta(minutes=1)
    changes = book.apply([CloseSession(second.id, at, "Stale")], {})
    assert book.by_id(second.id) is None
    closed = changes.rows[second.id]
    assert closed.state is SessionState.CLOSED
    assert closed.terminate_cause == "Stale"
    assert changes.closed_by_event == [1]
    # Both are no-ops for a session that is no longer open.
    assert not book.apply([SessionPatch(second.id, last_coa=coa)], {}).rows
    assert not book.apply([CloseSession(second.id, at, "Stale")], {}).rows
