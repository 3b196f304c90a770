"""RouterOS API sync against a lab router in its own process, with the issue's latency model.

The lab router answers each command after 1 ms (its round trip), runs up to 64 tagged
commands of one connection at once, and spends 50 µs of serial processing per write
(1 ms for `sync_cold_100k_serial1ms_s`, a slow router). It runs in a child process, so
its CPU time is not ours.

Figures:
- `sync_cold_100k_s`: a cold sync of 100,000 address-list entries in 20 lists through
  the API driver: observe the 20 (empty) lists, diff, apply.
- `sync_cold_100k_naive_s`: the same 100,000 adds with sequential librouteros
  `path.add` calls. Measured on 5,000 and extrapolated when the whole would take over
  3 minutes (the unit then says so).
- `sync_cold_100k_pool16_s`: the same adds over a pool of 16 librouteros connections,
  the alternative to pipelining.
- `sync_cold_100k_serial1ms_s`: the driver's cold sync with 1 ms of serial processing
  per write.
- `sync_nodrift_100k_s`: a resync of a converged router holding the 100,000 entries:
  observe the 20 lists and diff; nothing to change.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import librouteros

from bench import Figure
from provisiond import plan
from provisiond.config import DeviceSettings, Platform
from provisiond.drivers import RouterOSApiDriver, connected
from provisiond.lab import LabRouter
from provisiond.model.device_state import ADDRESS_LIST_PATH, AddressEntry, DesiredState
from provisiond.model.secret import Secret

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence
    from multiprocessing.connection import Connection

ENTRIES = 100_000
LISTS = tuple(f"list-{n:02d}" for n in range(20))
PATH = ADDRESS_LIST_PATH[4]
PASSWORD = "bench"  # noqa: S105 - the lab router's own, on loopback
LATENCY = 0.001
IN_FLIGHT = 64
WRITE_TIME = 50e-6
SLOW_WRITE_TIME = 1e-3
NAIVE_SAMPLE = 5_000
NAIVE_LIMIT_S = 180.0
POOL = 16
START_TIMEOUT_S = 120.0
PREFIX = "provisiond"


@dataclass(frozen=True)
class LabSpec:
    write_time: float
    preload: bool = False


def _entries() -> list[AddressEntry]:
    return [
        AddressEntry(
            4, LISTS[n % len(LISTS)], f"100.{64 + n // 65_536}.{n // 256 % 256}.{n % 256}", n + 1
        )
        for n in range(ENTRIES)
    ]


def _desired(entries: Sequence[AddressEntry]) -> DesiredState:
    return DesiredState(device="bench", addresses={entry.key: entry for entry in entries})


# The lab, in a child process.


def _serve(conn: Connection, spec: LabSpec) -> None:
    asyncio.run(_lab_main(conn, spec))


async def _lab_main(conn: Connection, spec: LabSpec) -> None:
    async with LabRouter(password=PASSWORD) as router:
        if spec.preload:
            for entry in _entries():
                router.add_foreign(
                    PATH,
                    list=entry.list,
                    address=entry.address,
                    comment=f"{PREFIX}:{entry.account_id}",
                )
        router.set_latency(LATENCY, write_time=spec.write_time, max_in_flight=IN_FLIGHT)
        conn.send(router.port)
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)


@contextlib.contextmanager
def lab_process(spec: LabSpec) -> Iterator[int]:
    """A lab router in its own process; its port."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_serve, args=(child, spec), name="bench-lab", daemon=True)
    process.start()
    try:
        yield _port(parent, process)
    finally:
        parent.send("stop")
        process.join(10)
        if process.is_alive():
            process.terminate()
            process.join()


def _port(parent: Connection, process: multiprocessing.process.BaseProcess) -> int:
    """The port the lab reports once it has started (and preloaded), or why it did not."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while not parent.poll(0.2):
        if not process.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the lab process did not start (exit code {process.exitcode})")
    return int(parent.recv())


def _settings(port: int) -> DeviceSettings:
    return DeviceSettings(
        name="bench",
        platform=Platform.ROUTEROS,
        host="127.0.0.1",
        port=port,
        username="admin",
        password=Secret(PASSWORD),
        timeout=30.0,
    )


# Our driver.


async def _sync(port: int, desired: DesiredState) -> tuple[float, plan.Plan]:
    """Observe every list, diff, apply; the seconds that took, and the plan applied."""
    async with connected(RouterOSApiDriver(_settings(port))) as driver:
        started = time.perf_counter()
        observed = await driver.observe(PATH, lists=LISTS)
        todo = plan.diff(desired, observed, comment_prefix=PREFIX)
        result = await driver.apply(todo.changes)
        elapsed = time.perf_counter() - started
    if len(result.applied) != len(todo.changes):
        raise RuntimeError(f"only {len(result.applied)} of {len(todo.changes)} changes applied")
    return elapsed, todo


def driver_sync(spec: LabSpec, desired: DesiredState) -> tuple[float, plan.Plan]:
    with lab_process(spec) as port:
        return asyncio.run(_sync(port, desired))


# librouteros, one command at a time.


class _AddPath(Protocol):
    async def add(self, **attrs: str) -> str: ...


async def _librouteros_path(port: int) -> tuple[_AddPath, _Closer]:
    api = await librouteros.async_connect(
        "127.0.0.1", "admin", PASSWORD, port=port, encoding="utf-8", timeout=30
    )
    path: _AddPath = api.path("ip", "firewall", "address-list")
    closer: _Closer = api
    return path, closer


class _Closer(Protocol):
    async def close(self) -> None: ...


async def _sequential_adds(path: _AddPath, entries: Iterable[AddressEntry]) -> None:
    for entry in entries:
        await path.add(
            list=entry.list, address=entry.address, comment=f"{PREFIX}:{entry.account_id}"
        )


async def _naive(port: int, entries: Sequence[AddressEntry]) -> tuple[float, str]:
    path, closer = await _librouteros_path(port)
    try:
        started = time.perf_counter()
        await _sequential_adds(path, entries[:NAIVE_SAMPLE])
        sample = time.perf_counter() - started
        projected = sample * len(entries) / NAIVE_SAMPLE
        if projected > NAIVE_LIMIT_S:
            return projected, f"s (extrapolated from {NAIVE_SAMPLE})"
        await _sequential_adds(path, entries[NAIVE_SAMPLE:])
        return time.perf_counter() - started, "s"
    finally:
        await closer.close()


async def _pool(port: int, entries: Sequence[AddressEntry]) -> float:
    connections = [await _librouteros_path(port) for _ in range(POOL)]
    try:
        started = time.perf_counter()
        shares = [entries[n::POOL] for n in range(POOL)]
        await asyncio.gather(
            *(
                _sequential_adds(path, share)
                for (path, _), share in zip(connections, shares, strict=True)
            )
        )
        return time.perf_counter() - started
    finally:
        for _, closer in connections:
            await closer.close()


# Figures.


def run() -> Iterable[Figure]:
    entries = _entries()
    desired = _desired(entries)
    elapsed, _ = driver_sync(LabSpec(write_time=WRITE_TIME), desired)
    yield Figure("sync_cold_100k_s", elapsed, "s")
    with lab_process(LabSpec(write_time=WRITE_TIME)) as port:
        naive, unit = asyncio.run(_naive(port, entries))
    yield Figure("sync_cold_100k_naive_s", naive, unit)
    with lab_process(LabSpec(write_time=WRITE_TIME)) as port:
        yield Figure(f"sync_cold_100k_pool{POOL}_s", asyncio.run(_pool(port, entries)), "s")
    elapsed, _ = driver_sync(LabSpec(write_time=SLOW_WRITE_TIME), desired)
    yield Figure("sync_cold_100k_serial1ms_s", elapsed, "s")
    elapsed, todo = driver_sync(LabSpec(write_time=WRITE_TIME, preload=True), desired)
    if not todo.is_empty:
        raise RuntimeError(f"a converged router needed {len(todo.changes)} changes")
    yield Figure("sync_nodrift_100k_s", elapsed, "s")
