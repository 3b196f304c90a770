"""`CoaRequester` over loopback UDP: verified answers, retransmissions, many in flight."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

from provisiond.observability.metrics import Metrics
from provisiond.radius.attributes import encode_attributes
from provisiond.radius.coa_requester import (
    IDENTIFIERS,
    CoaError,
    CoaRequester,
    CoaTarget,
    CoaTimeout,
)
from provisiond.radius.digest import SharedSecret
from provisiond.radius.errors import EncodingError
from provisiond.radius.wire import Code
from tests.integration.radius.coa_nas import CoaNas, nak, silent
from tests.unit.radius.requests import DICTIONARY

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from provisiond.runtime.clock import FakeClock

SECRET = "coa-secret"
ATTRIBUTES = encode_attributes(
    DICTIONARY, [("User-Name", "alice"), ("Acct-Session-Id", "81000001")]
)


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest_asyncio.fixture
async def requester(clock: FakeClock, metrics: Metrics) -> AsyncIterator[CoaRequester]:
    sender = CoaRequester(clock=clock, metrics=metrics)
    try:
        yield sender
    finally:
        sender.close()


def target_of(nas: CoaNas, *, message_authenticator: bool = False) -> CoaTarget:
    host, port = nas.address
    return CoaTarget(
        "core",
        host,
        port,
        SharedSecret(SECRET.encode()),
        message_authenticator=message_authenticator,
    )


def drops(metrics: Metrics, reason: str) -> float:
    value = metrics.registry.get_sample_value(
        "provisiond_coa_reply_drops_total", {"reason": reason}
    )
    return value or 0.0


async def test_an_ack_comes_back_verified(requester: CoaRequester) -> None:
    async with CoaNas(SECRET) as nas:
        answer = await requester.send(
            target_of(nas, message_authenticator=True),
            Code.COA_REQUEST,
            ATTRIBUTES,
            timeout=2,
            retries=2,
        )
    assert answer.acked
    assert (answer.code, answer.error_cause) == (Code.COA_ACK, None)
    request = nas.requests[0]
    assert request.code == Code.COA_REQUEST
    assert request.message_authenticator is not None  # checked by the NAS
    assert request.user_name == b"alice"
    assert nas.unverified == 0


async def test_a_nak_carries_its_error_cause(requester: CoaRequester) -> None:
    async with CoaNas(SECRET, nak(503)) as nas:
        answer = await requester.send(
            target_of(nas), Code.DISCONNECT_REQUEST, ATTRIBUTES, timeout=2, retries=0
        )
    assert (answer.code, answer.error_cause, answer.acked) == (Code.DISCONNECT_NAK, 503, False)


async def test_silence_is_retransmitted_unchanged_then_a_timeout(
    requester: CoaRequester, clock: FakeClock
) -> None:
    async with CoaNas(SECRET, silent) as nas:
        sending = asyncio.create_task(
            requester.send(target_of(nas), Code.COA_REQUEST, ATTRIBUTES, timeout=2, retries=2)
        )
        await nas.wait_for(1)
        await clock.advance(1.9)
        assert len(nas.requests) == 1
        await clock.advance(0.1)
        await nas.wait_for(2)
        await clock.advance(2)
        await nas.wait_for(3)
        await clock.advance(2)
        with pytest.raises(CoaTimeout, match="did not answer 3 attempts of 2 s"):
            await sending
    assert nas.raw[0] == nas.raw[1] == nas.raw[2]  # same identifier and authenticator
    assert requester.in_flight == 0


async def test_a_forged_answer_is_dropped_and_the_real_one_taken(
    requester: CoaRequester, metrics: Metrics
) -> None:
    async with CoaNas(SECRET, silent) as nas:
        sending = asyncio.create_task(
            requester.send(target_of(nas), Code.COA_REQUEST, ATTRIBUTES, timeout=2, retries=0)
        )
        (request,) = await nas.wait_for(1)
        forger = SharedSecret(b"not-the-secret")
        nas.reply(request, nas.sources[0], Code.COA_ACK, secret=forger)
        nas.reply(request, nas.sources[0], Code.ACCESS_ACCEPT)  # no answer to a CoA
        nas.reply(request, nas.sources[0], Code.COA_NAK, 506)
        answer = await sending
    assert answer.error_cause == 506
    assert drops(metrics, "invalid") == 2


async def test_late_and_malformed_answers_are_counted(
    requester: CoaRequester, metrics: Metrics
) -> None:
    async with CoaNas(SECRET) as nas:
        target = target_of(nas)
        await requester.send(target, Code.COA_REQUEST, ATTRIBUTES, timeout=2, retries=0)
        nas.reply(nas.requests[0], nas.sources[0], Code.COA_ACK)  # after the exchange ended
        assert nas.transport is not None
        nas.transport.sendto(b"\x2c\x00\x00", nas.sources[0])
        # Loopback keeps order: once the next answer is in, those two were handled.
        await requester.send(target, Code.COA_REQUEST, ATTRIBUTES, timeout=2, retries=0)
    assert drops(metrics, "unknown_identifier") == 1
    assert drops(metrics, "malformed") == 1


async def test_more_than_256_in_flight_opens_another_socket(requester: CoaRequester) -> None:
    count = IDENTIFIERS + 44
    async with CoaNas(SECRET, silent) as nas:
        sends = [
            asyncio.create_task(
                requester.send(target_of(nas), Code.COA_REQUEST, ATTRIBUTES, timeout=2, retries=0)
            )
            for _ in range(count)
        ]
        await nas.wait_for(count)
        assert requester.sockets == 2
        assert requester.in_flight == count
        keys = {
            (source[1], request.identifier)
            for source, request in zip(nas.sources, nas.requests, strict=True)
        }
        assert len(keys) == count  # every (socket, identifier) distinct
        for request, source in zip(nas.requests, nas.sources, strict=True):
            nas.reply(request, source, Code.COA_ACK)
        answers = await asyncio.gather(*sends)
    assert all(answer.acked for answer in answers)
    assert requester.in_flight == 0


async def test_closing_fails_what_waits(requester: CoaRequester) -> None:
    async with CoaNas(SECRET, silent) as nas:
        sending = asyncio.create_task(
            requester.send(target_of(nas), Code.COA_REQUEST, ATTRIBUTES, timeout=2, retries=0)
        )
        await nas.wait_for(1)
        requester.close()
        with pytest.raises(CoaError, match="closed"):
            await sending
        with pytest.raises(CoaError, match="closed"):
            await requester.send(target_of(nas), Code.COA_REQUEST, ATTRIBUTES, timeout=2, retries=0)


async def test_only_coa_and_disconnect_requests(requester: CoaRequester) -> None:
    target = CoaTarget("core", "127.0.0.1", 3799, SharedSecret(b"s"))
    with pytest.raises(EncodingError, match="not a CoA-Request"):
        await requester.send(target, Code.ACCESS_REQUEST, b"", timeout=1, retries=0)
    with pytest.raises(ValueError, match="positive timeout"):
        await requester.send(target, Code.COA_REQUEST, b"", timeout=0, retries=0)


async def test_a_source_of_the_wrong_family_is_refused(requester: CoaRequester) -> None:
    target = CoaTarget("core", "127.0.0.1", 3799, SharedSecret(b"s"), source="::1")
    with pytest.raises(CoaError, match=r"coa_source ::1 cannot reach 127\.0\.0\.1"):
        await requester.send(target, Code.COA_REQUEST, b"", timeout=1, retries=0)


async def test_the_configured_source_address_is_used(requester: CoaRequester) -> None:
    async with CoaNas(SECRET) as nas:
        host, port = nas.address
        target = CoaTarget("core", host, port, SharedSecret(SECRET.encode()), source="127.0.0.1")
        await requester.send(target, Code.COA_REQUEST, ATTRIBUTES, timeout=2, retries=0)
    assert nas.sources[0][0] == "127.0.0.1"
