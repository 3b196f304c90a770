"""FreeRADIUS's radclient, a client made by others, against the server (freeradius-utils).

Debian 12's radclient (3.2.1) has no `-b`; `Message-Authenticator = 0x00` in its input
makes it send one, which the server requires by default.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from provisiond.radius import mschap
from provisiond.store.sessions import SessionState
from tests.integration.radius.radclient import radclient
from tests.unit.radius import world

if TYPE_CHECKING:
    from tests.integration.radius.conftest import Running

SIGNED = "Message-Authenticator = 0x00\n"


async def test_pap(running: Running) -> None:
    code, output = await radclient(
        running.auth, "auth", f'User-Name = "alice"\nUser-Password = "alice-secret"\n{SIGNED}'
    )
    assert code == 0, output
    assert "Received Access-Accept" in output
    assert "Framed-IP-Address = 100.64.0.10" in output
    assert "Acct-Interim-Interval = 300" in output
    assert 'Mikrotik-Rate-Limit = "20M/100M"' in output


async def test_pap_with_a_wrong_password(running: Running) -> None:
    code, output = await radclient(
        running.auth, "auth", f'User-Name = "alice"\nUser-Password = "nope"\n{SIGNED}'
    )
    assert code != 0
    assert "Received Access-Reject" in output


async def test_chap(running: Running) -> None:
    code, output = await radclient(
        running.auth, "auth", f'User-Name = "bob"\nCHAP-Password = "bob-secret"\n{SIGNED}'
    )
    assert code == 0, output
    assert "Received Access-Accept" in output


async def test_ms_chap_v2(running: Running) -> None:
    """radclient's own MS-CHAP-Password makes MS-CHAPv1; v2's fields are computed here."""
    challenge, peer = os.urandom(16), os.urandom(16)
    password_hash = mschap.nt_password_hash(world.BOB_PASSWORD)
    nt_response = mschap.generate_nt_response(challenge, peer, b"bob", password_hash)
    response = bytes((1, 0)) + peer + bytes(8) + nt_response
    request = (
        f'User-Name = "bob"\nMS-CHAP-Challenge = 0x{challenge.hex()}\n'
        f"MS-CHAP2-Response = 0x{response.hex()}\n{SIGNED}"
    )
    code, output = await radclient(running.auth, "auth", request)
    assert code == 0, output
    expected = mschap.generate_authenticator_response(
        password_hash, nt_response, peer, challenge, b"bob"
    )
    assert "MS-CHAP2-Success = 0x01" + expected.encode().hex() in output
    assert "MS-MPPE-Send-Key" in output
    assert "MS-MPPE-Recv-Key" in output


async def test_status_server(running: Running) -> None:
    for server, answer in ((running.auth, "Access-Accept"), (running.acct, "Accounting-Response")):
        code, output = await radclient(server, "status", SIGNED)
        assert code == 0, output
        assert f"Received {answer}" in output


async def test_accounting_start_interim_stop(running: Running) -> None:
    session = 'Acct-Session-Id = "81a00001"\nUser-Name = "bob"\n'
    start = f"Acct-Status-Type = Start\n{session}Framed-IP-Address = 100.64.1.9\n"
    interim = (
        f"Acct-Status-Type = Interim-Update\n{session}Acct-Session-Time = 300\n"
        "Acct-Input-Octets = 1000\nAcct-Output-Octets = 5000\nAcct-Output-Gigawords = 2\n"
    )
    stop = f"Acct-Status-Type = Stop\n{session}Acct-Terminate-Cause = Lost-Carrier\n"
    for request in (start, interim, stop):
        code, output = await radclient(running.acct, "acct", request)
        assert code == 0, output
        assert "Received Accounting-Response" in output
    (row,) = await running.server.sessions.find(("core", "81a00001", "bob"))
    assert row.state is SessionState.CLOSED
    assert row.terminate_cause == "Lost-Carrier"
    assert (row.input_octets, row.output_octets) == (1000, 2 * 2**32 + 5000)
    assert row.framed_ip == "100.64.1.9"
