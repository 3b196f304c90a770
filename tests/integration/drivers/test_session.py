"""The pipelined session against a scripted API peer that answers tags out of order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import pytest

from provisiond.drivers import TemporaryDriverError
from provisiond.drivers.session import Session
from provisiond.lab.wire import SentenceDecoder, encode_sentence

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    Responder = Callable[[list[list[str]]], list[list[str]]]

LOG = logging.LoggerAdapter(logging.getLogger("tests.session"), {"device": "scripted"})


def _tag(words: list[str]) -> str:
    return next(word[5:] for word in words if word.startswith(".tag="))


@contextlib.asynccontextmanager
async def scripted(batch: int, respond: Responder) -> AsyncIterator[Session]:
    """A peer that waits for `batch` commands, then sends what `respond` makes of them."""
    handlers: list[asyncio.Task[None]] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        decoder, pending = SentenceDecoder(), []
        while data := await reader.read(65536):
            pending += [words for words in decoder.feed(data) if words]
            while len(pending) >= batch:
                now, pending = pending[:batch], pending[batch:]
                writer.write(b"".join(encode_sentence(s) for s in respond(now)))
        writer.close()

    def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.append(asyncio.create_task(serve(reader, writer)))

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    session = Session(reader, writer, timeout=2.0, depth=8, log=LOG)
    try:
        yield session
    finally:
        await session.close()
        server.close()
        await server.wait_closed()
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)


def _reversed_with_rows(commands: list[list[str]]) -> list[list[str]]:
    out: list[list[str]] = []
    for words in reversed(commands):
        tag = f".tag={_tag(words)}"
        out += [["!re", f"=n={words[1]}", tag], ["!empty", tag], ["!done", f"=ret={words[1]}", tag]]
    # Interleave: every command's first row before any `!done`.
    return sorted(out, key=lambda s: s[0] != "!re")


async def test_replies_out_of_order_reach_their_commands() -> None:
    async with scripted(8, _reversed_with_rows) as session:
        batch = await session.pipeline([["/x/print", str(n)] for n in range(8)])
    assert batch.failure is None
    replies = [reply for reply in batch.replies if reply is not None]
    assert [r.done["ret"] for r in replies] == [str(n) for n in range(8)]
    assert [r.rows for r in replies] == [[{"n": str(n)}] for n in range(8)]


def _trap_odd(commands: list[list[str]]) -> list[list[str]]:
    out: list[list[str]] = []
    for words in commands:
        tag = f".tag={_tag(words)}"
        if int(words[1]) % 2:
            out.append(["!trap", "=category=1", "=message=odd", tag])
        out.append(["!done", tag])
    return out


async def test_traps_are_per_tag() -> None:
    async with scripted(8, _trap_odd) as session:
        batch = await session.pipeline([["/x/add", str(n)] for n in range(16)])
    traps = [reply.trap for reply in batch.replies if reply is not None]
    assert [t is not None for t in traps] == [n % 2 == 1 for n in range(16)]
    assert str(traps[1]) == "odd (category 1)"


def _fatal(_commands: list[list[str]]) -> list[list[str]]:
    return [["!fatal", "session terminated on request"]]


async def test_fatal_fails_every_command_in_flight() -> None:
    async with scripted(4, _fatal) as session:
        batch = await session.pipeline([["/x/add", str(n)] for n in range(20)])
        assert batch.replies == [None] * 20
        assert isinstance(batch.failure, TemporaryDriverError)
        assert "session terminated on request" in str(batch.failure)
        assert not session.alive
        with pytest.raises(TemporaryDriverError):
            await session.call(["/x/print"])


def _untagged_noise(commands: list[list[str]]) -> list[list[str]]:
    return [["!re", "=stray=1"], *(["!done", f".tag={_tag(w)}"] for w in commands)]


async def test_sentences_for_no_command_are_skipped() -> None:
    async with scripted(1, _untagged_noise) as session:
        reply = await session.call(["/x/print"])
    assert reply.rows == []
