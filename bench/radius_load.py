"""The RADIUS load generator: a fixed number of requests in flight over several sockets.

It runs in its own process, pinned to its own core (`run_in_process`), so the server's
core does nothing else. Requests are spread over `sockets` UDP sockets (a RADIUS
identifier is one octet per source port); each answer is checked (`radius_traffic`) and
immediately replaced by a new request on the same socket, so `in_flight` stays
constant: a closed loop, like NAS retransmission timers bound a real one. A request
unanswered after `timeout` is lost, and replaced.

After `warmup` seconds the answers are counted in `windows` consecutive windows of
`seconds` each (steady load across them); each window gives a throughput and its
latency p50/p99. At the end nothing new is sent and the requests still in flight get
`timeout` to be answered; those that are not count as lost.

Raw non-blocking sockets and `epoll`, no event-loop framework: the generator must
outrun the server it measures on the same kind of core.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import select
import socket
import statistics
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from bench import radius_world
from bench.radius_traffic import AcctTraffic, AuthTraffic

if TYPE_CHECKING:
    from collections.abc import Sequence
    from multiprocessing.connection import Connection

    from bench.radius_traffic import Traffic

LOAD_CORE: Final = 1  # the server is pinned to core 0
_RECEIVE_BUFFER: Final = 1 << 20
_SCAN_INTERVAL: Final = 0.1  # seconds between scans for lost requests


def pin(core: int, *, prioritise: bool) -> None:
    """Run this process (and the threads and children it starts) on `core`.

    `prioritise` gives it the round-robin real-time class where allowed (root): on a
    shared machine other jobs would otherwise take turns on the server's core, and a
    server with many threads (FreeRADIUS) would get more turns than one with a single
    thread; the kernel still keeps 5% of the core for everything else. The busy-polling
    generator is not prioritised: it would starve the kernel's softirq thread on its
    core, which delivers loopback datagrams when their load is high.
    """
    os.sched_setaffinity(0, {core})
    if prioritise:
        with contextlib.suppress(PermissionError):
            os.sched_setscheduler(0, os.SCHED_RR, os.sched_param(1))


@dataclass(frozen=True, slots=True)
class LoadSpec:
    host: str
    port: int
    kind: Literal["auth", "acct"]
    seconds: float  # one measurement window
    windows: int = 3
    warmup: float = 2.0
    sockets: int = 8
    in_flight: int = 64
    timeout: float = 1.1  # seconds: RouterOS retransmits then (its default /radius timeout)
    label: str = "bench"  # makes the Acct-Session-Ids unique to this run


@dataclass(frozen=True, slots=True)
class Window:
    answered: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def per_s(self) -> float:
        return self.answered / self.seconds


@dataclass(frozen=True, slots=True)
class LoadReport:
    windows: tuple[Window, ...]
    sent: int
    verified: int
    unverified: int  # wrong code, bad authenticator, missing or bad Message-Authenticator
    lost: int  # never answered within the timeout
    stray: int  # answers to no request in flight (late answers to lost ones)
    busy: float  # the generator's share of the windows spent on answers: near 1, it was the limit

    @property
    def per_s(self) -> float:
        """The median window's throughput."""
        return statistics.median(w.per_s for w in self.windows)

    @property
    def p50_ms(self) -> float:
        return statistics.median(w.p50_ms for w in self.windows)

    @property
    def p99_ms(self) -> float:
        return statistics.median(w.p99_ms for w in self.windows)


def combined(reports: Sequence[LoadReport]) -> LoadReport:
    """Several runs against one server as one report: all their windows, summed counts."""
    return LoadReport(
        windows=tuple(window for report in reports for window in report.windows),
        sent=sum(report.sent for report in reports),
        verified=sum(report.verified for report in reports),
        unverified=sum(report.unverified for report in reports),
        lost=sum(report.lost for report in reports),
        stray=sum(report.stray for report in reports),
        busy=statistics.mean(report.busy for report in reports),
    )


def _percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] * 1000


def _window(answered: int, seconds: float, latencies: list[float]) -> Window:
    latencies.sort()
    return Window(answered, seconds, _percentile(latencies, 0.5), _percentile(latencies, 0.99))


class _Generator:
    def __init__(self, spec: LoadSpec, traffic: Traffic) -> None:
        self._spec = spec
        self._traffic = traffic
        self._sockets: list[socket.socket] = []
        for _ in range(spec.sockets):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RECEIVE_BUFFER)
            sock.connect((spec.host, spec.port))
            sock.setblocking(False)  # noqa: FBT003 - the socket API's own flag
            self._sockets.append(sock)
        # Per socket: identifier -> (sent at, Request Authenticator, expected reply bytes)
        self._pending: list[dict[int, tuple[float, bytes, bytes]]] = [{} for _ in self._sockets]
        self._next_id = [0] * spec.sockets
        self.sent = self.verified = self.unverified = self.lost = self.stray = 0
        self.send_errors = 0
        self.latencies: list[float] = []
        self.measuring = False

    def close(self) -> None:
        for sock in self._sockets:
            sock.close()

    def send(self, index: int) -> None:
        pending = self._pending[index]
        identifier = self._next_id[index]
        while identifier in pending:
            identifier = (identifier + 1) & 0xFF
        self._next_id[index] = (identifier + 1) & 0xFF
        datagram, authenticator, expected = self._traffic.request(identifier)
        pending[identifier] = (time.perf_counter(), authenticator, expected)
        self.sent += 1
        try:
            self._sockets[index].send(datagram)
        except OSError:
            self.send_errors += 1  # a full send buffer: the scan counts it lost

    def receive(self, index: int, *, refill: bool) -> None:
        """Read every waiting answer on one socket; replace each with a new request."""
        receive = self._sockets[index].recv
        pending = self._pending[index]
        verify = self._traffic.verify
        clock = time.perf_counter
        while True:
            try:
                reply = receive(4096)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # ICMP port unreachable: the server is gone
                return
            entry = pending.pop(reply[1], None) if len(reply) > 1 else None
            if entry is None:
                self.stray += 1
                continue
            now = clock()
            if verify(reply, entry[1], entry[2]):
                self.verified += 1
                if self.measuring:
                    self.latencies.append(now - entry[0])
            else:
                self.unverified += 1
            if refill:
                self.send(index)

    def expire(self, now: float, *, refill: bool) -> None:
        """Count requests unanswered for `timeout` as lost (and replace them)."""
        deadline = now - self._spec.timeout
        for index, pending in enumerate(self._pending):
            for identifier in [i for i, entry in pending.items() if entry[0] < deadline]:
                del pending[identifier]
                self.lost += 1
                if refill:
                    self.send(index)

    def in_flight(self) -> int:
        return sum(len(p) for p in self._pending)

    def run(self) -> LoadReport:
        spec = self._spec
        poller = select.epoll()
        by_fd = {sock.fileno(): index for index, sock in enumerate(self._sockets)}
        for fd in by_fd:
            poller.register(fd, select.EPOLLIN)
        try:
            for n in range(spec.in_flight):
                self.send(n % spec.sockets)
            windows, busy = self._measure(poller, by_fd)
            deadline = time.perf_counter() + spec.timeout
            while self.in_flight() and time.perf_counter() < deadline:
                for fd, _ in poller.poll(0.05):
                    self.receive(by_fd[fd], refill=False)
            self.expire(float("inf"), refill=False)
        finally:
            poller.close()
        return LoadReport(
            windows, self.sent, self.verified, self.unverified, self.lost, self.stray, busy
        )

    def _measure(
        self, poller: select.epoll, by_fd: dict[int, int]
    ) -> tuple[tuple[Window, ...], float]:
        """Keep the load up through the warm-up and the windows; the windows, and the
        share of their time spent on answers rather than polling."""
        spec = self._spec
        clock = time.perf_counter
        start = clock()
        boundaries = [start + spec.warmup + spec.seconds * n for n in range(spec.windows + 1)]
        windows: list[Window] = []
        mark, marked_at, next_scan = 0, start, start + _SCAN_INTERVAL
        working = 0.0
        measure_start = now = start
        for boundary in boundaries:
            # Busy-polling: this core is the generator's alone, and a core that never
            # sleeps answers at once (waking an idle virtual CPU takes tens of µs).
            while (now := clock()) < boundary:
                events = poller.poll(0)
                if events:
                    for fd, _ in events:
                        self.receive(by_fd[fd], refill=True)
                    working += clock() - now
                if now >= next_scan:
                    self.expire(now, refill=True)
                    next_scan = now + _SCAN_INTERVAL
            if self.measuring:
                windows.append(_window(self.verified - mark, now - marked_at, self.latencies))
                self.latencies = []
            else:
                measure_start, working = now, 0.0
                self.measuring = True
            mark, marked_at = self.verified, now
        self.measuring = False
        return tuple(windows), working / (now - measure_start)


def traffic_for(spec: LoadSpec) -> Traffic:
    users = radius_world.users()
    secret = radius_world.SECRET.encode()
    if spec.kind == "auth":
        return AuthTraffic(users, secret, radius_world.NAS_IDENTIFIER)
    return AcctTraffic(users, secret, radius_world.NAS_IDENTIFIER, label=spec.label)


def run_load(spec: LoadSpec) -> LoadReport:
    generator = _Generator(spec, traffic_for(spec))
    try:
        return generator.run()
    finally:
        generator.close()


def _child(spec: LoadSpec, conn: Connection) -> None:
    pin(LOAD_CORE, prioritise=False)
    try:
        conn.send(run_load(spec))
    finally:
        conn.close()


def run_in_process(spec: LoadSpec) -> LoadReport:
    """`run_load` in a spawned process pinned to `LOAD_CORE`."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(spec, sender), name="radius-load")
    process.start()
    sender.close()
    try:
        budget = spec.warmup + spec.windows * spec.seconds + spec.timeout + 60
        if not receiver.poll(budget):
            raise RuntimeError(f"the load generator gave no report within {budget:.0f} s")
        report: LoadReport = receiver.recv()
    finally:
        process.join(10)
        if process.is_alive():
            process.kill()
            process.join()
    return report
