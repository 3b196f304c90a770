"""RADIUS throughput and latency: provisiond against FreeRADIUS, over loopback.

Set-up (docs/radius.md "Performance"): each server in its own process pinned to core 0,
the load generator (`radius_load`) in its own process pinned to core 1, 64 requests in
flight over 8 UDP sockets, 10,000 PAP users (`radius_world`). Every reply is verified
(Response Authenticator, Message-Authenticator, code, the user's Framed-IP-Address).

Every server runs from the start; the measurement goes in rounds, each round giving
every server in turn one window of `BENCH_RADIUS_SECONDS` (10) seconds after a 2 s
warm-up, so that whatever else the machine runs weighs on all of them alike.
Throughput is the median of `BENCH_RADIUS_ROUNDS` (3) windows; p50/p99 the medians of
the windows' percentiles. `BENCH_RADIUS_SECONDS=2 BENCH_RADIUS_ROUNDS=1` is a quick run.

Figures (`radius_*` for provisiond on asyncio's default loop):
- `radius_auth_per_s`, `radius_auth_p50_ms`, `radius_auth_p99_ms`: Access-Requests
  (PAP, Message-Authenticator), answered from memory.
- `radius_acct_per_s`, `radius_acct_p50_ms`, `radius_acct_p99_ms`: Accounting-Requests
  (Start, Interim-Update, Stop; unique Acct-Session-Ids), each answered after the COMMIT
  (SQLite WAL, synchronous=FULL) that holds its record.
- `radius_{auth,acct}_unverified`, `radius_{auth,acct}_lost`: replies that failed a
  check, requests never answered (both must be 0).
- `radius_{auth,acct}_server_cpu_us`: server CPU time per answered request, warm-ups
  included (all its threads).
- `radius_{auth,acct}_server_busy`: the server's CPU time over the wall time of its
  runs (the generator's start and the warm-up included): how much of its core it used.
- `radius_{auth,acct}_generator_busy`: the share of the windows the generator spent on
  answers rather than polling; near 1 it was the limit, not the server.
- `radius_drops`: requests the server dropped (its own metrics).
- `radius_uvloop_*`: the same on uvloop, when it is installed (not a dependency).
- `freeradius_{files,sql}_*`: FreeRADIUS 3 `files` and `rlm_sql` SQLite
  (`radius_freeradius`), when installed; else one `freeradius` figure with a note.
- `radius_auth_vs_freeradius_files`, `radius_acct_vs_freeradius_sql`: the ratios, and
  `radius_{auth_cpu_vs_freeradius_files,acct_cpu_vs_freeradius_sql}`: the same for CPU
  time per request (theirs over ours).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

from bench import Figure, radius_freeradius
from bench.radius_load import LoadSpec, combined, run_in_process
from bench.radius_provisiond import SERVER_CORE, ProvisiondServer

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from bench.radius_load import LoadReport

SECONDS_VARIABLE: Final = "BENCH_RADIUS_SECONDS"
ROUNDS_VARIABLE: Final = "BENCH_RADIUS_ROUNDS"
DEFAULT_SECONDS: Final = 10.0
DEFAULT_ROUNDS: Final = 3
_TICKS: Final = os.sysconf("SC_CLK_TCK")


def _setting(name: str, default: float) -> float:
    text = os.environ.get(name, "")
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise SystemExit(f"{name}={text!r}: expected a number") from None
    if value <= 0:
        raise SystemExit(f"{name}={text!r}: must be positive")
    return value


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process, all its threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


@dataclass
class _Server:
    """One server under test: where to send, whose CPU to count, what it got so far."""

    prefix: str
    pid: int
    addresses: dict[str, tuple[str, int]]
    reports: dict[str, list[LoadReport]] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds under load, by kind
    wall: dict[str, float] = field(default_factory=dict)  # wall seconds under load, by kind


class _Measure:
    def __init__(self, seconds: float, rounds: int) -> None:
        self.seconds = seconds
        self.rounds = rounds
        self.warmup = min(2.0, seconds)

    def round(self, server: _Server, kind: str, number: int) -> None:
        """One window against one server; its report and CPU time are added to it."""
        address = server.addresses[kind]
        spec = LoadSpec(
            host=address[0],
            port=address[1],
            kind="auth" if kind == "auth" else "acct",
            seconds=self.seconds,
            windows=1,
            warmup=self.warmup,
            label=f"{server.prefix}-{number}",  # Acct-Session-Ids unique to the round
        )
        before, started = cpu_seconds(server.pid), time.monotonic()
        report = run_in_process(spec)
        server.cpu[kind] = server.cpu.get(kind, 0.0) + cpu_seconds(server.pid) - before
        server.wall[kind] = server.wall.get(kind, 0.0) + time.monotonic() - started
        server.reports.setdefault(kind, []).append(report)

    def interleaved(self, servers: list[_Server]) -> None:
        """Round after round, each server in turn, so that whatever else the machine
        does at a time weighs on every server alike (the ratios are the point)."""
        for kind in ("auth", "acct"):
            for number in range(self.rounds):
                for server in servers:
                    self.round(server, kind, number)


def _figures(server: _Server, kind: str) -> Iterator[Figure]:
    prefix = f"{server.prefix}_{kind}"
    report = combined(server.reports[kind])
    if report.verified:
        yield Figure(f"{prefix}_per_s", report.per_s, "1/s")
        yield Figure(f"{prefix}_p50_ms", report.p50_ms, "ms")
        yield Figure(f"{prefix}_p99_ms", report.p99_ms, "ms")
    yield Figure(f"{prefix}_unverified", report.unverified, "replies")
    yield Figure(f"{prefix}_lost", report.lost, "requests")
    cpu_us = server.cpu[kind] / max(report.verified, 1) * 1e6
    yield Figure(f"{prefix}_server_cpu_us", cpu_us, "us")
    yield Figure(f"{prefix}_server_busy", server.cpu[kind] / server.wall[kind], "fraction")
    yield Figure(f"{prefix}_generator_busy", report.busy, "fraction")


def _drops(prefix: str, server: ProvisiondServer) -> Figure:
    counts = server.counts
    if counts is None:
        return Figure(f"{prefix}_drops", 0, "requests", note="the server reported no counts")
    note = ", ".join(f"{reason}: {n}" for reason, n in sorted(counts.drops.items()))
    return Figure(f"{prefix}_drops", sum(counts.drops.values()), "requests", note=note)


_NOTES: Final = {
    "freeradius_files_acct_per_s": "detail file, not synced",
    "freeradius_sql_acct_per_s": "radacct, SQLite",
}


def _measured(measure: _Measure) -> Iterator[Figure]:
    servers: list[_Server] = []
    provisiond: list[tuple[str, ProvisiondServer]] = []
    freeradius: list[radius_freeradius.FreeRadius] = []
    with contextlib.ExitStack() as stack:
        for prefix, use_uvloop in (("radius", False), ("radius_uvloop", True)):
            if use_uvloop and importlib.util.find_spec("uvloop") is None:
                yield Figure(prefix, 0, "skipped", note="uvloop is not installed")
                continue
            process = stack.enter_context(ProvisiondServer(use_uvloop=use_uvloop))
            provisiond.append((prefix, process))
            servers.append(
                _Server(prefix, process.pid, {"auth": process.auth, "acct": process.acct})
            )
        missing = radius_freeradius.missing()
        if missing is not None:
            yield Figure("freeradius", 0, "skipped", note=missing)
        else:
            for setup in ("files", "sql"):
                reference = stack.enter_context(
                    radius_freeradius.FreeRadius(setup, core=SERVER_CORE)
                )
                freeradius.append(reference)
                addresses = {"auth": reference.auth, "acct": reference.acct}
                servers.append(_Server(f"freeradius_{setup}", reference.pid, addresses))
        measure.interleaved(servers)
        locked = [
            reference.count("database is locked")
            for reference in freeradius
            if reference.setup == "sql"
        ]
    for server in servers:
        for kind in ("auth", "acct"):
            for figure in _figures(server, kind):
                note = _NOTES.get(figure.bench, "")
                yield figure._replace(note=note) if note else figure
    for prefix, process in provisiond:
        yield _drops(prefix, process)
    for count in locked:
        yield Figure("freeradius_sql_database_locked", count, "log lines")


def run() -> Iterable[Figure]:
    measure = _Measure(
        _setting(SECONDS_VARIABLE, DEFAULT_SECONDS),
        int(_setting(ROUNDS_VARIABLE, DEFAULT_ROUNDS)),
    )
    values: dict[str, float] = {}
    for figure in _measured(measure):
        values[figure.bench] = figure.value
        yield figure
    for name, ours, theirs in (
        ("radius_auth_vs_freeradius_files", "radius_auth_per_s", "freeradius_files_auth_per_s"),
        ("radius_acct_vs_freeradius_sql", "radius_acct_per_s", "freeradius_sql_acct_per_s"),
    ):
        if values.get(ours) and values.get(theirs):
            yield Figure(name, values[ours] / values[theirs], "x")
    # CPU per request, theirs over ours: what one core could do, whatever the scheduler
    # gave each server during its windows.
    for name, ours, theirs in (
        (
            "radius_auth_cpu_vs_freeradius_files",
            "radius_auth_server_cpu_us",
            "freeradius_files_auth_server_cpu_us",
        ),
        (
            "radius_acct_cpu_vs_freeradius_sql",
            "radius_acct_server_cpu_us",
            "freeradius_sql_acct_server_cpu_us",
        ),
    ):
        if values.get(ours) and values.get(theirs):
            yield Figure(name, values[theirs] / values[ours], "x")


if __name__ == "__main__":
    for figure in run():
        sys.stdout.write(f"{figure.bench} {figure.value:.3f} {figure.unit} {figure.note}\n")
