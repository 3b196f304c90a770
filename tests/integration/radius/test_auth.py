"""Access-Request and Status-Server over loopback UDP, with the codec's own NAS."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from provisiond.config.settings import RadiusSettings
from provisiond.radius import mppe, mschap
from provisiond.radius.clients import NasTable
from provisiond.radius.errors import RadiusBindError
from provisiond.radius.wire import (
    ACCT_INTERIM_INTERVAL,
    FRAMED_IP_ADDRESS,
    MS_CHAP2_SUCCESS,
    MS_CHAP_ERROR,
    MS_MPPE_RECV_KEY,
    MS_MPPE_SEND_KEY,
    VENDOR_MICROSOFT,
    Code,
    vendor_key,
)
from tests.integration.radius.nas import FakeNas
from tests.unit.radius import world

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

    from provisiond.radius.packet import Packet
    from tests.integration.radius.conftest import Running


def vendor_values(packet: Packet, vendor: int, kind: int) -> list[bytes]:
    """Every value of one vendor sub-attribute (the view keeps Vendor-Specific raw)."""
    return [
        value[6 : 4 + value[5]]
        for value in packet.vendor_specific
        if int.from_bytes(value[:4]) == vendor and value[4] == kind
    ]


async def test_pap_accepts_with_the_accounts_reply(running: Running, nas: FakeNas) -> None:
    reply = await nas.ask(running.auth, nas.pap("alice", world.ALICE_PASSWORD))
    assert reply is not None
    assert reply.code == Code.ACCESS_ACCEPT
    assert reply.message_authenticator_at == 22  # the first attribute
    assert reply.framed_ip_address == "100.64.0.10"
    assert reply.integer(ACCT_INTERIM_INTERVAL) == 300
    assert reply.get(FRAMED_IP_ADDRESS) is not None


async def test_pap_with_a_wrong_password_is_rejected(running: Running, nas: FakeNas) -> None:
    reply = await nas.ask(running.auth, nas.pap("alice", "guess"))
    assert reply is not None
    assert reply.code == Code.ACCESS_REJECT
    assert reply.message_authenticator_at == 22


@pytest.mark.parametrize("username", ["nobody", "carol"])  # unknown; status does not activate
async def test_policy_rejects_are_access_rejects(
    running: Running, nas: FakeNas, username: str
) -> None:
    reply = await nas.ask(running.auth, nas.pap(username, "c"))
    assert reply is not None
    assert reply.code == Code.ACCESS_REJECT


async def test_chap(running: Running, nas: FakeNas) -> None:
    accepted = await nas.ask(running.auth, nas.chap("bob", world.BOB_PASSWORD))
    rejected = await nas.ask(running.auth, nas.chap("bob", "nope"))
    assert accepted is not None
    assert accepted.code == Code.ACCESS_ACCEPT
    assert rejected is not None
    assert rejected.code == Code.ACCESS_REJECT


async def test_ms_chap_v2_proves_the_server_and_sends_the_mppe_keys(
    running: Running, nas: FakeNas
) -> None:
    challenge, peer = os.urandom(16), os.urandom(16)
    request = nas.mschapv2("bob", world.BOB_PASSWORD, challenge, peer)
    reply = await nas.ask(running.auth, request)
    assert reply is not None
    assert reply.code == Code.ACCESS_ACCEPT
    password_hash = mschap.nt_password_hash(world.BOB_PASSWORD)
    nt_response = mschap.generate_nt_response(challenge, peer, b"bob", password_hash)
    expected = mschap.generate_authenticator_response(
        password_hash, nt_response, peer, challenge, b"bob"
    )
    assert reply.get(vendor_key(VENDOR_MICROSOFT, MS_CHAP2_SUCCESS)) == b"\x01" + expected.encode()
    send_key, recv_key = mppe.server_keys(password_hash, nt_response)
    authenticator = request[4:20]
    (send,) = vendor_values(reply, VENDOR_MICROSOFT, MS_MPPE_SEND_KEY)
    (receive,) = vendor_values(reply, VENDOR_MICROSOFT, MS_MPPE_RECV_KEY)
    secret = nas.secret
    assert mppe.decrypt_key(send, secret=secret, request_authenticator=authenticator) == send_key
    assert mppe.decrypt_key(receive, secret=secret, request_authenticator=authenticator) == recv_key


async def test_ms_chap_v2_with_a_wrong_password_carries_ms_chap_error(
    running: Running, nas: FakeNas
) -> None:
    reply = await nas.ask(running.auth, nas.mschapv2("bob", "wrong", os.urandom(16), bytes(16)))
    assert reply is not None
    assert reply.code == Code.ACCESS_REJECT
    error = reply.get(vendor_key(VENDOR_MICROSOFT, MS_CHAP_ERROR))
    assert error is not None
    assert b"E=691" in error


@pytest.mark.parametrize("spelling", ["aa-bb-cc-dd-ee-0f", "AABBCCDDEE0F"])
async def test_a_mac_account_is_accepted_without_a_password_check(
    running: Running, nas: FakeNas, spelling: str
) -> None:
    for request in (nas.pap(spelling, spelling), nas.access_request(spelling)):
        reply = await nas.ask(running.auth, request)
        assert reply is not None
        assert reply.code == Code.ACCESS_ACCEPT


async def test_status_server_on_both_ports(running: Running, nas: FakeNas) -> None:
    auth = await nas.ask(running.auth, nas.status_server())
    acct = await nas.ask(running.acct, nas.status_server())
    assert auth is not None
    assert auth.code == Code.ACCESS_ACCEPT
    assert acct is not None
    assert acct.code == Code.ACCOUNTING_RESPONSE
    assert acct.message_authenticator_at == 22


async def test_a_retransmission_gets_the_cached_reply(running: Running, nas: FakeNas) -> None:
    request = nas.pap("alice", world.ALICE_PASSWORD)
    first = await nas.exchange(running.auth, request)
    running.engine.remove_account(1)  # a second evaluation would now reject ...
    second = await nas.exchange(running.auth, request)
    assert first is not None
    assert second == first  # ... but a retransmission is answered from the cache
    duplicates = running.metrics.registry.get_sample_value(
        "provisiond_radius_requests_total", {"type": "access_request", "result": "duplicate"}
    )
    assert duplicates == 1


async def test_the_cache_follows_the_change_feed(running: Running, nas: FakeNas) -> None:
    assert (await nas.ask(running.auth, nas.pap("alice", world.ALICE_PASSWORD))) is not None
    running.server.invalidate(running.engine.remove_account(1).usernames)
    reply = await nas.ask(running.auth, nas.pap("alice", world.ALICE_PASSWORD))
    assert reply is not None
    assert reply.code == Code.ACCESS_REJECT


async def test_an_unknown_source_is_dropped(running: Running) -> None:
    async with FakeNas(world.NAS_SECRET, source="127.0.0.2") as stranger:
        assert await stranger.exchange(running.auth, stranger.pap("alice", "x"), wait=0.2) is None
    assert running.drops("unknown_client") == 1


async def test_a_wrong_secret_fails_the_message_authenticator(running: Running) -> None:
    async with FakeNas("not-the-secret") as impostor:
        request = impostor.pap("alice", world.ALICE_PASSWORD)
        assert await impostor.exchange(running.auth, request, wait=0.2) is None
    assert running.drops("bad_message_authenticator") == 1


async def test_missing_message_authenticator_is_dropped_where_required(
    running: Running, nas: FakeNas, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(3):
        request = nas.pap("alice", world.ALICE_PASSWORD, message_authenticator=False)
        assert await nas.exchange(running.auth, request, wait=0.2) is None
    assert running.drops("missing_message_authenticator") == 3
    warnings = [r for r in caplog.records if "without Message-Authenticator" in r.getMessage()]
    assert len(warnings) == 1  # logged once per NAS
    assert warnings[0].nas == "core"  # type: ignore[attr-defined]  # bound via `extra`


async def test_missing_message_authenticator_is_accepted_where_not_required(
    start_server: Callable[..., Awaitable[Running]], nas: FakeNas
) -> None:
    running = await start_server(world.nas_device(require_message_authenticator=False))
    request = nas.pap("alice", world.ALICE_PASSWORD, message_authenticator=False)
    reply = await nas.ask(running.auth, request)
    assert reply is not None
    assert reply.code == Code.ACCESS_ACCEPT
    assert reply.message_authenticator_at == 22  # our reply carries one all the same
    # Status-Server has no other protection: RFC 5997 requires it always.
    unsigned = nas.status_server(message_authenticator=False)
    assert await nas.exchange(running.auth, unsigned, wait=0.2) is None


async def test_nas_behind_one_address_are_told_apart_by_nas_identifier(
    start_server: Callable[..., Awaitable[Running]],
) -> None:
    running = await start_server(
        world.nas_device("north", secret="north-secret", nas_identifier="north"),
        world.nas_device("south", secret="south-secret", nas_identifier="south"),
    )
    async with FakeNas("south-secret") as south:
        named = south.pap("alice", world.ALICE_PASSWORD, pairs=[("NAS-Identifier", "south")])
        reply = await south.ask(running.auth, named)
        assert reply is not None
        assert reply.code == Code.ACCESS_ACCEPT
        anonymous = south.pap("alice", world.ALICE_PASSWORD)
        assert await south.exchange(running.auth, anonymous, wait=0.2) is None
    assert running.drops("unknown_client") == 1


async def test_a_second_server_on_the_same_ports_refuses_to_start(
    start_server: Callable[..., Awaitable[Running]], tmp_path: Path
) -> None:
    first = await start_server()
    auth_port, acct_port = first.auth[1], first.acct[1]
    with pytest.raises(RadiusBindError, match=rf"127\.0\.0\.1:{auth_port}.*in use"):
        await start_server(state_dir=tmp_path / "other", auth_port=auth_port, acct_port=acct_port)
    # The refused server released its lock and sockets: its state dir can be used again.
    again = await start_server(state_dir=tmp_path / "other")
    assert again.auth != first.auth


async def test_a_second_server_on_the_same_state_dir_refuses_to_start(
    start_server: Callable[..., Awaitable[Running]],
) -> None:
    await start_server()
    with pytest.raises(RadiusBindError, match=r"radius\.lock"):
        await start_server()


async def test_a_reload_takes_new_secrets_and_forgets_cached_answers(
    start_server: Callable[..., Awaitable[Running]],
) -> None:
    running = await start_server()
    async with FakeNas(world.NAS_SECRET) as old, FakeNas("rotated") as new:
        assert await old.ask(running.auth, old.pap("alice", world.ALICE_PASSWORD)) is not None
        running.server.update(
            RadiusSettings(listen=("127.0.0.1",), auth_port=0, acct_port=0),
            NasTable.from_devices([world.nas_device(secret="rotated")]),
        )
        rejected = old.pap("alice", world.ALICE_PASSWORD)
        assert await old.exchange(running.auth, rejected, wait=0.2) is None
        reply = await new.ask(running.auth, new.pap("alice", world.ALICE_PASSWORD))
        assert reply is not None
        assert reply.code == Code.ACCESS_ACCEPT


async def test_every_listen_address_is_served_ipv6_too(
    start_server: Callable[..., Awaitable[Running]],
) -> None:
    running = await start_server(
        world.nas_device("core", "127.0.0.1", "::1"), listen=("127.0.0.1", "::1")
    )
    assert [host for host, _ in running.server.auth_addresses] == ["127.0.0.1", "::1"]
    async with FakeNas(world.NAS_SECRET, source="::1") as nas6:
        reply = await nas6.ask(running.server.auth_addresses[1], nas6.status_server())
        assert reply is not None
        reply = await nas6.ask(running.server.acct_addresses[1], nas6.status_server())
        assert reply is not None
