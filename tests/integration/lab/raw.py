"""A raw RouterOS API client on the lab's own codec, for what librouteros cannot do:
tags, `/cancel`, `!empty`, `!fatal`, unusual length encodings, garbage."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

from provisiond.lab.wire import SentenceDecoder, encode_sentence
from tests.integration.lab.ros import PASSWORD

Sentence = list[str]


class PeerClosedError(Exception):
    """The router closed the connection."""


class RawClient:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._decoder = SentenceDecoder()
        self._pending: deque[Sentence] = deque()

    @classmethod
    async def connect(cls, port: int, *, login: bool = True) -> RawClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        client = cls(reader, writer)
        if login:
            replies = await client.command("/login", "=name=admin", f"=password={PASSWORD}")
            assert replies == [["!done"]]
        return client

    async def send(self, *words: str) -> None:
        await self.send_bytes(encode_sentence(words))

    async def send_bytes(self, data: bytes) -> None:
        self._writer.write(data)
        await self._writer.drain()

    def write_eof(self) -> None:
        self._writer.write_eof()

    async def read(self, within: float = 2.0) -> Sentence:
        while not self._pending:
            data = await asyncio.wait_for(self._reader.read(65536), within)
            if not data:
                raise PeerClosedError
            self._pending.extend(self._decoder.feed(data))
        return self._pending.popleft()

    async def read_until_done(self, tag: str | None = None) -> list[Sentence]:
        """Sentences up to and including the `!done` of `tag` (untagged: the next `!done`)."""
        out: list[Sentence] = []
        while True:
            sentence = await self.read()
            out.append(sentence)
            if sentence[0] == "!done" and tag_of(sentence) == tag:
                return out

    async def command(self, *words: str) -> list[Sentence]:
        await self.send(*words)
        return await self.read_until_done()

    async def closed_by_peer(self, within: float = 2.0) -> bool:
        """Read until the router closes the connection; True if it did `within` seconds."""
        try:
            while True:
                await self.read(within)
        except PeerClosedError:
            return True
        except ConnectionError:
            return True
        except TimeoutError:
            return False

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(ConnectionError):
            await self._writer.wait_closed()


def tag_of(sentence: Sentence) -> str | None:
    for word in sentence:
        if word.startswith(".tag="):
            return word[5:]
    return None


def attrs(sentence: Sentence) -> dict[str, str]:
    out: dict[str, str] = {}
    for word in sentence[1:]:
        if word.startswith("="):
            name, _, value = word[1:].partition("=")
            out[name] = value
    return out
