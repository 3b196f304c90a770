"""The Access-Request fast path (`RadiusProtocol._access_request`): the same drops, by the
same reasons, as the general path, and the same answers from a remembered layout."""

from __future__ import annotations

from typing import TYPE_CHECKING

from provisiond.radius.layout import LEARN_EVERY
from provisiond.radius.packet import LAYOUTS
from provisiond.radius.wire import Code
from tests.unit.radius import world

if TYPE_CHECKING:
    from provisiond.radius.protocol import RadiusProtocol
    from tests.integration.radius.conftest import Running
    from tests.integration.radius.nas import FakeNas

NOBODY_LISTENS = ("127.0.0.1", 9)  # a configured NAS's address; replies go nowhere


def port(running: Running, *, accounting: bool) -> RadiusProtocol:
    return next(p for p in running.server.protocols if p.accounting == accounting)


def counted(running: Running, result: str) -> float:
    value = running.metrics.registry.get_sample_value(
        "provisiond_radius_requests_total", {"type": "access_request", "result": result}
    )
    return value or 0.0


async def test_access_requests_are_dropped_by_reason(running: Running, nas: FakeNas) -> None:
    auth, acct = port(running, accounting=False), port(running, accounting=True)
    request = nas.pap("alice", world.ALICE_PASSWORD)
    auth.datagram_received(request[:19], NOBODY_LISTENS)  # shorter than a header
    cut = bytearray(request)
    cut[21] = 1  # the first attribute's length: 1
    auth.datagram_received(bytes(cut), NOBODY_LISTENS)
    assert running.drops("malformed") == 2
    acct.datagram_received(request, NOBODY_LISTENS)  # on the accounting port
    auth.datagram_received(nas.accounting("Start", "s-1", "bob"), NOBODY_LISTENS)
    assert running.drops("unexpected_code") == 2
    auth.datagram_received(request, ("192.0.2.99", 1812))  # not a NAS
    assert running.drops("unknown_client") == 1
    forged = bytearray(request)
    forged[30] ^= 1  # inside the Message-Authenticator
    auth.datagram_received(bytes(forged), NOBODY_LISTENS)
    assert running.drops("bad_message_authenticator") == 1
    assert counted(running, "accept") == 0
    auth.datagram_received(request, NOBODY_LISTENS)
    auth.datagram_received(request, NOBODY_LISTENS)  # a retransmission
    assert (counted(running, "accept"), counted(running, "duplicate")) == (1, 1)
    assert running.drops("internal_error") == 0


async def test_a_remembered_layout_answers_as_the_walk_does(running: Running, nas: FakeNas) -> None:
    LAYOUTS.clear()
    for _ in range(2 * LEARN_EVERY):  # learnt on the way
        reply = await nas.ask(running.auth, nas.pap("alice", world.ALICE_PASSWORD))
        assert reply is not None
        assert reply.code == Code.ACCESS_ACCEPT
        assert reply.framed_ip_address == "100.64.0.10"
    assert len(LAYOUTS) >= 1
    wrong = await nas.ask(running.auth, nas.pap("alice", world.ALICE_PASSWORD[::-1]))
    assert wrong is not None
    assert wrong.code == Code.ACCESS_REJECT
    bob = await nas.ask(running.auth, nas.pap("bob", world.BOB_PASSWORD))  # another length
    assert bob is not None
    assert bob.code == Code.ACCESS_ACCEPT
