"""The CoA sender end to end over loopback UDP: sessions from real accounting through the
RADIUS server, the policy engine recomputing replies, a minimal NAS answering CoA-ACK,
NAKs, Disconnect-ACK or nothing, the durable outbox across a restart, and the breaker."""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest_asyncio

from provisiond.config.settings import DEFAULT_COA_ON, CoaFallback, CoaSettings
from provisiond.radius.coa_requester import CoaRequester, CoaTarget
from provisiond.radius.coa_sender import CoaSender
from provisiond.radius.dictionary import load_dictionary
from provisiond.radius.digest import SharedSecret
from provisiond.radius.wire import (
    HEADER_SIZE,
    MESSAGE_AUTHENTICATOR,
    MIKROTIK_RATE_LIMIT,
    VENDOR_SPECIFIC,
    Code,
)
from provisiond.store.coa_outbox import CoaOutbox
from provisiond.store.sessions import SessionState
from tests.integration.radius.coa_nas import CoaNas, ack, mikrotik, nak, silent
from tests.unit.radius import world

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from provisiond.model.objects import Account
    from provisiond.radius.packet import Packet
    from provisiond.runtime.clock import FakeClock
    from provisiond.store import Store
    from provisiond.store.sessions import SessionRow
    from tests.integration.radius.conftest import Running
    from tests.integration.radius.nas import FakeNas

DICTIONARY = load_dictionary()
IDENTIFICATION = {1, 4, 8, 32, 44}  # User-Name, NAS-IP-Address, Framed-IP, NAS-Id, Acct-Session-Id


def attribute_types(packet: Packet) -> set[int]:
    raw, found, pos = packet.raw, set(), HEADER_SIZE
    while pos < len(raw):
        found.add(raw[pos])
        pos += raw[pos + 1]
    return found


@dataclass
class Live:
    running: Running
    accounting: FakeNas
    nas: CoaNas
    clock: FakeClock
    store: Store
    senders: list[tuple[CoaSender, CoaRequester]] = field(default_factory=list)

    def sender(self, **settings: object) -> CoaSender:
        host, port = self.nas.address
        target = CoaTarget(
            "core", host, port, SharedSecret(world.NAS_SECRET.encode()), message_authenticator=True
        )
        requester = CoaRequester(clock=self.clock, metrics=self.running.metrics)
        server = self.running.server
        sender = CoaSender(
            settings=CoaSettings(**settings),  # type: ignore[arg-type]
            targets={"core": target},
            coa_on={"core": DEFAULT_COA_ON},
            book=server.book,
            control=server.control,
            authorizer=self.running.engine,
            dictionary=DICTIONARY,
            requester=requester,
            store=self.store,
            clock=self.clock,
            metrics=self.running.metrics,
        )
        self.senders.append((sender, requester))
        return sender

    async def start(self, **settings: object) -> CoaSender:
        sender = self.sender(**settings)
        await sender.start()
        await sender.drained()
        return sender

    async def stop(self, sender: CoaSender) -> None:
        stopping = asyncio.create_task(sender.stop(1.0))
        while not stopping.done():
            await self.clock.advance(1.0)
        await stopping

    async def open_session(
        self, session_id: str = "81000001", username: str = "alice", ip: str = "100.64.0.10"
    ) -> SessionRow:
        start = self.accounting.accounting(
            "Start",
            session_id,
            username,
            ("Framed-IP-Address", ip),
            ("NAS-IP-Address", "192.0.2.1"),
            ("NAS-Identifier", "core-1"),
        )
        reply = await self.accounting.ask(self.running.acct, start)
        assert reply is not None
        assert reply.code == Code.ACCOUNTING_RESPONSE
        row = self.running.server.book.get(("core", session_id, username))
        assert row is not None
        return row

    def change(self, account: Account) -> None:
        dirty = self.running.engine.put_account(account)
        self.running.server.invalidate(dirty.usernames)

    def count(self, kind: str, result: str) -> float:
        value = self.running.metrics.registry.get_sample_value(
            "provisiond_coa_requests_total", {"kind": kind, "result": result}
        )
        return value or 0.0


@pytest_asyncio.fixture
async def live(
    start_server: Callable[..., Awaitable[Running]],
    nas: FakeNas,
    clock: FakeClock,
    store: Store,
) -> AsyncIterator[Live]:
    running = await start_server()
    async with CoaNas(world.NAS_SECRET) as coa_nas:
        made = Live(running, nas, coa_nas, clock, store)
        try:
            yield made
        finally:
            for sender, requester in made.senders:
                await made.stop(sender)
                requester.close()


async def test_a_service_change_reaches_the_session_as_one_verified_coa(live: Live) -> None:
    row = await live.open_session()
    sender = await live.start()
    live.change(dataclasses.replace(world.ALICE, service_ids=(world.CAMERA.service_ids[0],)))
    sender.account_changed(world.ALICE.id, frozenset({"service"}))
    (request,) = await live.nas.wait_for(1)
    assert live.nas.unverified == 0  # Request Authenticator and Message-Authenticator hold
    assert request.code == Code.COA_REQUEST
    assert request.user_name == b"alice"
    assert request.acct_session_id == "81000001"
    assert request.framed_ip_address == "100.64.0.10"
    assert request.nas_ip_address == "192.0.2.1"
    assert request.nas_identifier == "core-1"
    assert mikrotik(request, MIKROTIK_RATE_LIMIT) == "512k/1500k"
    assert MESSAGE_AUTHENTICATOR in attribute_types(request)
    assert 85 not in attribute_types(request)  # Acct-Interim-Interval is not live

    await sender.drained()
    stored = await live.running.server.sessions.get(row.id)
    assert stored is not None
    assert stored.last_applied is not None
    assert ("Mikrotik-Rate-Limit", "512k/1500k") in stored.last_applied
    assert stored.last_coa == {"at": "2026-01-01T00:00:00Z", "result": "ack", "error_cause": None}
    assert live.count("coa", "ack") == 1


async def test_a_nak_503_closes_the_session_locally(live: Live) -> None:
    live.nas.answer = nak(503)
    row = await live.open_session()
    sender = await live.start()
    live.change(dataclasses.replace(world.ALICE, service_ids=(2,)))
    sender.account_changed(world.ALICE.id, frozenset({"service"}))
    await live.nas.wait_for(1)
    await sender.drained()
    assert live.running.server.book.by_id(row.id) is None
    stored = await live.running.server.sessions.get(row.id)
    assert stored is not None
    assert stored.state is SessionState.CLOSED
    assert stored.terminate_cause == "Stale"
    assert stored.last_coa is not None
    assert (stored.last_coa["result"], stored.last_coa["error_cause"]) == ("nak", 503)
    assert len(live.nas.requests) == 1  # no fallback for 503
    assert live.running.engine.session_addresses() == []  # its address left at once


async def test_a_nak_401_falls_back_to_a_disconnect_at_once(live: Live) -> None:
    live.nas.answer = lambda packet: (
        nak(401)(packet) if packet.code == Code.COA_REQUEST else ack(packet)
    )
    await live.open_session()
    sender = await live.start()
    live.change(dataclasses.replace(world.ALICE, service_ids=(2,)))
    sender.account_changed(world.ALICE.id, frozenset({"service"}))
    coa, disconnect = await live.nas.wait_for(2)
    assert coa.code == Code.COA_REQUEST
    assert disconnect.code == Code.DISCONNECT_REQUEST
    assert attribute_types(disconnect) - {MESSAGE_AUTHENTICATOR} == IDENTIFICATION
    assert VENDOR_SPECIFIC not in attribute_types(disconnect)
    await sender.drained()
    assert live.count("coa", "nak") == 1
    assert live.count("disconnect", "ack") == 1


async def test_a_nak_with_fallback_none_is_only_recorded(live: Live) -> None:
    live.nas.answer = nak(405)
    await live.open_session()
    sender = await live.start(fallback=CoaFallback.NONE)
    live.change(dataclasses.replace(world.ALICE, service_ids=(2,)))
    sender.account_changed(world.ALICE.id, frozenset({"service"}))
    await live.nas.wait_for(1)
    await sender.drained()
    assert len(live.nas.requests) == 1
    assert live.count("coa", "nak") == 1


async def test_a_rejected_account_gets_a_disconnect_and_ends_with_its_stop(live: Live) -> None:
    row = await live.open_session()
    sender = await live.start()
    live.change(dataclasses.replace(world.ALICE, status_id=2))  # does not activate
    sender.account_changed(world.ALICE.id, frozenset({"status"}))
    (request,) = await live.nas.wait_for(1)
    assert request.code == Code.DISCONNECT_REQUEST
    await sender.drained()
    open_row = live.running.server.book.by_id(row.id)
    assert open_row is not None  # a Disconnect-ACK does not close it: the Stop does
    assert open_row.last_coa is not None
    assert open_row.last_coa["result"] == "ack"
    stop = live.accounting.accounting(
        "Stop", "81000001", "alice", ("Acct-Terminate-Cause", "Admin-Reset")
    )
    assert await live.accounting.ask(live.running.acct, stop) is not None
    assert live.running.server.book.by_id(row.id) is None


async def test_silence_is_retried_then_falls_back(live: Live, clock: FakeClock) -> None:
    live.nas.answer = lambda packet: None if packet.code == Code.COA_REQUEST else ack(packet)
    await live.open_session()
    sender = await live.start(timeout=2.0, retries=2)
    live.change(dataclasses.replace(world.ALICE, service_ids=(2,)))
    sender.account_changed(world.ALICE.id, frozenset({"service"}))
    for attempt in (1, 2, 3):
        await live.nas.wait_for(attempt)
        await clock.advance(2.0)
    requests = await live.nas.wait_for(4)
    assert [r.code for r in requests] == [Code.COA_REQUEST] * 3 + [Code.DISCONNECT_REQUEST]
    assert live.nas.raw[0] == live.nas.raw[1] == live.nas.raw[2]
    await sender.drained()
    assert live.count("coa", "timeout") == 1
    assert live.count("disconnect", "ack") == 1


async def test_pending_coa_survives_a_restart(
    live: Live, start_server: Callable[..., Awaitable[Running]]
) -> None:
    live.nas.answer = silent
    row = await live.open_session()
    sender = await live.start()
    live.change(dataclasses.replace(world.ALICE, service_ids=(2,)))
    sender.account_changed(world.ALICE.id, frozenset({"service"}))
    await live.nas.wait_for(1)
    await live.stop(sender)  # the request is unanswered
    (pending,) = await CoaOutbox(live.store).load()
    assert pending.session_id == row.id

    engine = live.running.engine
    await live.running.server.stop()
    live.running = await start_server(engine=engine)  # the daemon comes back
    live.nas.answer = ack
    restarted = await live.start()
    await restarted.drained()
    resent = live.nas.requests[-1]
    assert resent.code == Code.COA_REQUEST
    assert mikrotik(resent, MIKROTIK_RATE_LIMIT) == "512k/1500k"
    assert await CoaOutbox(live.store).load() == []
    stored = await live.running.server.sessions.get(row.id)
    assert stored is not None
    assert stored.last_applied is not None
    assert ("Mikrotik-Rate-Limit", "512k/1500k") in stored.last_applied


async def test_a_flood_of_disconnects_is_held_while_coas_go(live: Live) -> None:
    rows = [await live.open_session(f"8100000{n}", ip=f"100.64.2.{n}") for n in range(1, 6)]
    await live.open_session("82000001", "bob", "100.64.3.1")
    sender = await live.start(max_disconnect_fraction=0.0, max_disconnect_min=2)
    live.change(dataclasses.replace(world.ALICE, status_id=2))
    sender.account_changed(world.ALICE.id, frozenset({"status"}))
    await live.nas.wait_for(2)
    await sender.drained()
    live.change(dataclasses.replace(world.BOB, service_ids=(1,)))
    sender.account_changed(world.BOB.id, frozenset({"service"}))
    await live.nas.wait_for(3)
    await sender.drained()

    codes = [request.code for request in live.nas.requests]
    assert codes == [Code.DISCONNECT_REQUEST] * 2 + [Code.COA_REQUEST]
    held = sender.held()
    assert len(held) == 3
    assert {item["session_id"] for item in held} < {row.id for row in rows}
    assert all(item["username"] == "alice" and item["nas"] == "core" for item in held)
    stored = await CoaOutbox(live.store).load()
    assert sum(row.held for row in stored) == 3

    assert await sender.approve() == 3
    await live.nas.wait_for(6)
    await sender.drained()
    assert [r.code for r in live.nas.requests[3:]] == [Code.DISCONNECT_REQUEST] * 3
    assert sender.held() == []
    assert live.count("disconnect", "held") == 3
    assert live.count("disconnect", "ack") == 5
