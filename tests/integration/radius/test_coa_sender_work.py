"""`CoaSender`'s work handling with a scripted NAS: which sessions hear of a change, one
request in flight per session, coalescing, bounded concurrency, the outbox, the breaker,
retries and the re-check at start."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

from provisiond.config.settings import CoaSettings
from provisiond.policy.auth import Reject, RejectReason
from provisiond.radius.coa_breaker import WINDOW
from provisiond.radius.coa_worker import RETRY_DELAY
from provisiond.radius.wire import MIKROTIK_RATE_LIMIT, Code
from provisiond.store.coa_outbox import CoaOutbox, OutboxAction, OutboxRow
from tests.integration.radius.coa_nas import mikrotik
from tests.integration.radius.coa_rig import T0, Rig, rated, session

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from provisiond.radius.coa_sender import CoaSender
    from provisiond.runtime.clock import FakeClock
    from provisiond.status.context import CoaControl
    from provisiond.store import Store

INACTIVE = Reject(RejectReason.INACTIVE)


async def alice_rated(rig: Rig, rate: str) -> CoaSender:
    """Alice's session (1, account 7) open under a started sender, then her service
    changes to `rate`: the sender has been told, and the CoA is on its way."""
    rig.load(session(1, account_id=7))
    sender = rig.sender()
    await rig.start(sender)
    rig.policy.set("alice", rated(rate))
    sender.account_changed(7, frozenset({"service"}))
    return sender


async def one_disconnect_held(rig: Rig, *, users: int) -> CoaSender:
    """`users` users with a session each under a started sender whose breaker lets one
    Disconnect through (the NAS ACKs everything); users 1 and 2 go inactive, so one of
    their Disconnects is sent and the other held."""
    rig.load(*(session(n, account_id=n, username=f"user{n}") for n in range(1, users + 1)))
    rig.nas.auto_ack = True
    sender = rig.sender(max_disconnect_fraction=0.0, max_disconnect_min=1)
    await rig.start(sender)
    for n in (1, 2):
        rig.policy.set(f"user{n}", INACTIVE)
        sender.account_changed(n, frozenset({"status"}))
    await sender.drained()
    return sender


@pytest_asyncio.fixture
async def rig(store: Store, clock: FakeClock) -> AsyncIterator[Rig]:
    made = Rig(store, clock)
    try:
        yield made
    finally:
        for call in made.nas.pending():
            call.answer.cancel()
        for sender in made.senders:
            await made.stop(sender)


async def test_a_change_sends_one_coa_after_its_row_is_written(rig: Rig) -> None:
    sender = await alice_rated(rig, "512k/1500k")
    (call,) = await rig.nas.wait_for(1)
    stored = await CoaOutbox(rig.store).load()
    assert [(row.session_id, row.reasons, row.attempts) for row in stored] == [
        (1, frozenset({"service"}), 1)
    ]
    assert call.code == Code.COA_REQUEST
    assert mikrotik(call.request, MIKROTIK_RATE_LIMIT) == "512k/1500k"
    assert sender.in_flight == 1
    call.ack()
    await sender.drained()
    row = rig.book.by_id(1)
    assert row is not None
    assert row.last_applied == rated("512k/1500k")
    assert row.last_coa == {"at": "2026-01-01T00:00:00Z", "result": "ack", "error_cause": None}
    assert await CoaOutbox(rig.store).load() == []
    assert sender.depth == 0
    assert rig.count("coa", "ack") == 1


async def test_only_nas_whose_coa_on_names_the_change_hear_of_it(rig: Rig) -> None:
    rig.load(session(1, account_id=7, nas="core"), session(2, account_id=7, nas="edge"))
    rig.nas.auto_ack = True
    sender = rig.sender(
        coa_on={"core": frozenset({"status"}), "edge": frozenset({"service", "usage"})}
    )
    await rig.start(sender)
    rig.policy.set("alice", rated("1M/1M"))
    sender.account_changed(7, frozenset({"usage", "groups"}))
    await sender.drained()
    assert [call.target.nas for call in rig.nas.calls] == ["edge"]
    sender.account_changed(7, frozenset({"delinquency"}))
    await sender.drained()
    assert len(rig.nas.calls) == 1


@pytest.mark.parametrize("reason", ["credentials", "deleted"])
async def test_forced_reasons_disconnect_every_session_whatever_coa_on_says(
    rig: Rig, reason: str
) -> None:
    rig.load(session(1, account_id=7), session(2, account_id=7, nas="edge"))
    rig.nas.auto_ack = True
    sender = rig.sender(coa_on={})
    await rig.start(sender)
    sender.account_changed(7, frozenset({reason, "status"}))
    await sender.drained()
    assert sorted(call.target.nas for call in rig.nas.calls) == ["core", "edge"]
    assert {call.code for call in rig.nas.calls} == {Code.DISCONNECT_REQUEST}
    assert all(mikrotik(call.request, MIKROTIK_RATE_LIMIT) is None for call in rig.nas.calls)
    assert rig.book.by_id(1) is not None  # it ends with its accounting Stop


def test_an_unknown_reason_is_refused(rig: Rig) -> None:
    sender = rig.sender()
    with pytest.raises(ValueError, match="unknown CoA reasons \\['password'\\]"):
        sender.account_changed(7, frozenset({"password"}))


async def test_changes_in_flight_coalesce_into_one_recomputed_follow_up(rig: Rig) -> None:
    sender = await alice_rated(rig, "2M/2M")
    (first,) = await rig.nas.wait_for(1)
    for rate, reason in (("3M/3M", "status"), ("4M/4M", "usage"), ("5M/5M", "groups")):
        rig.policy.set("alice", rated(rate))
        sender.account_changed(7, frozenset({reason}))
        await asyncio.sleep(0.01)
    assert len(rig.nas.calls) == 1  # one request per session at a time
    (row,) = await CoaOutbox(rig.store).load()
    assert row.reasons == {"service", "status", "usage", "groups"}  # durable meanwhile
    first.ack()
    (_, follow_up) = await rig.nas.wait_for(2)
    assert mikrotik(follow_up.request, MIKROTIK_RATE_LIMIT) == "5M/5M"  # the policy now
    (row,) = await CoaOutbox(rig.store).load()
    assert row.reasons == {"status", "usage", "groups"}
    follow_up.ack()
    await sender.drained()
    assert len(rig.nas.calls) == 2


async def test_a_burst_is_spread_over_a_bounded_number_in_flight(rig: Rig) -> None:
    rows = [session(n, account_id=n, username=f"user{n}") for n in range(1, 8)]
    rig.load(*rows)
    sender = rig.sender(max_in_flight=3)
    await rig.start(sender)
    for row in rows:
        rig.policy.set(row.username, rated("9M/9M"))
        sender.account_changed(row.account_id or 0, frozenset({"usage"}))
    await rig.nas.wait_for(3)
    await asyncio.sleep(0.01)
    assert len(rig.nas.pending()) == 3
    assert sender.depth == 7
    while len(rig.nas.calls) < 7:
        rig.nas.pending()[0].ack()
        await rig.nas.wait_for(len(rig.nas.calls) + 1)
        assert len(rig.nas.pending()) <= 3
    for call in rig.nas.pending():
        call.ack()
    await sender.drained()
    assert sender.depth == 0


async def test_nothing_is_sent_when_the_reply_did_not_change(rig: Rig) -> None:
    rig.load(session(1, account_id=7))
    sender = rig.sender()
    await rig.start(sender)
    sender.account_changed(7, frozenset({"groups"}))
    await sender.drained()
    assert rig.nas.calls == []
    assert await CoaOutbox(rig.store).load() == []


async def test_the_breaker_holds_disconnects_and_lets_coas_through(rig: Rig) -> None:
    doomed = [session(n, account_id=n, username=f"user{n}") for n in range(1, 5)]
    rig.load(*doomed, session(9, account_id=9, username="bob"))
    rig.nas.auto_ack = True
    sender = rig.sender(max_disconnect_fraction=0.0, max_disconnect_min=2)
    await rig.start(sender)
    for row in doomed:
        rig.policy.set(row.username, INACTIVE)
        sender.account_changed(row.account_id or 0, frozenset({"status"}))
    await sender.drained()
    rig.policy.set("bob", rated("7M/7M"))
    sender.account_changed(9, frozenset({"service"}))
    await sender.drained()

    codes = [call.code for call in rig.nas.calls]
    assert codes.count(Code.DISCONNECT_REQUEST) == 2
    assert codes.count(Code.COA_REQUEST) == 1
    held = sender.held()
    assert [item["session_id"] for item in held] == [3, 4]
    assert held[0] == {
        "session_id": 3,
        "account_id": 3,
        "username": "user3",
        "nas": "core",
        "queued_at": "2026-01-01T00:00:00Z",
        "reasons": ["status"],
    }
    held_row = rig.book.by_id(3)
    assert held_row is not None
    assert held_row.last_coa is not None
    assert held_row.last_coa["result"] == "held"
    assert rig.count("disconnect", "held") == 2
    assert rig.metrics.registry.get_sample_value("provisiond_coa_held") == 2

    assert await sender.approve() == 2
    await sender.drained()
    assert [call.code for call in rig.nas.calls].count(Code.DISCONNECT_REQUEST) == 4
    assert sender.held() == []
    assert await sender.approve() == 0


async def test_approval_recomputes_so_an_account_fixed_meanwhile_keeps_its_session(
    rig: Rig,
) -> None:
    sender = await one_disconnect_held(rig, users=2)
    assert len(sender.held()) == 1
    rig.policy.set("user2", rated("20M/100M"))  # the mistake is undone
    assert await sender.approve() == 1
    await sender.drained()
    assert len(rig.nas.calls) == 1


async def test_the_window_lets_disconnects_go_again(rig: Rig, clock: FakeClock) -> None:
    sender = await one_disconnect_held(rig, users=3)
    await clock.advance(WINDOW)
    rig.policy.set("user3", INACTIVE)
    sender.account_changed(3, frozenset({"status"}))
    await sender.drained()
    assert [call.code for call in rig.nas.calls] == [Code.DISCONNECT_REQUEST] * 2
    assert len(sender.held()) == 1  # held stays held until approved


async def test_an_admin_disconnect_is_never_held(rig: Rig) -> None:
    rig.load(session(1, account_id=1), session(2, account_id=2, username="bob"))
    rig.nas.auto_ack = True
    sender = rig.sender(max_disconnect_fraction=0.0, max_disconnect_min=0)
    await rig.start(sender)
    assert await sender.disconnect_session(2)
    await sender.drained()
    assert [call.code for call in rig.nas.calls] == [Code.DISCONNECT_REQUEST]
    assert rig.nas.calls[0].request.user_name == b"bob"
    assert not await sender.disconnect_session(99)


async def test_a_disconnected_session_is_sent_nothing_more(rig: Rig) -> None:
    rig.load(session(1, account_id=7))
    rig.nas.auto_ack = True
    sender = rig.sender()
    await rig.start(sender)
    sender.disconnect_account(7, "scheduled")
    await sender.drained()
    rig.policy.set("alice", rated("1M/1M"))
    sender.account_changed(7, frozenset({"service"}))
    await sender.drained()
    assert [call.code for call in rig.nas.calls] == [Code.DISCONNECT_REQUEST]


async def test_an_outcome_that_cannot_be_recorded_is_retried(rig: Rig, clock: FakeClock) -> None:
    rig.nas.auto_ack = True
    rig.failing_controls = 1
    sender = await alice_rated(rig, "1M/1M")
    await rig.nas.wait_for(1)
    await sender.drained()
    assert len(await CoaOutbox(rig.store).load()) == 1  # kept: the ACK was not recorded
    await clock.advance(RETRY_DELAY)
    await rig.nas.wait_for(2)
    await sender.drained()
    row = rig.book.by_id(1)
    assert row is not None
    assert row.last_applied == rated("1M/1M")
    assert await CoaOutbox(rig.store).load() == []


async def test_start_sends_stored_work_and_drops_rows_of_closed_sessions(rig: Rig) -> None:
    rig.load(session(1, account_id=7))
    rig.policy.set("alice", rated("6M/6M"))
    await CoaOutbox(rig.store).upsert(
        [
            OutboxRow(1, 7, OutboxAction.COA, frozenset({"service"}), T0),
            OutboxRow(99, 8, OutboxAction.DISCONNECT, frozenset({"deleted"}), T0),
        ]
    )
    rig.nas.auto_ack = True
    sender = rig.sender(coa_on={})  # no re-check: only the stored work goes
    await sender.start()
    await sender.drained()
    assert [mikrotik(call.request, MIKROTIK_RATE_LIMIT) for call in rig.nas.calls] == ["6M/6M"]
    assert await CoaOutbox(rig.store).load() == []


async def test_start_rechecks_sessions_whose_reply_changed_while_down(rig: Rig) -> None:
    rig.load(
        session(1, account_id=7),
        session(2, account_id=8, username="bob"),
        session(3, account_id=9, username="carol", applied=None),
    )
    rig.policy.set("alice", rated("8M/8M"))  # changed while the daemon was down
    rig.policy.set("carol", rated("8M/8M"))  # never recorded: not re-checked
    rig.nas.auto_ack = True
    sender = rig.sender()
    await sender.start()
    await sender.drained()
    assert [call.request.user_name for call in rig.nas.calls] == [b"alice"]


async def test_a_session_on_a_nas_without_coa_records_an_error(rig: Rig) -> None:
    rig.load(session(1, account_id=7, nas="far"))
    sender = rig.sender()
    await rig.start(sender)
    sender.account_changed(7, frozenset({"deleted"}))  # no target: not even queued
    await sender.drained()
    assert await sender.disconnect_session(1)  # an admin's request is recorded, though
    await sender.drained()
    assert rig.nas.calls == []
    row = rig.book.by_id(1)
    assert row is not None
    assert row.last_coa is not None
    assert row.last_coa["result"] == "error"
    assert rig.count("disconnect", "error") == 1


async def test_a_reply_that_cannot_be_encoded_is_an_error_not_a_disconnect(rig: Rig) -> None:
    rig.load(session(1, account_id=7))
    sender = rig.sender()
    await rig.start(sender)
    rig.policy.set("alice", (*rated("1M/1M"), ("Session-Timeout", "soon")))
    sender.account_changed(7, frozenset({"groups"}))
    await sender.drained()
    assert rig.nas.calls == []
    assert rig.count("coa", "error") == 1
    assert await CoaOutbox(rig.store).load() == []


async def test_a_reload_changes_who_hears_of_what(rig: Rig) -> None:
    rig.load(session(1, account_id=7))
    rig.nas.auto_ack = True
    sender = rig.sender(coa_on={"core": frozenset({"status"})})
    await rig.start(sender)
    rig.policy.set("alice", rated("3M/3M"))
    sender.account_changed(7, frozenset({"usage"}))
    await sender.drained()
    assert rig.nas.calls == []
    targets = {"core": rig.nas_target("core")}
    sender.update(CoaSettings(), targets, {"core": frozenset({"usage"})})
    sender.account_changed(7, frozenset({"usage"}))
    await sender.drained()
    assert len(rig.nas.calls) == 1


def test_the_api_can_steer_it(rig: Rig) -> None:
    control: CoaControl = rig.sender()  # the status endpoint's seam, checked by mypy
    assert control.held() == []
