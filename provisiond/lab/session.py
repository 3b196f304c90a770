"""One API connection to a lab router: login, then commands, tagged ones concurrently.

Reference: reference/protocols.md §1.3-1.6. Commands without a tag are answered one at a
time, in order; tagged commands run side by side and their replies interleave, each
sentence carrying the command's `.tag`. Replies written in the same loop turn leave in
one socket write, so a pipelining client is not answered one syscall per command.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from provisiond.lab import errors
from provisiond.lab.device import Command, Device, Result, parse_command
from provisiond.lab.errors import CommandError, WireError
from provisiond.lab.wire import SentenceDecoder, encode_sentence

if TYPE_CHECKING:
    from provisiond.lab.faults import Faults, Injection

logger = logging.getLogger(__name__)

# RouterOS bounds what it buffers before login; a login sentence is far smaller.
PRE_LOGIN_LIMIT = 16 * 1024
READ_SIZE = 64 * 1024
# Rows of a print written between yields, so other tagged replies and `/cancel` get in.
ROWS_PER_TURN = 256
CLOSE_TIMEOUT = 1.0


@dataclass
class LabStats:
    """Counters for tests and benchmarks."""

    connections: int = 0
    logins: int = 0
    commands: int = 0
    writes: int = 0
    traps: int = 0


@dataclass(frozen=True)
class Context:
    """What a session shares with its router."""

    device: Device
    faults: Faults
    stats: LabStats
    username: str
    password: str
    max_sentence_bytes: int


class Session:
    def __init__(
        self, context: Context, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._ctx = context
        self._reader = reader
        self._writer = writer
        self._decoder = SentenceDecoder(max_sentence_bytes=PRE_LOGIN_LIMIT)
        self._logged_in = False
        self._running: dict[asyncio.Task[None], Command] = {}
        self._untagged = asyncio.Lock()
        limit = context.faults.max_in_flight
        self._slots = asyncio.Semaphore(limit) if limit else None
        self._out: list[bytes] = []
        self._flush_pending = False
        self._closed = False
        self._reading: asyncio.Task[None] | None = None

    async def serve(self) -> None:
        # Reading runs in a task of its own that `stop()` may cancel: the connection's
        # handler task itself must end normally, since asyncio (3.11) reports a cancelled
        # client_connected_cb as an unhandled exception.
        self._reading = asyncio.create_task(self._read_all(), name="lab-session-reader")
        try:
            await asyncio.wait([self._reading])
        finally:
            self._reading.cancel()
            await self._shutdown()

    def abort(self) -> None:
        """Drop the connection at once, as a router that lost it would."""
        self._closed = True
        self._out.clear()
        self._writer.transport.abort()

    def stop(self) -> None:
        """Abort, and stop reading even if the reader is waiting for something else."""
        self.abort()
        if self._reading is not None:
            self._reading.cancel()

    async def _read_all(self) -> None:
        try:
            await self._read_loop()
        except WireError as exc:
            logger.debug("closing a connection that sent garbage: %s", exc)
        except ConnectionError as exc:
            logger.debug("connection lost: %s", exc)

    async def _read_loop(self) -> None:
        while not self._closed:
            data = await self._reader.read(READ_SIZE)
            if not data:
                return
            for words in self._decoder.feed(data):
                # RouterOS ignores empty sentences.
                if words and not await self._on_sentence(words):
                    return

    async def _on_sentence(self, words: list[str]) -> bool:
        """Handle one sentence; False when the connection is over."""
        if self._ctx.faults.should_drop("received"):
            self.abort()
            return False
        command = parse_command(words)
        if not self._logged_in:
            if command.path == "" and command.verb == "login":
                await self._login(command)
                return True
            self._fatal(errors.NOT_LOGGED_IN)
            return False
        self._ctx.stats.commands += 1
        if command.path == "":
            return await self._api_command(command)
        await self._dispatch(command)
        return True

    async def _api_command(self, command: Command) -> bool:
        if command.verb == "login":
            await self._login(command)
        elif command.verb == "cancel":
            await self._cancel(command)
        elif command.verb == "quit":
            self._fatal(errors.QUIT)
            return False
        else:
            unknown = CommandError(errors.NO_SUCH_COMMAND_PREFIX, errors.CATEGORY_MISSING)
            self._trap(unknown, command.tag)
        return True

    async def _login(self, command: Command) -> None:
        """Post-6.43 plain login: `/login =name= =password=`."""
        await self._delay()
        name, password = command.attrs.get("name"), command.attrs.get("password")
        if name != self._ctx.username or password != self._ctx.password:
            self._trap(CommandError(errors.BAD_LOGIN), command.tag)
            return
        self._logged_in = True
        self._decoder.max_sentence_bytes = self._ctx.max_sentence_bytes
        self._ctx.stats.logins += 1
        self._send(["!done"], command.tag)

    async def _dispatch(self, command: Command) -> None:
        if self._answers_at_once(command):
            # Nothing to wait for: answering inline spares a task per command.
            await self._run(command)
            return
        if self._slots is not None:
            await self._slots.acquire()
        task = asyncio.create_task(self._run(command), name=f"lab-command-{command.verb}")
        self._running[task] = command
        task.add_done_callback(self._finished)

    def _answers_at_once(self, command: Command) -> bool:
        # Only an untagged command with nothing before it and nothing to wait for; a
        # tagged one always runs as a task, so a long print of it can be interleaved
        # with other replies or cancelled.
        if command.tag is not None or self._untagged.locked():
            return False
        faults = self._ctx.faults
        return not (faults.latency or (faults.write_time and self._ctx.device.is_write(command)))

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.pop(task, None)
        if self._slots is not None:
            self._slots.release()
        if not task.cancelled() and task.exception() is not None:
            logger.error("lab command failed", exc_info=task.exception())

    async def _run(self, command: Command) -> None:
        if command.tag is not None:
            await self._perform(command)
            return
        async with self._untagged:
            await self._perform(command)

    async def _perform(self, command: Command) -> None:
        await self._delay()
        device = self._ctx.device
        injection = self._ctx.faults.take_injection(command)
        if injection is not None:
            self._inject(injection, command)
            return
        is_write = device.is_write(command)
        if is_write:
            await self._write_slot()
        try:
            result = device.execute(command)
        except CommandError as trap:
            self._trap(trap, command.tag)
            return
        if is_write:
            self._ctx.stats.writes += 1
        await self._reply(result, command.tag)

    async def _delay(self) -> None:
        if self._ctx.faults.latency:
            await asyncio.sleep(self._ctx.faults.latency)

    async def _write_slot(self) -> None:
        faults = self._ctx.faults
        if faults.write_time:
            delay = faults.reserve_write(asyncio.get_running_loop().time())
            await asyncio.sleep(delay)

    def _inject(self, injection: Injection, command: Command) -> None:
        if injection.fatal:
            self._fatal(injection.message)
        else:
            self._trap(CommandError(injection.message, injection.category), command.tag)

    async def _cancel(self, command: Command) -> None:
        """`/cancel [=tag=X]`: stop X (or every running command); it traps `interrupted`."""
        wanted = command.attrs.get("tag")
        victims: dict[asyncio.Task[None], str | None] = {}
        for task, running in self._running.items():
            if (wanted is None or running.tag == wanted) and task.cancel():
                victims[task] = running.tag
        if victims:
            await asyncio.wait(victims)
        for task, tag in victims.items():
            if task.cancelled():
                self._trap(CommandError(errors.INTERRUPTED, errors.CATEGORY_INTERRUPTED), tag)
        self._send(["!done"], command.tag)

    async def _reply(self, result: Result, tag: str | None) -> None:
        rows = result.rows
        for start in range(0, len(rows), ROWS_PER_TURN):
            if start:
                await self._yield_to_others()
            for row in rows[start : start + ROWS_PER_TURN]:
                self._send(["!re", *(f"={k}={v}" for k, v in row.items())], tag)
        if result.empty:
            self._send(["!empty"], tag)
        self._send(["!done"] if result.ret is None else ["!done", f"=ret={result.ret}"], tag)

    def _trap(self, trap: CommandError, tag: str | None) -> None:
        self._ctx.stats.traps += 1
        self._send(trap.words(), tag)
        self._send(["!done"], tag)

    def _fatal(self, reason: str) -> None:
        """`!fatal` and its reason as a bare word, then the connection closes."""
        self._send(["!fatal", reason], None)
        self._flush()
        self._closed = True
        self._writer.close()

    def _send(self, words: list[str], tag: str | None) -> None:
        if self._closed:
            return
        if tag is not None:
            words.append(f".tag={tag}")
        if self._ctx.faults.should_drop("sent"):
            self._flush()
            self.abort()
            return
        self._out.append(encode_sentence(words))
        if not self._flush_pending:
            self._flush_pending = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_pending = False
        if self._out and not self._closed:
            self._writer.write(b"".join(self._out))
        self._out.clear()

    async def _yield_to_others(self) -> None:
        self._flush()
        try:
            await self._writer.drain()
        except ConnectionError:
            self._closed = True
        await asyncio.sleep(0)

    async def _shutdown(self) -> None:
        tasks = list(self._running)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        self._flush()
        self._closed = True
        self._writer.close()
        with contextlib.suppress(ConnectionError, TimeoutError):
            await asyncio.wait_for(self._writer.wait_closed(), CLOSE_TIMEOUT)
