"""Accounting asks the policy engine only when a record needs the user's answer.

A Start records the Access-Accept's attributes and the account; an Interim-Update or
Stop of an open session keeps the row's (`accounting.updated`), so it must not make the
server work the answer out again, even though the Start's session change has just
invalidated it (the cost measured by bench/radius.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provisiond.radius.wire import Code
from provisiond.store.sessions import SessionState
from tests.unit.radius import world

if TYPE_CHECKING:
    from provisiond.policy.auth import Accept, Reject
    from provisiond.policy.engine import PolicyEngine
    from tests.integration.radius.conftest import Running
    from tests.integration.radius.nas import FakeNas


class CountingAuthorizer:
    """The engine, with a record of whom it was asked about."""

    def __init__(self, engine: PolicyEngine) -> None:
        self._engine = engine
        self.asked: list[str] = []

    def authorize(self, username: str, nas: str) -> Accept | Reject:
        self.asked.append(username)
        return self._engine.authorize(username, nas)


async def answered(running: Running, nas: FakeNas, request: bytes) -> None:
    reply = await nas.ask(running.acct, request)
    assert reply is not None
    assert reply.code == Code.ACCOUNTING_RESPONSE


async def test_an_open_sessions_interim_and_stop_do_not_ask_the_engine(
    running: Running, nas: FakeNas
) -> None:
    counting = CountingAuthorizer(running.engine)
    running.server.set_engine(counting)
    start = nas.accounting("Start", "s1", "bob", ("Framed-IP-Address", "100.64.1.5"))
    await answered(running, nas, start)
    assert counting.asked == ["bob"]
    assert running.changes  # the Start changed bob's sessions: his cached answer went

    interim = nas.accounting("Interim-Update", "s1", "bob", ("Acct-Input-Octets", 10))
    await answered(running, nas, interim)
    stop = nas.accounting("Stop", "s1", "bob", ("Acct-Input-Octets", 20))
    await answered(running, nas, stop)

    assert counting.asked == ["bob"]
    (row,) = await running.server.sessions.find(("core", "s1", "bob"))
    assert row.state is SessionState.CLOSED
    assert row.account_id == world.BOB.id
    assert row.input_octets == 20
    assert row.last_applied is not None


async def test_an_interim_of_an_unknown_session_asks_for_the_account(
    running: Running, nas: FakeNas
) -> None:
    counting = CountingAuthorizer(running.engine)
    running.server.set_engine(counting)
    interim = nas.accounting("Interim-Update", "s2", "bob", ("Acct-Session-Time", 60))
    await answered(running, nas, interim)

    assert counting.asked == ["bob"]
    (row,) = await running.server.sessions.find(("core", "s2", "bob"))
    assert row.state is SessionState.OPEN
    assert row.account_id == world.BOB.id
    assert row.last_applied is not None
