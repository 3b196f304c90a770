"""One logged-in API connection with many tagged commands in flight (protocols.md §1.4).

librouteros waits for each command's `!done` before it sends the next, so 100,000 adds
cost 100,000 round trips. Here every command carries `.tag=N` and a reader task routes
each reply sentence to its command by tag, so the router works on up to `depth` commands
at once. Replies interleave freely; `!trap` and `!done` are per tag; `!empty` (RouterOS ≥
7.18) carries nothing and is skipped; `!fatal` ends the connection, and every command in
flight fails with a `TemporaryDriverError`, as do all of them when the connection drops or
the device stays silent for `timeout` seconds while commands wait.

Layering (STYLE.md §5.4): the asyncio streams are the transport, `codec` the wire format,
this module the session, `routeros_api` the driver.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from provisiond.drivers import codec
from provisiond.drivers.errors import DriverError, TemporaryDriverError, Trap

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

READ_SIZE: Final = 256 * 1024
CLOSE_TIMEOUT: Final = 1.0
_TAG: Final = ".tag="  # five characters

Log = logging.LoggerAdapter[logging.Logger]


@dataclass(frozen=True, slots=True)
class Reply:
    """A command's answer: its `!re` rows, the attributes of its `!done`, its first trap."""

    rows: list[dict[str, str]]
    done: Mapping[str, str]
    trap: Trap | None


@dataclass(frozen=True, slots=True)
class Batch:
    """The replies of a pipeline in command order; None where the connection failed first."""

    replies: list[Reply | None]
    failure: DriverError | None


@dataclass(slots=True)
class _Waiting:
    """One pipeline call: one future for all its commands, not one per command (100,000
    futures and their callbacks cost more than the replies they carry)."""

    replies: list[Reply | None]
    finished: asyncio.Future[None]
    left: int = 1  # the commands not answered yet, plus one while still sending

    def settle(self) -> None:
        self.left -= 1
        if self.left == 0 and not self.finished.done():
            self.finished.set_result(None)


@dataclass(slots=True)
class _Command:
    waiting: _Waiting
    index: int
    rows: list[dict[str, str]] = field(default_factory=list)
    trap: Trap | None = None


class Session:
    """Tagged commands over `reader`/`writer` (already logged in); starts its reader task."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        timeout: float,
        depth: int,
        log: Log,
        encoding: str = codec.ENCODING,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._timeout = timeout
        self._encoding = encoding
        self._log = log
        self._slots = asyncio.Semaphore(depth)
        self._decoder = codec.SentenceDecoder(encoding)
        self._inflight: dict[str, _Command] = {}
        self._tags = itertools.count(1)
        self._out: list[bytes] = []
        self._failure: DriverError | None = None
        self._deadline: asyncio.Timeout | None = None
        self._reading = asyncio.create_task(self._read(), name="routeros-api-reader")

    @property
    def alive(self) -> bool:
        return self._failure is None

    async def call(self, words: Sequence[str]) -> Reply:
        """One command; raises the session's failure if the connection fails first."""
        batch = await self.pipeline([words])
        reply = batch.replies[0]
        if reply is None:
            raise batch.failure or TemporaryDriverError("the connection failed")
        return reply

    async def pipeline(self, sentences: Sequence[Sequence[str]]) -> Batch:
        """Send every command, at most `depth` in flight, and collect their replies."""
        waiting = _Waiting([None] * len(sentences), asyncio.get_running_loop().create_future())
        try:
            await self._send_all(sentences, waiting)
        finally:
            waiting.settle()  # sending is over, however it ended
        await waiting.finished
        failed = any(reply is None for reply in waiting.replies)
        return Batch(replies=waiting.replies, failure=self._failure if failed else None)

    async def close(self) -> None:
        self._fail(TemporaryDriverError("the connection was closed"))
        self._reading.cancel()
        await asyncio.wait([self._reading])
        self._writer.close()
        with contextlib.suppress(OSError, TimeoutError):
            await asyncio.wait_for(self._writer.wait_closed(), CLOSE_TIMEOUT)

    # Sending.

    async def _send_all(self, sentences: Sequence[Sequence[str]], waiting: _Waiting) -> None:
        for index, words in enumerate(sentences):
            if self._slots.locked():
                # Everything queued so far leaves in one write before we wait for a slot.
                await self._flush()
            await self._slots.acquire()
            if self._failure is not None:
                self._slots.release()
                break
            self._submit(words, _Command(waiting, index))
        await self._flush()

    def _submit(self, words: Sequence[str], command: _Command) -> None:
        tag = str(next(self._tags))
        try:
            data = codec.encode([*words, _TAG + tag], self._encoding)
        except DriverError:
            self._slots.release()
            raise
        self._out.append(data)
        idle = not self._inflight
        self._inflight[tag] = command
        command.waiting.left += 1
        if idle:
            self._arm()

    async def _flush(self) -> None:
        if not self._out or self._failure is not None:
            self._out.clear()
            return
        data = b"".join(self._out)
        self._out.clear()
        self._writer.write(data)
        try:
            await self._writer.drain()
        except OSError as exc:
            self._fail(TemporaryDriverError(f"sending failed: {exc}"))

    # Receiving.

    async def _read(self) -> None:
        failure: DriverError
        try:
            async with asyncio.timeout(None) as deadline:
                self._deadline = deadline
                self._arm()  # commands may have been sent before this task first ran
                await self._read_loop()
            failure = TemporaryDriverError("the device closed the connection")
        except TimeoutError:
            failure = TemporaryDriverError(f"no reply within {self._timeout:g} s")
        except OSError as exc:
            failure = TemporaryDriverError(f"the connection failed: {exc}")
        except DriverError as exc:
            failure = exc
        self._fail(failure)

    async def _read_loop(self) -> None:
        while data := await self._reader.read(READ_SIZE):
            for words in self._decoder.feed(data):
                if words:  # RouterOS ignores empty sentences; so do we
                    self._on_sentence(words)
            self._arm()

    def _arm(self) -> None:
        """Expect a reply within `timeout` while commands wait; none when idle."""
        if self._deadline is None:
            return
        when = asyncio.get_running_loop().time() + self._timeout if self._inflight else None
        self._deadline.reschedule(when)

    def _on_sentence(self, words: list[str]) -> None:
        kind = words[0]
        if kind == "!fatal":
            reason = " ".join(words[1:]) or "no reason given"
            raise TemporaryDriverError(f"the device sent !fatal: {reason}")
        attrs: dict[str, str] = {}
        tag = None
        for word in words:
            # Words are never empty (an empty word ends the sentence).
            if word[0] == "=":
                name, _, value = word[1:].partition("=")
                attrs[name] = value
            elif word.startswith(_TAG):
                tag = word[5:]
        command = self._inflight.get(tag) if tag is not None else None
        if command is None:
            self._log.debug("ignoring a %s sentence for no command of ours (tag %s)", kind, tag)
        elif kind == "!re":
            command.rows.append(attrs)
        elif kind == "!trap":
            command.trap = command.trap or Trap(attrs.get("message", ""), _category(attrs))
        elif kind == "!done":
            self._finish(str(tag), Reply(command.rows, attrs, command.trap))
        # `!empty` and reply words a newer RouterOS may add carry nothing we use.

    def _finish(self, tag: str, reply: Reply) -> None:
        command = self._inflight.pop(tag)
        command.waiting.replies[command.index] = reply
        command.waiting.settle()
        self._slots.release()

    def _fail(self, failure: DriverError) -> None:
        if self._failure is None:
            self._failure = failure
            self._log.debug("API session ended: %s", failure)
            self._writer.transport.abort()
        inflight, self._inflight = self._inflight, {}
        for command in inflight.values():
            command.waiting.settle()  # its reply stays None: the failure is the answer
            self._slots.release()


def _category(attrs: Mapping[str, str]) -> int | None:
    category = attrs.get("category", "")
    return int(category) if category.isdigit() else None
