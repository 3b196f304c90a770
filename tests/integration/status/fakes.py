"""Fakes of the daemon's session and CoA sides of `ApiContext`, and session rows to store.

`FakeCoa` behaves as the CoA sender promises (`status.context.CoaControl`): it disconnects
only sessions it knows as open, and an approval releases every held Disconnect once.
`FakeSessions` answers one fixed page and records what it was asked, to check that the
handler passes the query through and the view's `next_after` back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from provisiond.store.sessions import SessionRow, SessionStore

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from provisiond.store import Store

T0: Final = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATER: Final = datetime(2026, 3, 1, 12, 5, 30, tzinfo=UTC)


def session_row(session_id: int, **changes: Any) -> SessionRow:
    """An open session of account 7 on "core-1", unique per id."""
    base = SessionRow(
        id=session_id,
        nas="core-1",
        acct_session_id=f"81{session_id:06X}",
        username=f"user{session_id}",
        account_id=7,
        started_at=T0,
        updated_at=LATER,
        framed_ip=f"100.64.0.{session_id}",
    )
    return base._replace(**changes)


@dataclass(frozen=True, slots=True)
class _Inserted:
    """`store.sessions.RowChanges` for rows that are all new."""

    inserted: Sequence[SessionRow]
    updated: Sequence[tuple[SessionRow | None, SessionRow]] = ()


async def store_sessions(store: Store, rows: Sequence[SessionRow]) -> SessionStore:
    """Write `rows` as the accounting writer would, and the repository that reads them."""
    sessions = SessionStore(store)
    await sessions.commit((), lambda _closed: _Inserted(rows))
    return sessions


@dataclass
class FakeSessions:
    rows: list[SessionRow]
    next_after: int | None = None
    asked: list[dict[str, Any]] = field(default_factory=list)

    async def page(
        self, *, account_id: int | None, state: str, after: int | None, limit: int
    ) -> tuple[Sequence[SessionRow], int | None]:
        self.asked.append(
            {"account_id": account_id, "state": state, "after": after, "limit": limit}
        )
        return self.rows, self.next_after


def held_row(session_id: int) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "account_id": 7,
        "username": f"user{session_id}",
        "nas": "core-1",
        "queued_at": "2026-03-01T12:00:00Z",
        "reasons": ["status"],
    }


@dataclass
class FakeCoa:
    open_ids: set[int] = field(default_factory=set)
    holding: list[Mapping[str, Any]] = field(default_factory=list)
    disconnected: list[int] = field(default_factory=list)
    released: list[Mapping[str, Any]] = field(default_factory=list)

    def held(self) -> Sequence[Mapping[str, Any]]:
        return list(self.holding)

    async def approve(self) -> int:
        count = len(self.holding)
        self.released.extend(self.holding)
        self.holding.clear()
        return count

    async def disconnect_session(self, session_id: int, /) -> bool:
        if session_id not in self.open_ids:
            return False
        self.disconnected.append(session_id)
        return True
