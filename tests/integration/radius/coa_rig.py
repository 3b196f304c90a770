"""A `CoaSender` over a real store, with a scripted NAS behind a fake requester, a policy
answering from a dict and a session book written through a `control` like the RADIUS
server's: the sender's logic without sockets (the UDP path is test_coa_sender.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from provisiond.config.settings import CoaSettings
from provisiond.model.objects import RadiusAccount
from provisiond.observability.metrics import Metrics
from provisiond.policy.auth import Accept, Reject
from provisiond.radius.coa_requester import CoaAnswer, CoaTarget, CoaTimeout
from provisiond.radius.coa_sender import CoaSender
from provisiond.radius.dictionary import load_dictionary
from provisiond.radius.digest import SharedSecret
from provisiond.radius.errors import RadiusError
from provisiond.radius.packet import parse
from provisiond.radius.reply import build_reply
from provisiond.radius.request import build_request
from provisiond.radius.session_book import SessionBook
from provisiond.radius.wire import ERROR_CAUSE, Code, encode_attribute
from provisiond.store.sessions import SessionRow

if TYPE_CHECKING:
    from provisiond.radius.packet import Packet
    from provisiond.radius.session_book import Control
    from provisiond.runtime.clock import FakeClock
    from provisiond.store import Store
    from provisiond.store.sessions import Pairs

SECRET = SharedSecret(b"nas-secret")
T0 = datetime(2026, 1, 1, tzinfo=UTC)
FAST: Pairs = (
    ("Framed-IP-Address", "100.64.0.10"),
    ("Acct-Interim-Interval", "300"),
    ("Mikrotik-Rate-Limit", "20M/100M"),
)
DICTIONARY = load_dictionary()


def rated(rate: str) -> Pairs:
    return (*FAST[:2], ("Mikrotik-Rate-Limit", rate))


def session(
    session_id: int,
    account_id: int,
    *,
    nas: str = "core",
    username: str = "alice",
    applied: Pairs | None = FAST,
) -> SessionRow:
    return SessionRow(
        id=session_id,
        nas=nas,
        acct_session_id=f"8100{session_id:04d}",
        username=username,
        account_id=account_id,
        started_at=T0,
        updated_at=T0,
        framed_ip=f"100.64.1.{session_id}",
        nas_ip_address="192.0.2.1",
        last_applied=applied,
    )


@dataclass
class Call:
    target: CoaTarget
    request: Packet
    answer: asyncio.Future[CoaAnswer]

    @property
    def code(self) -> int:
        return self.request.code

    def reply(self, code: int, cause: int | None = None) -> None:
        attributes = b"" if cause is None else encode_attribute(ERROR_CAUSE, cause.to_bytes(4))
        reply = parse(build_reply(self.request, code, SECRET, attributes))
        self.answer.set_result(CoaAnswer(code, cause, reply))

    def ack(self) -> None:
        self.reply(Code.COA_ACK if self.code == Code.COA_REQUEST else Code.DISCONNECT_ACK)


@dataclass
class ScriptedNas:
    """The `send` of a requester: every request waits for the test to answer it, unless
    `auto_ack`."""

    calls: list[Call] = field(default_factory=list)
    auto_ack: bool = False
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(
        self,
        target: CoaTarget,
        code: int,
        attributes: bytes,
        *,
        timeout: float,  # noqa: ASYNC109 - the requester's signature
        retries: int,
    ) -> CoaAnswer:
        del timeout, retries
        request = parse(build_request(code, len(self.calls) % 256, target.secret, attributes))
        call = Call(target, request, asyncio.get_running_loop().create_future())
        self.calls.append(call)
        self.arrived.set()
        if self.auto_ack:
            call.ack()
        return await call.answer

    def time_out(self, call: Call) -> None:
        call.answer.set_exception(CoaTimeout("no answer"))

    async def wait_for(self, count: int) -> list[Call]:
        async with asyncio.timeout(5):
            while len(self.calls) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.calls[:count]

    def pending(self) -> list[Call]:
        return [call for call in self.calls if not call.answer.done()]


class Policy:
    """The authorizer: a fixed answer per username."""

    def __init__(self) -> None:
        self.answers: dict[str, Accept | Reject] = {}

    def set(self, username: str, answer: Pairs | Reject) -> None:
        if isinstance(answer, Reject):
            self.answers[username] = answer
        else:
            self.answers[username] = Accept(1, RadiusAccount(username), answer)

    def authorize(self, username: str, nas: str) -> Accept | Reject:
        del nas
        return self.answers[username]


@dataclass
class Rig:
    store: Store
    clock: FakeClock
    book: SessionBook = field(default_factory=SessionBook)
    nas: ScriptedNas = field(default_factory=ScriptedNas)
    policy: Policy = field(default_factory=Policy)
    metrics: Metrics = field(default_factory=Metrics)
    failing_controls: int = 0  # the next N controls fail, as a failed session commit does
    senders: list[CoaSender] = field(default_factory=list)

    def load(self, *rows: SessionRow) -> None:
        self.book.load(rows, max((row.id for row in rows), default=0))
        for row in rows:
            if row.last_applied is not None:
                self.policy.set(row.username, row.last_applied)

    async def control(self, event: Control) -> int:
        if self.failing_controls:
            self.failing_controls -= 1
            raise RadiusError("the session commit failed")
        return self.book.apply([event], {}).closed

    def nas_target(self, name: str) -> CoaTarget:
        return CoaTarget(name, "192.0.2.1", 3799, SECRET)

    def sender(
        self,
        *,
        coa_on: dict[str, frozenset[str]] | None = None,
        max_in_flight: int = 64,
        **settings: object,
    ) -> CoaSender:
        targets = {name: self.nas_target(name) for name in ("core", "edge")}
        everything = frozenset({"status", "delinquency", "service", "usage", "groups"})
        sender = CoaSender(
            settings=CoaSettings(**settings),  # type: ignore[arg-type]
            targets=targets,
            coa_on=coa_on if coa_on is not None else dict.fromkeys(targets, everything),
            book=self.book,
            control=self.control,
            authorizer=self.policy,
            dictionary=DICTIONARY,
            requester=self.nas,
            store=self.store,
            clock=self.clock,
            metrics=self.metrics,
            max_in_flight=max_in_flight,
        )
        self.senders.append(sender)
        return sender

    async def start(self, sender: CoaSender) -> None:
        """Start and let the first pass and the re-check finish, as the daemon's start-up
        does before any change arrives."""
        await sender.start()
        await sender.drained()

    async def stop(self, sender: CoaSender, grace: float = 1.0) -> None:
        """Stop on the fake clock: the grace period passes as the test moves time."""
        stopping = asyncio.create_task(sender.stop(grace))
        while not stopping.done():
            await self.clock.advance(grace)
        await stopping

    def count(self, kind: str, result: str) -> float:
        value = self.metrics.registry.get_sample_value(
            "provisiond_coa_requests_total", {"kind": kind, "result": result}
        )
        return value or 0.0
