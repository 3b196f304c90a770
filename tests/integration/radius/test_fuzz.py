"""Whatever arrives, no exception escapes `datagram_received` and the server keeps answering."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisiond.radius.wire import Code
from tests.unit.radius import world
from tests.unit.radius.requests import RequestBuilder

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import pytest

    from provisiond.policy.auth import Accept, Reject
    from tests.integration.radius.conftest import Running
    from tests.integration.radius.nas import FakeNas

BUILDER = RequestBuilder(world.NAS_SECRET)
VALID = (
    BUILDER.pap("alice", world.ALICE_PASSWORD),
    BUILDER.chap("bob", world.BOB_PASSWORD),
    BUILDER.mschapv2("bob", world.BOB_PASSWORD, os.urandom(16), os.urandom(16)),
    BUILDER.status_server(),
    BUILDER.accounting("Start", "f1", "bob", ("Framed-IP-Address", "100.64.9.9")),
    BUILDER.accounting("Interim-Update", "f1", "bob", ("Acct-Input-Octets", 5)),
    BUILDER.accounting("Stop", "f1", "bob"),
    BUILDER.accounting_nas("Accounting-On"),
)
SOURCES = [("127.0.0.1", 40000), ("127.0.0.1", 40001), ("127.0.0.9", 40000), ("::1", 40000, 0, 0)]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(data) - 1))
        data[at] = draw(st.integers(0, 255))
    cut = draw(st.integers(0, len(data) + 8))
    return bytes(data[:cut]) + draw(st.binary(max_size=8))


DATAGRAMS = st.one_of(st.binary(max_size=200), mutated(), st.sampled_from(VALID))


async def test_no_datagram_breaks_the_server(running: Running, nas: FakeNas) -> None:
    protocols = running.server.protocols

    @settings(max_examples=400, suppress_health_check=list(HealthCheck), deadline=None)
    @given(DATAGRAMS, st.integers(0, len(protocols) - 1), st.sampled_from(SOURCES))
    def feed(datagram: bytes, which: int, source: tuple[object, ...]) -> None:
        protocols[which].datagram_received(datagram, source)

    feed()
    assert running.drops("internal_error") == 0
    reply = await nas.ask(running.auth, nas.pap("alice", world.ALICE_PASSWORD))
    assert reply is not None
    assert reply.code == Code.ACCESS_ACCEPT
    reply = await nas.ask(running.acct, nas.accounting("Start", "after", "bob"))
    assert reply is not None


class BrokenEngine:
    def authorize(self, username: str, nas: str) -> Accept | Reject:
        raise RuntimeError(f"broken for {username} on {nas}")


async def test_a_failure_inside_is_dropped_counted_and_logged_once(
    start_server: Callable[..., Awaitable[Running]],
    nas: FakeNas,
    caplog: pytest.LogCaptureFixture,
) -> None:
    running = await start_server(engine=BrokenEngine())
    for _ in range(2):
        assert await nas.exchange(running.auth, nas.pap("alice", "x"), wait=0.2) is None
    assert running.drops("internal_error") == 2
    assert len([r for r in caplog.records if "handling failed" in r.getMessage()]) == 1
    # Status-Server does not ask the engine: still answered.
    assert await nas.ask(running.auth, nas.status_server()) is not None
