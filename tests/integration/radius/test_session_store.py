"""The session table's repository: rows round-trip, one open row per key."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from provisiond.model.errors import ConflictError
from provisiond.store.session_writes import changed_columns
from provisiond.store.sessions import MAX_COUNTER, SessionRow, SessionState, SessionStore

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from provisiond.store import Store
    from provisiond.store.sessions import SessionKey

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
OPEN = SessionRow(
    id=1,
    nas="core",
    acct_session_id="s1",
    username="bob",
    account_id=2,
    started_at=T0,
    updated_at=T0,
    framed_ip="100.64.0.5",
    framed_ipv6_prefix="2001:db8::/64",
    delegated_ipv6_prefix="2001:db8:1::/56",
    nas_ip_address="192.0.2.1",
    nas_identifier="core-1",
    input_octets=MAX_COUNTER,
    output_octets=5 * 2**32,
    session_time=600,
    last_applied=(("Framed-IP-Address", "100.64.0.5"), ("Mikrotik-Rate-Limit", "1M/1M")),
)


class Write:
    def __init__(
        self,
        inserted: Sequence[SessionRow] = (),
        updated: Sequence[SessionRow] = (),
        stored: Sequence[SessionRow | None] = (),
    ) -> None:
        """`stored`: each updated row as stored (None, the default: write every column)."""
        self.inserted = inserted
        self.updated = list(zip(list(stored) or [None] * len(updated), updated, strict=True))


async def save(sessions: SessionStore, changes: Write) -> Mapping[SessionKey, SessionRow]:
    seen: dict[SessionKey, SessionRow] = {}

    def decide(closed: Mapping[SessionKey, SessionRow]) -> Write:
        seen.update(closed)
        return changes

    await sessions.commit([OPEN.key], decide)
    return seen


async def test_rows_round_trip(store: Store) -> None:
    sessions = SessionStore(store)
    await save(sessions, Write(inserted=[OPEN]))
    assert await sessions.get(1) == OPEN
    assert await sessions.load_open() == ([OPEN], 1)
    closed = OPEN._replace(state=SessionState.CLOSED, terminate_cause="Stale")
    await save(sessions, Write(updated=[closed]))
    assert await sessions.load_open() == ([], 1)
    assert await save(sessions, Write()) == {OPEN.key: closed}  # the newest closed row
    assert await sessions.get(99) is None


async def test_a_key_has_at_most_one_open_row(store: Store) -> None:
    sessions = SessionStore(store)
    await save(sessions, Write(inserted=[OPEN]))
    twin = OPEN._replace(id=2)
    with pytest.raises(ConflictError):
        await save(sessions, Write(inserted=[twin]))
    closed_twin = twin._replace(state=SessionState.CLOSED)
    await save(sessions, Write(inserted=[closed_twin]))
    assert [row.id for row in await sessions.find(OPEN.key)] == [1, 2]


class _NoSqlAlchemyWrites:
    """A store whose SQLAlchemy write jobs fail: only the bulk path can write."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    async def write(self, job: object) -> object:
        del job
        raise AssertionError("the accounting commit went through SQLAlchemy, not the bulk path")


async def test_the_sqlite_store_commits_a_batch_in_one_hand_off(store: Store) -> None:
    """aiosqlite's internals `store.bulk` relies on are there: were they not, accounting
    would fall back to SQLAlchemy, correct but several times slower, and nothing else
    would notice."""
    sessions = SessionStore(_NoSqlAlchemyWrites(store))  # type: ignore[arg-type]
    await sessions.commit((), lambda _: Write(inserted=[OPEN]))
    assert await SessionStore(store).get(1) == OPEN


async def test_both_write_paths_store_the_same_rows(store: Store) -> None:
    bulk, plain = SessionStore(store), SessionStore(store)
    plain._bulk = False
    second = OPEN._replace(id=2, acct_session_id="s2", last_coa={"at": "x", "result": "ack"})
    await save(bulk, Write(inserted=[OPEN]))
    await save(plain, Write(inserted=[second]))
    assert await bulk.get(1) == OPEN
    assert await bulk.get(2) == second
    # Updates of some columns (stored row given) and of all (stored row unknown).
    later = datetime(2026, 3, 1, 12, 5, 0, 250, tzinfo=UTC)
    interim = OPEN._replace(updated_at=later, input_octets=10, session_time=300)
    override = {"at": "2026-03-01T12:05:00Z", "attributes": [["Mikrotik-Rate-Limit", "1M/1M"]]}
    patched = second._replace(external_override=override, state=SessionState.CLOSED)
    await save(bulk, Write(updated=[interim], stored=[OPEN]))
    await save(plain, Write(updated=[patched], stored=[second]))
    assert await bulk.get(1) == interim
    assert await bulk.get(2) == patched
    await save(bulk, Write(updated=[patched._replace(input_octets=7)]))
    assert (await bulk.get(2)) == patched._replace(input_octets=7)


async def test_a_refused_batch_writes_nothing(store: Store) -> None:
    sessions = SessionStore(store)
    await save(sessions, Write(inserted=[OPEN]))
    fresh = OPEN._replace(id=2, acct_session_id="s2")
    twin = OPEN._replace(id=3)  # a second open row of OPEN's key
    with pytest.raises(ConflictError):
        await save(sessions, Write(inserted=[fresh, twin]))
    assert await sessions.get(2) is None
    await save(sessions, Write(inserted=[fresh]))  # the writer carries on
    assert await sessions.get(2) == fresh


def test_only_changed_columns_are_written() -> None:
    interim = OPEN._replace(input_octets=1, session_time=60)
    assert changed_columns(OPEN, interim) == ("input_octets", "session_time")
    assert changed_columns(OPEN, OPEN) == ()
    closed = OPEN._replace(state=SessionState.CLOSED, terminate_cause="User-Request")
    assert changed_columns(OPEN, closed) == ("state", "terminate_cause")
