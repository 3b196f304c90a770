"""CoA burst: many live sessions change rate at once (a month rollover lifting every
over-cap throttle, a definition edit), and each gets a verified CoA-Request.

The sender runs as in the daemon: the durable outbox on a real SQLite store (one row per
session written before its request goes out), at most one request per session and a
bounded number in flight, replies verified, outcomes recorded. The NAS is the lab's
simulator on loopback, applying each CoA to its session like a MikroTik. Only the
session book is driven directly (no accounting writer), since the figure is the CoA path.

Figures (`.venv/bin/python -m bench coa`; BENCH_COA_SESSIONS, default 5,000):
- `coa_burst_queue_ms`: the event-loop time to queue the whole burst (`account_changed`
  per account): what the change handler costs the daemon;
- `coa_burst_seconds`: from the first change to the last ACK recorded;
- `coa_burst_per_s`: sessions brought in line per second.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import tempfile
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bench import Figure
from provisiond.config.settings import CoaSettings
from provisiond.lab.nas import NasSimulator
from provisiond.lab.nas_state import NasSession
from provisiond.model.objects import RadiusAccount
from provisiond.observability.metrics import Metrics
from provisiond.policy.auth import Accept, Reject
from provisiond.radius.coa_requester import CoaRequester, CoaTarget
from provisiond.radius.coa_sender import CoaSender
from provisiond.radius.dictionary import load_dictionary
from provisiond.radius.digest import SharedSecret
from provisiond.radius.session_book import SessionBook
from provisiond.runtime.clock import SystemClock
from provisiond.store import Store
from provisiond.store.sessions import SessionRow

if TYPE_CHECKING:
    from collections.abc import Iterable

    from provisiond.radius.session_book import Control
    from provisiond.store.sessions import Pairs

SECRET = "bench-coa-secret"  # noqa: S105 - a loopback bench's secret
SLOW: Pairs = (("Mikrotik-Rate-Limit", "2M/2M"),)
FULL: Pairs = (("Mikrotik-Rate-Limit", "20M/100M"),)
STARTED = datetime(2026, 11, 1, tzinfo=UTC)


class Answers:
    """The authorizer: each user's current reply (what the policy engine would say)."""

    def __init__(self) -> None:
        self.pairs: dict[str, Pairs] = {}

    def authorize(self, username: str, nas: str) -> Accept | Reject:
        del nas
        return Accept(0, RadiusAccount(username), self.pairs[username])


def _sessions(count: int) -> list[SessionRow]:
    first = ipaddress.IPv4Address("100.64.0.1")
    return [
        SessionRow(
            id=n,
            nas="core",
            acct_session_id=f"{n:08x}",
            username=f"user{n}",
            account_id=n,
            started_at=STARTED,
            updated_at=STARTED,
            framed_ip=str(first + n),
            nas_ip_address="127.0.0.1",  # as the simulator's accounting reports it
            last_applied=SLOW,
        )
        for n in range(1, count + 1)
    ]


async def _burst(count: int) -> tuple[float, float]:
    clock = SystemClock()
    metrics = Metrics()
    book, answers = SessionBook(), Answers()
    rows = _sessions(count)
    book.load(rows, count)
    answers.pairs = {row.username: SLOW for row in rows}

    async def control(event: Control) -> int:
        return book.apply([event], {}).closed

    with tempfile.TemporaryDirectory() as folder:
        store = await Store.open(f"sqlite:///{folder}/bench.db", clock=clock)
        requester = CoaRequester(clock=clock, metrics=metrics)
        try:
            async with NasSimulator(secret=SECRET) as nas:
                for row in rows:  # the NAS has the sessions the book has
                    nas.sessions.start(
                        NasSession(
                            acct_session_id=row.acct_session_id,
                            username=row.username,
                            framed_ip=row.framed_ip,
                            attributes=dict(SLOW),
                        )
                    )
                host, port = nas.address
                sender = CoaSender(
                    settings=CoaSettings(),
                    targets={"core": CoaTarget("core", host, port, SharedSecret(SECRET.encode()))},
                    coa_on={"core": frozenset({"usage"})},
                    book=book,
                    control=control,
                    authorizer=answers,
                    dictionary=load_dictionary(),
                    requester=requester,
                    store=store,
                    clock=clock,
                    metrics=metrics,
                )
                await sender.start()
                await sender.drained()
                answers.pairs = {row.username: FULL for row in rows}
                began = time.perf_counter()
                for row in rows:
                    sender.account_changed(row.account_id or 0, frozenset({"usage"}))
                queued = time.perf_counter()
                await sender.drained()
                done = time.perf_counter()
                await sender.stop(1.0)
                applied = sum(1 for row in rows if _rate(nas, row) == "20M/100M")
                if applied != count:
                    raise RuntimeError(f"only {applied} of {count} sessions got the new rate")
        finally:
            requester.close()
            await store.close()
    return (queued - began) * 1000, done - began


def _rate(nas: NasSimulator, row: SessionRow) -> str | None:
    session = nas.session(row.acct_session_id)
    return None if session is None else session.rate_limit


def run() -> Iterable[Figure]:
    count = int(os.environ.get("BENCH_COA_SESSIONS", "5000"))
    queue_ms, seconds = asyncio.run(_burst(count))
    yield Figure("coa_burst_queue_ms", queue_ms, "ms", note=f"{count} sessions")
    yield Figure("coa_burst_seconds", seconds, "s", note=f"{count} sessions")
    yield Figure("coa_burst_per_s", count / seconds, "1/s")
