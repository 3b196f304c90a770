"""The session table's repository: rows round-trip, one open row per key."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from provisiond.model.errors import ConflictError
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
        self, inserted: Sequence[SessionRow] = (), updated: Sequence[SessionRow] = ()
    ) -> None:
        self.inserted = inserted
        self.updated = updated


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
    closed = dataclasses.replace(OPEN, state=SessionState.CLOSED, terminate_cause="Stale")
    await save(sessions, Write(updated=[closed]))
    assert await sessions.load_open() == ([], 1)
    assert await save(sessions, Write()) == {OPEN.key: closed}  # the newest closed row
    assert await sessions.get(99) is None


async def test_a_key_has_at_most_one_open_row(store: Store) -> None:
    sessions = SessionStore(store)
    await save(sessions, Write(inserted=[OPEN]))
    twin = dataclasses.replace(OPEN, id=2)
    with pytest.raises(ConflictError):
        await save(sessions, Write(inserted=[twin]))
    closed_twin = dataclasses.replace(twin, state=SessionState.CLOSED)
    await save(sessions, Write(inserted=[closed_twin]))
    assert [row.id for row in await sessions.find(OPEN.key)] == [1, 2]
