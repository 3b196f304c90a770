"""The lab router driven by librouteros itself, over loopback."""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

import pytest
from librouteros.exceptions import TrapError

from provisiond.lab import LabRouter
from provisiond.lab.menus import ADDRESS_LIST, IPV6_ADDRESS_LIST, SIMPLE_QUEUE
from tests.integration.drivers.support import self_signed
from tests.integration.lab.ros import PASSWORD, Client

if TYPE_CHECKING:
    from pathlib import Path

    from provisiond.runtime.clock import FakeClock


async def test_login_succeeds_with_the_right_password(router: LabRouter) -> None:
    client = await Client.connect(router)
    await client.close()
    assert router.stats.logins == 1


async def test_login_with_a_wrong_password_traps(router: LabRouter) -> None:
    with pytest.raises(TrapError) as caught:
        await Client.connect(router, password="wrong")
    assert caught.value.message == "invalid user name or password (6)"
    assert router.stats.logins == 0


async def test_add_print_set_remove(router: LabRouter, client: Client) -> None:
    entry = await client.add(ADDRESS_LIST, list="subs", address="100.64.0.10", comment="p:1")
    assert entry == "*1"
    rows = await client.print(ADDRESS_LIST, ".id", "address", "comment", list="subs")
    assert rows == [{".id": "*1", "address": "100.64.0.10", "comment": "p:1"}]
    await client.update(ADDRESS_LIST, entry, comment="p:2", disabled="yes")
    (row,) = await client.print(ADDRESS_LIST)
    assert row["comment"] == "p:2"
    assert row["disabled"] is True  # printed `true`, which librouteros turns into a bool
    assert row["dynamic"] is False
    await client.remove(ADDRESS_LIST, entry)
    assert await client.print(ADDRESS_LIST) == []
    assert router.table(ADDRESS_LIST) == []
    assert router.stats.writes == 3


async def test_addresses_read_back_normalised(client: Client) -> None:
    await client.add(ADDRESS_LIST, list="a", address="203.0.113.77/24")
    await client.add(ADDRESS_LIST, list="a", address="198.51.100.7/32")
    await client.add(IPV6_ADDRESS_LIST, list="a", address="2001:DB8::1")
    await client.add(IPV6_ADDRESS_LIST, list="a", address="2001:db8:0:1::9/64")
    v4 = [row["address"] for row in await client.print(ADDRESS_LIST, "address")]
    v6 = [row["address"] for row in await client.print(IPV6_ADDRESS_LIST, "address")]
    assert v4 == ["203.0.113.0/24", "198.51.100.7"]
    assert v6 == ["2001:db8::1", "2001:db8:0:1::/64"]


async def test_a_duplicate_traps_then_the_connection_goes_on(client: Client) -> None:
    await client.add(ADDRESS_LIST, list="a", address="203.0.113.0/24")
    with pytest.raises(TrapError) as caught:
        await client.add(ADDRESS_LIST, list="a", address="203.0.113.77/24")
    assert caught.value.message == "failure: already have such entry"
    # The trap was followed by `!done`: the next command gets its own answer.
    assert len(await client.print(ADDRESS_LIST)) == 1


async def test_remove_with_comma_ids(router: LabRouter, client: Client) -> None:
    ids = [await client.add(ADDRESS_LIST, list="a", address=f"10.0.0.{n}") for n in range(4)]
    with pytest.raises(TrapError, match="no such item"):
        await client.remove(ADDRESS_LIST, ids[0], "*FFFF")
    assert len(router.table(ADDRESS_LIST)) == 4
    await client.remove(ADDRESS_LIST, ids[0], ids[2], ids[3])
    assert [row[".id"] for row in router.table(ADDRESS_LIST)] == [ids[1]]


async def test_queue_names_are_unique_and_rates_are_bits_per_second(client: Client) -> None:
    limits = {"max-limit": "2M/10M", "burst-limit": "4M/20M", "burst-time": "8s/8s"}
    await client.add(SIMPLE_QUEUE, name="p-1", target="100.64.0.10", comment="p:1", **limits)
    with pytest.raises(TrapError) as caught:
        await client.add(SIMPLE_QUEUE, name="p-1", target="100.64.0.11")
    assert caught.value.message == "failure: already have such name"
    (queue,) = await client.print(
        SIMPLE_QUEUE, "name", "target", "max-limit", "burst-limit", "burst-time", "bytes"
    )
    assert queue == {
        "name": "p-1",
        "target": "100.64.0.10/32",
        "max-limit": "2000000/10000000",
        "burst-limit": "4000000/20000000",
        "burst-time": "8s/8s",
        "bytes": "0/0",
    }


async def test_rate_set_to_a_bare_number_comes_back_as_an_int(client: Client) -> None:
    # librouteros turns numeric strings into ints: a driver must str() before diffing.
    await client.add(SIMPLE_QUEUE, name="100", target="10.0.0.1", **{"limit-at": "512k/512k"})
    (queue,) = await client.print(SIMPLE_QUEUE, "name", "limit-at")
    assert queue == {"name": 100, "limit-at": "512000/512000"}


async def test_uptime_follows_the_clock(
    router: LabRouter, client: Client, clock: FakeClock
) -> None:
    await clock.advance(93784)
    (resource,) = await client.print("/system/resource", "uptime", "version", "board-name")
    assert resource == {"uptime": "1d2h3m4s", "version": "7.18.2 (stable)", "board-name": "CHR"}
    assert router.device.uptime() == 93784


async def test_an_empty_print_with_empty_reply_is_still_an_empty_list(
    router: LabRouter, client: Client
) -> None:
    assert await client.print(ADDRESS_LIST, list="none") == []
    router.empty_reply = False
    assert await client.print(ADDRESS_LIST, list="none") == []


async def test_unknown_command_traps_with_category_zero(client: Client) -> None:
    with pytest.raises(TrapError) as caught:
        await client.call("/interface/wireless", "print")
    assert (caught.value.message, caught.value.category) == ("no such command prefix", 0)


async def test_foreign_and_dynamic_entries_are_visible_and_dynamic_ones_protected(
    router: LabRouter, client: Client
) -> None:
    router.add_foreign(ADDRESS_LIST, list="subs", address="100.64.0.99", comment="by hand")
    dynamic = router.add_dynamic(SIMPLE_QUEUE, name="<pppoe-bob>", target="100.64.0.30")
    rows = await client.print(ADDRESS_LIST, "address", "comment", "dynamic")
    assert rows == [{"address": "100.64.0.99", "comment": "by hand", "dynamic": False}]
    with pytest.raises(TrapError, match="can not remove dynamic"):
        await client.remove(SIMPLE_QUEUE, dynamic)
    (queue,) = await client.print(SIMPLE_QUEUE, "name", "dynamic", dynamic="yes")
    assert queue == {"name": "<pppoe-bob>", "dynamic": True}


async def test_hand_edits_and_deletes_show_up(router: LabRouter, client: Client) -> None:
    entry = await client.add(SIMPLE_QUEUE, name="p-1", target="10.0.0.1")
    router.edit(SIMPLE_QUEUE, entry, max_limit="1M", bytes="10/20")
    (queue,) = await client.print(SIMPLE_QUEUE, "max-limit", "bytes")
    assert queue == {"max-limit": "1000000/1000000", "bytes": "10/20"}
    router.delete(SIMPLE_QUEUE, entry)
    assert await client.print(SIMPLE_QUEUE) == []


async def test_long_words_in_three_and_four_byte_forms(client: Client) -> None:
    for size in (0x4000, 0x200000):
        comment = "c" * size
        entry = await client.add(ADDRESS_LIST, list="long", address="10.0.0.1", comment=comment)
        (row,) = await client.print(ADDRESS_LIST, "comment")
        assert row["comment"] == comment
        await client.remove(ADDRESS_LIST, entry)


async def test_utf8_words_round_trip(client: Client) -> None:
    await client.add(ADDRESS_LIST, list="a", address="10.0.0.1", comment="Zürich 東京")
    (row,) = await client.print(ADDRESS_LIST, "comment")
    assert row["comment"] == "Zürich 東京"


async def test_api_ssl_with_a_verified_certificate(tmp_path: Path) -> None:
    tls = self_signed(tmp_path)
    server_ctx = tls.server
    client_ctx = ssl.create_default_context(cafile=str(tls.ca_file))
    async with LabRouter(password=PASSWORD, ssl_context=server_ctx) as router:
        client = await Client.connect(router, ssl_context=client_ctx)
        try:
            assert await client.add(ADDRESS_LIST, list="a", address="10.0.0.1") == "*1"
        finally:
            await client.close()
