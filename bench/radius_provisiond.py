"""provisiond's RADIUS server as the benchmark measures it, in its own pinned process.

The real `RadiusServer` on loopback (ephemeral ports), with a real SQLite store in a
temporary directory (WAL, `synchronous=FULL`, as `Store.open` configures it) and a
policy engine loaded with the benchmark's users (`radius_world`): each has a password,
a Framed-IP-Address, a service (the rate) and membership of a RADIUS group with its own
reply. Built the way `provisiond run` builds it (app/daemon.py): open sessions loaded
first, the engine seeded with their addresses, usage accounting (`UsageService`) counting
each accounting batch in its commit, `gc.freeze()` once loaded, and session changes fed
back into the engine and the answer cache.

`ProvisiondServer` starts the process and stops it; the process reports what the
server counted (`ServerCounts`), so drops show up in the figures. `uvloop=True` runs
the server on uvloop (when installed) instead of asyncio's default loop.
"""

from __future__ import annotations

import asyncio
import gc
import ipaddress
import multiprocessing
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from bench import radius_world
from bench.radius_load import pin
from provisiond.config.settings import (
    DeviceSettings,
    NasSettings,
    Platform,
    RadiusSettings,
    UsageSettings,
)
from provisiond.model.device_state import DeviceScope
from provisiond.model.enums import ReplyOp
from provisiond.model.objects import (
    Account,
    AccountStatus,
    Dataset,
    RadiusAccount,
    RadiusGroup,
    RadiusReply,
    Service,
)
from provisiond.model.secret import Secret
from provisiond.observability.metrics import Metrics
from provisiond.policy.engine import PolicyEngine, PolicySettings
from provisiond.radius.clients import NasTable
from provisiond.radius.server import RadiusServer
from provisiond.runtime.clock import SystemClock
from provisiond.store import Store
from provisiond.usage.service import UsageService

if TYPE_CHECKING:
    from collections.abc import Mapping
    from multiprocessing.connection import Connection
    from types import TracebackType

    from provisiond.model.clock import Clock
    from provisiond.model.device_state import SessionAddress
    from provisiond.model.enums import TriggerEvent
    from provisiond.policy.engine import Dirty

SERVER_CORE: Final = 0
START_TIMEOUT_S: Final = 120.0
_STOP: Final = "stop"


@dataclass(frozen=True, slots=True)
class ServerCounts:
    """What the server counted, from its metrics."""

    accepted: int
    rejected: int
    accounted: int
    drops: dict[str, int]
    sessions_open: int
    loop: str


def dataset() -> Dataset:
    active = AccountStatus(1, "Active", activates_account=True)
    services = tuple(
        Service(tier, f"Tier {tier}", *radius_world.tier_kbps(tier))
        for tier in range(1, radius_world.TIERS + 1)
    )
    group = RadiusGroup(
        1,
        radius_world.GROUP,
        replies=(
            RadiusReply("Mikrotik-Address-List", ReplyOp.SET_IF_ABSENT, radius_world.ADDRESS_LIST),
        ),
    )
    accounts = tuple(
        Account(
            user.index,
            f"Account {user.index}",
            status_id=1,
            service_ids=(user.tier,),
            radius_accounts=(
                RadiusAccount(
                    user.username,
                    password=Secret(user.password),
                    framed_ip=ipaddress.IPv4Address(user.framed_ip),
                ),
            ),
        )
        for user in radius_world.users()
    )
    return Dataset(
        account_statuses=(active,),
        services=services,
        radius_groups=(group,),
        accounts=accounts,
    )


def _nas() -> DeviceSettings:
    return DeviceSettings(
        name=radius_world.NAS_NAME,
        platform=Platform.NONE,
        nas=NasSettings(
            address=(ipaddress.ip_network(radius_world.NAS_IP),),
            secret=Secret(radius_world.SECRET),
            nas_identifier=radius_world.NAS_IDENTIFIER,
            require_message_authenticator=True,
        ),
    )


def _counts(metrics: Metrics, server: RadiusServer, loop: str) -> ServerCounts:
    def sample(name: str, **labels: str) -> int:
        return int(metrics.registry.get_sample_value(name, labels) or 0)

    requests = "provisiond_radius_requests_total"
    access, accounting = "access_request", "accounting_request"
    drops = {
        str(reason): sample("provisiond_radius_drops_total", reason=str(reason))
        for reason in server.stats.drops
    }
    return ServerCounts(
        accepted=sample(requests, type=access, result="accept"),
        rejected=sample(requests, type=access, result="reject"),
        accounted=sample(requests, type=accounting, result="response"),
        drops={reason: count for reason, count in drops.items() if count},
        sessions_open=len(server.book),
        loop=loop,
    )


async def no_event(
    event: TriggerEvent,
    account_id: int | None,
    data: Mapping[str, Any],
    *,
    once_key: str | None = None,
) -> int:
    """The daemon's `EventsService.fire`, for benches that define no usage thresholds."""
    del event, account_id, data, once_key
    return 0


@dataclass(frozen=True, slots=True)
class Assembled:
    """The server and what it is wired to, loaded and ready to `start()`."""

    server: RadiusServer
    usage: UsageService
    metrics: Metrics


async def assemble(store: Store, clock: Clock, state_dir: Path) -> Assembled:
    """provisiond's RADIUS server as the daemon builds it (module docstring), loaded with
    the bench's users, `gc.freeze()`d; not started."""
    engine = PolicyEngine(
        settings=PolicySettings(interim_interval_s=radius_world.INTERIM_INTERVAL),
        devices=[DeviceScope(radius_world.NAS_NAME)],
    )
    metrics = Metrics()
    server: RadiusServer | None = None

    def fan_out(dirty: Dirty) -> None:
        # What the daemon does (LiveState): the cached answers of the users go.
        if server is not None:
            server.invalidate(dirty.usernames)

    def sessions_changed(account_id: int, addresses: tuple[SessionAddress, ...]) -> None:
        fan_out(engine.set_sessions(account_id, addresses))

    def over_cap(account_id: int, over: bool) -> None:  # noqa: FBT001 - the callback's
        fan_out(engine.set_over_cap(account_id, over))

    # Usage accounting counts every batch's traffic in its commit, as in the daemon.
    usage = UsageService(
        store=store,
        clock=clock,
        settings=UsageSettings(),
        policy_of=engine.usage_policy,
        on_over_cap=over_cap,
        fire=no_event,
    )
    settings = RadiusSettings(listen=(radius_world.NAS_IP,), auth_port=0, acct_port=0)
    server = RadiusServer(
        settings=settings,
        nas_table=NasTable.from_devices([_nas()]),
        state_dir=state_dir,
        engine=engine,
        store=store,
        clock=clock,
        metrics=metrics,
        on_sessions_changed=sessions_changed,
        usage=usage,
    )
    await server.load()
    engine.load(dataset(), sessions=server.open_session_addresses())
    await usage.start()
    gc.collect()
    gc.freeze()
    return Assembled(server, usage, metrics)


async def _serve(conn: Connection, state_dir: Path, loop_name: str) -> None:
    clock = SystemClock()
    store = await Store.open(f"sqlite:///{state_dir}/provisiond.db", clock=clock)
    try:
        assembled = await assemble(store, clock, state_dir)
        server, usage, metrics = assembled.server, assembled.usage, assembled.metrics
        await server.start()
        conn.send((server.auth_addresses[0], server.acct_addresses[0]))
        stopping = asyncio.Event()
        asyncio.get_running_loop().add_reader(conn.fileno(), stopping.set)
        await stopping.wait()
        asyncio.get_running_loop().remove_reader(conn.fileno())
        await server.stop()
        await usage.stop()
        conn.recv()  # the stop request itself
        conn.send(_counts(metrics, server, loop_name))
    finally:
        await store.close()


def _child(conn: Connection, use_uvloop: bool) -> None:  # noqa: FBT001 - a process target
    pin(SERVER_CORE, prioritise=True)
    loop_name = "asyncio"
    if use_uvloop:
        import uvloop  # type: ignore[import-not-found,unused-ignore]  # noqa: PLC0415 - optional, bench only

        uvloop.install()
        loop_name = "uvloop"
    with tempfile.TemporaryDirectory(prefix="bench-radius-") as state_dir:
        asyncio.run(_serve(conn, Path(state_dir), loop_name))
    conn.close()


class ProvisiondServer:
    """`with ProvisiondServer() as server:` the auth and acct addresses; `counts` after."""

    def __init__(self, *, use_uvloop: bool = False) -> None:
        self._use_uvloop = use_uvloop
        context = multiprocessing.get_context("spawn")
        self._conn, child_conn = context.Pipe()
        self._process = context.Process(
            target=_child, args=(child_conn, use_uvloop), name="radius-provisiond"
        )
        self._child_conn = child_conn
        self.auth: tuple[str, int] = ("", 0)
        self.acct: tuple[str, int] = ("", 0)
        self.counts: ServerCounts | None = None

    @property
    def pid(self) -> int:
        pid = self._process.pid
        if pid is None:
            raise RuntimeError("provisiond's RADIUS server is not running")
        return pid

    def __enter__(self) -> ProvisiondServer:
        self._process.start()
        self._child_conn.close()
        if not self._conn.poll(START_TIMEOUT_S):
            self._kill()
            raise RuntimeError("provisiond's RADIUS server did not start")
        self.auth, self.acct = self._conn.recv()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self._conn.send(_STOP)
            if self._conn.poll(START_TIMEOUT_S):
                self.counts = self._conn.recv()
        except (EOFError, OSError):
            self.counts = None
        self._process.join(START_TIMEOUT_S)
        self._kill()

    def _kill(self) -> None:
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
