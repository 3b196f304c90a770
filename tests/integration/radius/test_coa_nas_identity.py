"""RFC 5176 §3: a CoA-Request must name its NAS. A NAS that left NAS-IP-Address and
NAS-Identifier out of its accounting is named by its configured `nas_identifier`
(`[device.nas]`, carried on the `CoaTarget`); the lab's simulator, strict like the RFC,
NAKs 403 a request that names no NAS."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from provisiond.lab.nas import NasSimulator
from provisiond.lab.nas_requests import NasIdentity
from provisiond.radius.coa_requester import CoaTarget
from provisiond.radius.digest import SharedSecret
from provisiond.radius.wire import ErrorCause
from tests.integration.radius.lab_sender import slow_alice_down, started_sender, until
from tests.unit.radius import world

if TYPE_CHECKING:
    from provisiond.runtime.clock import FakeClock
    from provisiond.store import Store
    from tests.integration.radius.conftest import Running

SLOW = "512k/1500k"  # world's service 2, upload first
OWN_NAME = "core-bras"  # what the NAS knows itself by, and what its [device.nas] says


@pytest.mark.parametrize(
    ("configured", "answered"),
    [
        (OWN_NAME, ("ack", None)),
        ("", ("nak", ErrorCause.NAS_IDENTIFICATION_MISMATCH)),  # nothing to name it by
    ],
)
async def test_a_session_whose_accounting_named_no_nas_gets_the_configured_identifier(
    running: Running, store: Store, clock: FakeClock, configured: str, answered: tuple[str, int]
) -> None:
    async with NasSimulator(
        secret=world.NAS_SECRET,
        auth_server=running.auth,
        acct_server=running.acct,
        nas_ip_address=None,  # its RADIUS requests carry no NAS identification at all
        nas_identifier=None,
        clock=clock,
    ) as simulator:
        await simulator.connect("alice", world.ALICE_PASSWORD, "s1")
        key = ("core", "s1", "alice")
        await until(lambda: running.server.book.get(key) is not None)
        row = running.server.book.get(key)
        assert row is not None
        assert not row.nas_ip_address
        assert not row.nas_identifier
        # It still knows its own name, and checks a CoA against it (RFC 5176 §3).
        simulator.requests.identity = NasIdentity(None, OWN_NAME)

        host, port = simulator.address
        target = CoaTarget(
            "core", host, port, SharedSecret(world.NAS_SECRET.encode()), nas_identifier=configured
        )
        async with started_sender(running, target, clock, store, retries=0) as sender:
            slow_alice_down(running, sender)
            request = await simulator.wait_received(1)
            await sender.drained()

    assert request.kind == "coa"
    assert request.get("NAS-Identifier") == (configured or None)
    assert request.get("NAS-IP-Address") is None
    after = running.server.book.get(key)
    assert after is not None
    assert after.last_coa is not None
    assert (after.last_coa["result"], after.last_coa["error_cause"]) == answered
    session = simulator.session("s1")
    assert session is not None
    assert (session.rate_limit == SLOW) is (configured != "")
