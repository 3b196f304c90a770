"""`SessionStore.page`: the session list of the API, by id, filtered, beside the writer."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from provisiond.store.sessions import SessionRow, SessionState, SessionStore

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncConnection

    from provisiond.store import Store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CLOSED = SessionState.CLOSED


def row(
    session_id: int, account_id: int | None, state: SessionState = SessionState.OPEN
) -> SessionRow:
    return SessionRow(
        id=session_id,
        nas="core",
        acct_session_id=f"s{session_id}",
        username=f"u{session_id}",
        account_id=account_id,
        started_at=T0,
        updated_at=T0,
        state=state,
        last_coa={"at": "2026-03-01T12:01:00Z", "result": "ack", "error_cause": None},
    )


# Open and closed interleaved, as accounting leaves them; ids out of insertion order.
ROWS = [
    row(7, 1),
    row(2, 1, CLOSED),
    row(3, 2),
    row(1, 1),
    row(5, None),
    row(4, 1, CLOSED),
    row(9, 1),
    row(8, 2, CLOSED),
]


@dataclasses.dataclass(frozen=True, slots=True)
class Inserted:
    inserted: Sequence[SessionRow]
    updated: Sequence[tuple[SessionRow | None, SessionRow]] = ()


@pytest.fixture
async def sessions(store: Store) -> SessionStore:
    stored = SessionStore(store)
    await stored.commit((), lambda _closed: Inserted(ROWS))
    return stored


async def page_ids(
    sessions: SessionStore,
    *,
    account_id: int | None = None,
    state: str = "open",
    after: int | None = None,
    limit: int = 100,
) -> tuple[list[int], int | None]:
    rows, next_after = await sessions.page(
        account_id=account_id, state=state, after=after, limit=limit
    )
    return [r.id for r in rows], next_after


async def test_rows_come_whole_and_by_id(sessions: SessionStore) -> None:
    rows, next_after = await sessions.page(account_id=None, state="open", after=None, limit=100)
    assert rows == sorted((r for r in ROWS if r.is_open), key=lambda r: r.id)
    assert next_after is None


async def test_filters(sessions: SessionStore) -> None:
    assert await page_ids(sessions, state="closed") == ([2, 4, 8], None)
    assert await page_ids(sessions, account_id=1) == ([1, 7, 9], None)
    assert await page_ids(sessions, account_id=1, state="closed") == ([2, 4], None)
    assert await page_ids(sessions, account_id=3) == ([], None)


async def test_keyset_pages(sessions: SessionStore) -> None:
    assert await page_ids(sessions, limit=2) == ([1, 3], 3)
    assert await page_ids(sessions, limit=2, after=3) == ([5, 7], 7)
    assert await page_ids(sessions, limit=2, after=7) == ([9], None)
    # A full last page points on to one more, empty page, like every list of the API.
    assert await page_ids(sessions, limit=1, after=7) == ([9], 9)
    assert await page_ids(sessions, limit=1, after=9) == ([], None)
    assert await page_ids(sessions, account_id=1, limit=2, after=1) == ([7, 9], 9)


async def test_a_bad_state_or_limit_is_a_programming_error(sessions: SessionStore) -> None:
    with pytest.raises(ValueError, match="'live' is not a valid SessionState"):
        await page_ids(sessions, state="live")
    with pytest.raises(ValueError, match="limit must be at least 1"):
        await page_ids(sessions, limit=0)


async def test_a_page_is_read_beside_a_busy_writer(store: Store, sessions: SessionStore) -> None:
    """The writer's connection is held by a job that waits; the page still answers."""
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(conn: AsyncConnection) -> None:  # noqa: ARG001 - holds the writer only
        started.set()
        await release.wait()

    busy = asyncio.create_task(store.write(slow), name="busy-writer")
    try:
        await started.wait()
        async with asyncio.timeout(2):
            assert (await page_ids(sessions, limit=1))[0] == [1]
        assert not busy.done()
    finally:
        release.set()
        await busy
