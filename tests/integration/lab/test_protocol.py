"""What librouteros cannot show: tags, `/cancel`, `!empty`, `!fatal`, length forms, `?#`."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from provisiond.lab.menus import ADDRESS_LIST
from provisiond.lab.wire import encode_sentence
from tests.integration.lab.raw import RawClient, attrs, tag_of
from tests.integration.lab.ros import PASSWORD

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from provisiond.lab import LabRouter

import pytest_asyncio


@pytest_asyncio.fixture
async def raw(router: LabRouter) -> AsyncIterator[RawClient]:
    client = await RawClient.connect(router.port)
    try:
        yield client
    finally:
        await client.close()


def _fill(router: LabRouter, count: int, list_name: str = "a") -> None:
    for n in range(count):
        router.add_foreign(ADDRESS_LIST, list=list_name, address=f"10.{n // 250}.{n % 250}.1")


async def test_every_reply_sentence_carries_its_commands_tag(
    router: LabRouter, raw: RawClient
) -> None:
    _fill(router, 3)
    await raw.send(f"{ADDRESS_LIST}/print", "=.proplist=.id", ".tag=p")
    replies = await raw.read_until_done("p")
    assert [s[0] for s in replies] == ["!re", "!re", "!re", "!done"]
    assert {tag_of(s) for s in replies} == {"p"}
    await raw.send(f"{ADDRESS_LIST}/add", "=list=a", "=address=10.0.0.1", ".tag=dup")
    assert await raw.read_until_done("dup") == [
        ["!trap", "=message=failure: already have such entry", ".tag=dup"],
        ["!done", ".tag=dup"],
    ]


async def test_tagged_replies_interleave(router: LabRouter, raw: RawClient) -> None:
    _fill(router, 2000)
    await raw.send_bytes(
        encode_sentence([f"{ADDRESS_LIST}/print", ".tag=big"])
        + encode_sentence(["/system/identity/print", ".tag=small"])
    )
    tags = [tag_of(sentence) for sentence in await raw.read_until_done("big")]
    # The small answer lands between rows of the big one, not after it.
    assert tags.index("small") < len(tags) - 1
    assert tags.count("big") == 2001


async def test_tagged_commands_run_concurrently(router: LabRouter, raw: RawClient) -> None:
    router.set_latency(0.2)
    loop = asyncio.get_running_loop()
    started = loop.time()
    for n in range(10):
        await raw.send("/system/resource/print", "=.proplist=uptime", f".tag={n}")
    done: set[str | None] = set()
    while len(done) < 10:
        sentence = await raw.read()
        if sentence[0] == "!done":
            done.add(tag_of(sentence))
    assert loop.time() - started < 1.0  # ten commands, but not ten round trips of 0.2 s


async def test_untagged_commands_are_answered_in_order(router: LabRouter, raw: RawClient) -> None:
    router.set_latency(0.01)
    await raw.send_bytes(
        b"".join(
            encode_sentence([f"{ADDRESS_LIST}/add", "=list=a", f"=address=10.0.0.{n}"])
            for n in range(5)
        )
    )
    rets = [attrs(s)["ret"] for s in [await raw.read() for _ in range(5)]]
    assert rets == ["*1", "*2", "*3", "*4", "*5"]


async def test_cancel_by_tag_interrupts_that_command_only(
    router: LabRouter, raw: RawClient
) -> None:
    router.set_latency(0.3)
    await raw.send(f"{ADDRESS_LIST}/add", "=list=a", "=address=10.0.0.1", ".tag=slow")
    await raw.send("/system/identity/print", ".tag=other")
    await raw.send("/cancel", "=tag=slow", ".tag=c")
    replies = await raw.read_until_done("c")
    assert replies == [
        ["!trap", "=category=2", "=message=interrupted", ".tag=slow"],
        ["!done", ".tag=slow"],
        ["!done", ".tag=c"],
    ]
    assert (await raw.read_until_done("other"))[0] == ["!re", "=name=MikroTik", ".tag=other"]
    assert router.table(ADDRESS_LIST) == []  # the interrupted add never happened


async def test_cancel_without_a_tag_interrupts_everything(
    router: LabRouter, raw: RawClient
) -> None:
    router.set_latency(0.3)
    for tag in ("a", "b"):
        await raw.send("/system/resource/print", f".tag={tag}")
    await raw.send("/cancel")
    replies = await raw.read_until_done(None)
    traps = {tag_of(s) for s in replies if s[0] == "!trap"}
    assert traps == {"a", "b"}
    assert all("=message=interrupted" in s for s in replies if s[0] == "!trap")


async def test_empty_print_answers_empty_then_done(router: LabRouter, raw: RawClient) -> None:
    assert await raw.command(f"{ADDRESS_LIST}/print") == [["!empty"], ["!done"]]
    await raw.send(f"{ADDRESS_LIST}/print", ".tag=5")
    assert await raw.read_until_done("5") == [["!empty", ".tag=5"], ["!done", ".tag=5"]]
    router.empty_reply = False
    assert await raw.command(f"{ADDRESS_LIST}/print") == [["!done"]]


async def test_quit_is_fatal(raw: RawClient) -> None:
    await raw.send("/quit")
    assert await raw.read() == ["!fatal", "session terminated on request"]
    assert await raw.closed_by_peer()


async def test_commands_before_login_are_fatal(router: LabRouter) -> None:
    client = await RawClient.connect(router.port, login=False)
    try:
        await client.send(f"{ADDRESS_LIST}/print")
        assert await client.read() == ["!fatal", "not logged in"]
        assert await client.closed_by_peer()
    finally:
        await client.close()


async def test_a_bad_login_traps_and_allows_another_try(router: LabRouter) -> None:
    client = await RawClient.connect(router.port, login=False)
    try:
        assert await client.command("/login", "=name=admin", "=password=nope") == [
            ["!trap", "=message=invalid user name or password (6)"],
            ["!done"],
        ]
        assert await client.command("/login", "=name=admin", f"=password={PASSWORD}") == [["!done"]]
    finally:
        await client.close()


async def test_the_five_byte_length_form_is_understood(router: LabRouter) -> None:
    client = await RawClient.connect(router.port, login=False)
    try:
        words = ["/login", "=name=admin", f"=password={PASSWORD}"]
        data = b"".join(b"\xf0" + len(w).to_bytes(4, "big") + w.encode() for w in words)
        await client.send_bytes(data + b"\x00")
        assert await client.read() == ["!done"]
    finally:
        await client.close()


async def test_empty_sentences_are_ignored(raw: RawClient) -> None:
    await raw.send_bytes(b"\x00\x00")
    assert await raw.command("/system/identity/print") == [["!re", "=name=MikroTik"], ["!done"]]


async def test_queries_with_stack_operations(router: LabRouter, raw: RawClient) -> None:
    router.add_foreign(ADDRESS_LIST, list="a", address="10.0.0.1", comment="x")
    router.add_foreign(ADDRESS_LIST, list="b", address="10.0.0.2")
    router.add_foreign(ADDRESS_LIST, list="c", address="10.0.0.3", disabled="yes")

    async def addresses(*queries: str) -> list[str]:
        replies = await raw.command(f"{ADDRESS_LIST}/print", "=.proplist=address", *queries)
        return [attrs(s)["address"] for s in replies if s[0] == "!re"]

    assert await addresses("?list=a", "?list=b", "?#|") == ["10.0.0.1", "10.0.0.2"]
    assert await addresses("?list=a", "?#!") == ["10.0.0.2", "10.0.0.3"]
    assert await addresses("?>comment=") == ["10.0.0.1"]
    assert await addresses("?disabled=yes", "?list=b", "?#|!") == ["10.0.0.1"]
    assert await addresses("?=address=10.0.0.2/32") == ["10.0.0.2"]
    assert await raw.command(f"{ADDRESS_LIST}/print", "?#z") == [
        ["!trap", "=category=1", "=message=invalid query"],
        ["!done"],
    ]


async def test_count_only_answers_in_ret(router: LabRouter, raw: RawClient) -> None:
    _fill(router, 7)
    assert await raw.command(f"{ADDRESS_LIST}/print", "=count-only=") == [["!done", "=ret=7"]]


async def test_api_level_unknown_command(raw: RawClient) -> None:
    assert await raw.command("/bogus") == [
        ["!trap", "=category=0", "=message=no such command prefix"],
        ["!done"],
    ]
