"""`CoaQueue`: coalescing, one request in flight per session, follow-ups, holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from provisiond.radius.coa_queue import DONE, CoaQueue, Held, Retry, Settlement, Step
from provisiond.store.coa_outbox import OutboxAction, OutboxRow, coalesce

T0 = datetime(2026, 5, 1, tzinfo=UTC)
COA, DISCONNECT = OutboxAction.COA, OutboxAction.DISCONNECT


def work(session_id: int, action: OutboxAction = COA, *reasons: str, minute: int = 0) -> OutboxRow:
    return OutboxRow(
        session_id,
        account_id=7,
        action=action,
        reasons=frozenset(reasons or ("service",)),
        queued_at=T0 + timedelta(minutes=minute),
    )


def run(
    queue: CoaQueue,
    *,
    intake: tuple[OutboxRow, ...] = (),
    settled: tuple[tuple[int, Settlement], ...] = (),
    release: bool = False,
    free: int = 64,
    now: float = 0.0,
) -> Step:
    step = queue.plan(intake=intake, settled=settled, release=release, free=free, now=now)
    queue.commit(step)
    return step


def test_new_work_is_written_then_started_with_an_attempt() -> None:
    queue = CoaQueue()
    step = run(queue, intake=(work(1), work(2)))
    assert step.batch.upsert == [work(1), work(2)]
    assert step.started == [1, 2]
    assert step.batch.attempted == {1, 2}
    assert queue.in_flight == {1, 2}
    assert queue.entries[1].row.attempts == 1


def test_planning_changes_nothing_until_committed() -> None:
    queue = CoaQueue()
    queue.plan(intake=(work(1),), settled=(), release=False, free=1, now=0.0)
    assert not queue.entries
    assert not queue.in_flight


def test_concurrency_is_bounded_and_the_rest_wait_their_turn_in_order() -> None:
    queue = CoaQueue()
    step = run(queue, intake=tuple(work(n) for n in range(1, 6)), free=2)
    assert step.started == [1, 2]
    step = run(queue, settled=((1, DONE),), free=1)
    assert step.started == [3]
    assert step.batch.delete == {1}


def test_work_arriving_in_flight_becomes_one_follow_up() -> None:
    queue = CoaQueue()
    run(queue, intake=(work(1, COA, "service"),))
    step = run(queue, intake=(work(1, COA, "status", minute=1), work(1, COA, "usage", minute=2)))
    assert not step.started  # one request per session at a time
    assert step.batch.upsert  # durable at once, coalesced into the stored row
    entry = queue.entries[1]
    assert entry.row.reasons == {"service", "status", "usage"}
    assert entry.follow_up is not None
    assert entry.follow_up.reasons == {"status", "usage"}

    step = run(queue, settled=((1, DONE),))
    assert step.batch.put == [work(1, COA, "status", "usage", minute=1)]
    assert step.started == [1]  # the follow-up goes next, once
    assert queue.entries[1].row.reasons == {"status", "usage"}
    assert queue.entries[1].follow_up is None


def test_finished_work_without_follow_up_leaves_the_outbox() -> None:
    queue = CoaQueue()
    run(queue, intake=(work(1),))
    step = run(queue, settled=((1, DONE),))
    assert step.batch.delete == {1}
    assert not queue.entries
    assert not queue.in_flight


def test_a_disconnect_wins_over_a_coa() -> None:
    queue = CoaQueue()
    run(queue, intake=(work(1, COA, "service"), work(2)), free=1)  # 2 waits
    run(queue, intake=(work(2, DISCONNECT, "deleted"),), free=0)
    assert queue.entries[2].row.action is DISCONNECT
    assert queue.entries[2].row.reasons == {"service", "deleted"}


def test_a_held_disconnect_waits_for_approval_then_bypasses_the_breaker() -> None:
    queue = CoaQueue()
    run(queue, intake=(work(1),))
    step = run(queue, settled=((1, Held(COA)),))
    assert step.batch.put[0].held
    assert not step.started
    assert queue.held_count == 1
    assert [row.session_id for row in queue.held()] == [1]
    assert not queue.has_due(0.0)

    run(queue, intake=(work(1, COA, "groups"),))  # more work joins the held row
    assert queue.entries[1].row.held
    assert queue.entries[1].row.reasons == {"service", "groups"}

    step = run(queue, release=True)
    assert step.released == 1
    assert step.batch.release == {1}
    assert step.started == [1]
    assert queue.entries[1].bypass
    assert queue.held_count == 0


def test_a_fallback_held_is_a_disconnect_when_approved() -> None:
    queue = CoaQueue()
    run(queue, intake=(work(1),))
    run(queue, settled=((1, Held(DISCONNECT)),))
    assert queue.entries[1].row.action is DISCONNECT


def test_a_retry_waits_until_due() -> None:
    queue = CoaQueue()
    run(queue, intake=(work(1),))
    step = run(queue, settled=((1, Retry(30.0)),), now=1.0)
    assert not step.started
    assert not step.batch  # the stored row is already right
    assert queue.next_due(1.0) == 30.0
    assert not run(queue, now=29.0).started
    assert run(queue, now=30.0).started == [1]


def test_new_work_does_not_wait_for_a_retry() -> None:
    queue = CoaQueue()
    run(queue, intake=(work(1),))
    run(queue, settled=((1, Retry(30.0)),), now=1.0)
    assert run(queue, intake=(work(1, COA, "status"),), now=2.0).started == [1]


def test_settling_and_new_work_in_one_pass_keep_the_new_work() -> None:
    queue = CoaQueue()
    run(queue, intake=(work(1),))
    step = run(queue, settled=((1, DONE),), intake=(work(1, COA, "status", minute=3),))
    assert step.batch.delete == {1}
    assert step.batch.upsert == [work(1, COA, "status", minute=3)]  # runs after the delete
    assert queue.entries[1].row.reasons == {"status"}
    assert step.started == [1]


def test_load_makes_stored_work_due_and_held_work_held() -> None:
    queue = CoaQueue()
    held = OutboxRow(2, 7, DISCONNECT, frozenset({"deleted"}), T0, attempts=1, held=True)
    queue.load([work(1), held])
    assert queue.held_count == 1
    assert queue.has_due(0.0)
    assert run(queue).started == [1]


actions = st.sampled_from((COA, DISCONNECT))
reasons = st.sampled_from(("status", "service", "usage", "deleted"))
arrivals = st.lists(
    st.tuples(st.integers(1, 3), actions, reasons, st.booleans()), min_size=1, max_size=30
)


@given(arrivals)
def test_memory_mirrors_the_outbox(events: list[tuple[int, OutboxAction, str, bool]]) -> None:
    """Replaying every batch on a dict that behaves as the table ends where memory is,
    and a session is never started twice at once."""
    queue, table = CoaQueue(), {}
    for session_id, action, reason, finish in events:
        settled = tuple((sid, DONE) for sid in sorted(queue.in_flight)) if finish else ()
        free = 2 - (len(queue.in_flight) - len(settled))  # the worker's bound
        step = run(queue, intake=(work(session_id, action, reason),), settled=settled, free=free)
        for row in step.batch.put:
            table[row.session_id] = row
        for sid in step.batch.delete:
            table.pop(sid, None)
        for row in step.batch.upsert:
            stored = table.get(row.session_id)
            table[row.session_id] = row if stored is None else coalesce(stored, row)
        for sid in step.batch.attempted:
            stored = table[sid]
            table[sid] = OutboxRow(
                sid,
                stored.account_id,
                stored.action,
                stored.reasons,
                stored.queued_at,
                stored.attempts + 1,
                stored.held,
            )
        assert len(set(step.started)) == len(step.started)
        assert not set(step.started) & (queue.in_flight - set(step.started))
        assert {sid: entry.row for sid, entry in queue.entries.items()} == table
        assert len(queue.in_flight) <= 2
