"""Policy engine at ISP scale: 100,000 accounts, 20 address lists, 10 RADIUS groups, 4 devices.

Figures:
- `policy_input_rss_mb`: peak RSS (ru_maxrss) once the input data is built, before any load.
- `policy_rss_mb`: peak RSS right after the first full load, measured before anything else
  allocates: one loaded engine plus its input data and the interpreter (the daemon holds
  both). The engine's own share is the difference from `policy_input_rss_mb`.
- `policy_full_recompute_s`: `PolicyEngine.load` of the whole dataset (median of 3).
- `policy_incremental_ms`: p50 of 200 single-account status changes (`put_account`).
- `policy_incremental_p99_ms`: p99 of the same.
- `policy_desired_ms`: `desired(device)` for the busiest device (median of 5).
- `policy_list_edit_ms`: renaming one address list (the vacation list, ~4% of accounts).
- `policy_authorize_us`: mean `authorize()` per request over ~1,700 users (uncached path).
- `policy_set_sessions_own_us`: mean `set_sessions()` per call over 10,000 accounts, each
  alternating a session on its own static address and no session (nothing observable moves;
  accounting's Start and Stop of a static-IP subscriber).
- `policy_set_sessions_pool_us`: the same with a session address from the pool, so each call
  adds or removes the account's entries for it (a dynamic-IP subscriber's Start and Stop).

The data is seeded, so runs compare. Each account has 1 or 2 addresses (a /32, plus for one in
three a /56 IPv6 prefix or a RADIUS framed IP); 1 in 500 shares an address with another (a
clash). Devices each take a quarter of the address space; one also syncs queues.
"""

from __future__ import annotations

import dataclasses
import gc
import ipaddress
import random
import resource
import statistics
import sys
import time
from typing import TYPE_CHECKING

from bench import Figure
from provisiond.model.device_state import DeviceScope, SessionAddress
from provisiond.model.enums import Delinquency, ReplyOp, StatusClass, UsageClass
from provisiond.model.objects import (
    Account,
    AccountGroup,
    AccountStatus,
    AccountType,
    AddressList,
    Burst,
    Dataset,
    MembershipFilter,
    RadiusAccount,
    RadiusGroup,
    RadiusReply,
    Service,
    UsagePolicy,
)
from provisiond.policy.engine import PolicyEngine, PolicySettings

if TYPE_CHECKING:
    from collections.abc import Iterable

ACCOUNTS = 100_000
SEED = 20_260_101
CHANGES = 200
SESSION_ACCOUNTS = 10_000
SESSION_ROUNDS = 3  # each round: every account gets a session, then loses it
POOL_OFFSET = 600_000  # past the static and framed addresses, inside the device's /12

SessionCall = tuple[int, tuple[SessionAddress, ...]]
"""`set_sessions` arguments: an account id and its live-session addresses."""

STATUSES = (
    AccountStatus(1, "Active", activates_account=True),
    AccountStatus(2, "Inactive", activates_account=False),
    AccountStatus(3, "Vacation", activates_account=True),
    AccountStatus(4, "Lead", activates_account=False),
)
STATUS_WEIGHTS = (85, 8, 4, 3)
SERVICES = tuple(
    Service(
        id=n,
        name=f"Tier {n}",
        download_kbps=n * 25_000,
        upload_kbps=n * 5_000,
        burst=Burst(n * 50_000, n * 10_000, n * 20_000, n * 4_000, 8) if n % 3 == 0 else None,
        usage_policy_id=1 + n % 2 if n > 6 else None,
    )
    for n in range(1, 11)
)


def _lists() -> tuple[AddressList, ...]:
    f = MembershipFilter
    lists = [
        AddressList(1, "active", f(account_status=StatusClass.ACTIVE)),
        AddressList(2, "inactive", f(account_status=StatusClass.INACTIVE)),
        AddressList(3, "delinquent", f(delinquency=Delinquency.DELINQUENT)),
        AddressList(4, "active-current", f(StatusClass.ACTIVE, Delinquency.CURRENT)),
        AddressList(5, "vacation", f(status_ids=frozenset({3}))),
        AddressList(6, "over-cap", f(usage=UsageClass.OVER_CAP)),
        AddressList(7, "business", f(type_ids=frozenset({2})), devices=("edge-1", "edge-2")),
        AddressList(8, "group-1", f(group_ids=frozenset({1}))),
        AddressList(9, "groups-2-3", f(group_ids=frozenset({2, 3}))),
        AddressList(10, "capped", f(usage_policy_ids=frozenset({1, 2}))),
    ]
    lists.extend(
        AddressList(10 + n, f"tier-{n}", f(StatusClass.ACTIVE, service_ids=frozenset({n})))
        for n in range(1, 11)
    )
    return tuple(lists)


def _groups() -> tuple[RadiusGroup, ...]:
    rate = RadiusReply("Mikrotik-Rate-Limit", ReplyOp.SET_IF_ABSENT, "{rate_limit}")
    walled = RadiusReply("Mikrotik-Address-List", ReplyOp.APPEND, "walled-garden")
    slow = RadiusReply("Mikrotik-Rate-Limit", ReplyOp.REPLACE, "1M/1M")
    groups = [
        RadiusGroup(
            1,
            "delinquent",
            MembershipFilter(delinquency=Delinquency.DELINQUENT),
            (),
            10,
            fall_through=False,
            replies=(walled, slow),
        ),
        RadiusGroup(
            2, "over-cap", MembershipFilter(usage=UsageClass.OVER_CAP), (), 20, replies=(slow,)
        ),
        RadiusGroup(
            3, "vacation", MembershipFilter(status_ids=frozenset({3})), (), 30, replies=(slow,)
        ),
        RadiusGroup(
            4, "all-rates", MembershipFilter(account_status=StatusClass.ACTIVE), replies=(rate,)
        ),
    ]
    groups.extend(
        RadiusGroup(
            4 + n,
            f"group-{n}",
            MembershipFilter(group_ids=frozenset({n})),
            replies=(RadiusReply("Mikrotik-Group", ReplyOp.SET_IF_ABSENT, f"g{n}"),),
        )
        for n in range(1, 7)
    )
    return tuple(groups)


DEVICES = tuple(
    DeviceScope(
        name=f"edge-{n + 1}",
        queues=n == 0,
        subnets=(
            ipaddress.IPv4Network(f"100.{64 + n * 16}.0.0/12"),
            ipaddress.IPv6Network(f"2001:db8:{n}000::/36"),
        ),
    )
    for n in range(4)
)


def _account(account_id: int, rng: random.Random) -> Account:
    quarter = rng.randrange(4)
    host = ipaddress.IPv4Address(f"100.{64 + quarter * 16}.0.0") + account_id
    if rng.random() < 0.002:  # shares a neighbour's address: a clash
        host = ipaddress.IPv4Address(int(host) - 1)
    assignments: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = [ipaddress.IPv4Network(host)]
    radius: list[RadiusAccount] = []
    extra = rng.random()
    if extra < 0.2:
        base = int(ipaddress.IPv6Address(f"2001:db8:{quarter}000::")) + (account_id << 72)
        assignments.append(ipaddress.IPv6Network((base, 56)))
    elif extra < 0.33:
        framed = host + 500_000  # same quarter: a /12 holds 1,048,576
        radius.append(RadiusAccount(f"user{account_id}", framed_ip=framed))
    else:
        radius.append(RadiusAccount(f"user{account_id}"))
    services = (rng.randrange(1, 11),) if rng.random() < 0.97 else ()
    return Account(
        id=account_id,
        name=f"Account {account_id}",
        status_id=rng.choices(range(1, 5), STATUS_WEIGHTS)[0],
        type_id=rng.choice((1, 1, 1, 2, 3)),
        group_ids=frozenset(g for g in range(1, 7) if rng.random() < 0.1),
        delinquent=rng.random() < 0.05,
        service_ids=services,
        ip_assignments=tuple(assignments),
        radius_accounts=tuple(radius),
    )


def dataset(accounts: int = ACCOUNTS, seed: int = SEED) -> Dataset:
    rng = random.Random(seed)
    return Dataset(
        account_statuses=STATUSES,
        account_types=tuple(AccountType(n, f"type {n}") for n in range(1, 4)),
        account_groups=tuple(AccountGroup(n, f"group {n}") for n in range(1, 7)),
        usage_policies=(UsagePolicy(1, "100 GB", 100), UsagePolicy(2, "1 TB", 1000)),
        services=SERVICES,
        address_lists=_lists(),
        radius_groups=_groups(),
        accounts=tuple(_account(n, rng) for n in range(1, accounts + 1)),
    )


def _engine() -> PolicyEngine:
    return PolicyEngine(settings=PolicySettings(default_rate="1M/1M"), devices=DEVICES)


def _timed_load(data: Dataset, over_cap: list[int]) -> tuple[PolicyEngine, float]:
    engine = _engine()
    started = time.perf_counter()
    engine.load(data, over_cap=over_cap)
    return engine, time.perf_counter() - started


def _status_changes(engine: PolicyEngine, data: Dataset, rng: random.Random) -> list[float]:
    samples: list[float] = []
    for account in rng.sample(data.accounts, CHANGES):
        status = 2 if account.status_id != 2 else 1
        changed = dataclasses.replace(account, status_id=status)
        started = time.perf_counter()
        engine.put_account(changed)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _rss_mb() -> float:
    """Peak resident set so far; Linux reports ru_maxrss in KiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _list_edit_ms(engine: PolicyEngine) -> float:
    """Rename the vacation list: every vacation account's entries move."""
    renamed = dataclasses.replace(_lists()[4], name="holiday")
    started = time.perf_counter()
    engine.put_definition(renamed)
    return (time.perf_counter() - started) * 1000


def _authorize_us(engine: PolicyEngine, data: Dataset, rng: random.Random) -> float:
    usernames = [
        radius.username for a in rng.sample(data.accounts, 2000) for radius in a.radius_accounts
    ]
    started = time.perf_counter()
    for username in usernames:
        engine.authorize(username, "edge-1")
    return (time.perf_counter() - started) / len(usernames) * 1_000_000


def _session_calls(accounts: list[Account], *, pool: bool) -> list[SessionCall]:
    """Per account: a session (on its own static address, or on a pool address), then none.

    The NAS is the device whose quarter the address is in, so a pool address lands there."""
    calls: list[SessionCall] = []
    for account in accounts:
        static = account.ip_assignments[0]  # every bench account's first is an IPv4 /32
        nas = next(d.name for d in DEVICES if static.network_address in d.subnets[0])
        prefix = static
        if pool:
            prefix = ipaddress.ip_network(int(static.network_address) + POOL_OFFSET)
        calls.append((account.id, (SessionAddress(account.id, nas, prefix),)))
        calls.append((account.id, ()))
    return calls


def _set_sessions_us(engine: PolicyEngine, calls: list[SessionCall]) -> float:
    started = time.perf_counter()
    for _ in range(SESSION_ROUNDS):
        for account_id, addresses in calls:
            engine.set_sessions(account_id, addresses)
    return (time.perf_counter() - started) / (len(calls) * SESSION_ROUNDS) * 1_000_000


def run() -> Iterable[Figure]:
    data = dataset()
    rng = random.Random(SEED)
    over_cap = [a.id for a in data.accounts if rng.random() < 0.03]
    gc.collect()
    yield Figure("policy_input_rss_mb", _rss_mb(), "MB")
    engine, first = _timed_load(data, over_cap)
    yield Figure("policy_rss_mb", _rss_mb(), "MB")
    loads = [first]
    for _ in range(2):
        del engine
        gc.collect()
        engine, seconds = _timed_load(data, over_cap)
        loads.append(seconds)
    yield Figure("policy_full_recompute_s", statistics.median(loads), "s")
    samples = sorted(_status_changes(engine, data, rng))
    yield Figure("policy_incremental_ms", statistics.median(samples), "ms")
    yield Figure("policy_incremental_p99_ms", samples[int(len(samples) * 0.99) - 1], "ms")
    desired: list[float] = []
    for _ in range(5):
        started = time.perf_counter()
        engine.desired("edge-1")
        desired.append((time.perf_counter() - started) * 1000)
    yield Figure("policy_desired_ms", statistics.median(desired), "ms")
    yield Figure("policy_list_edit_ms", _list_edit_ms(engine), "ms")
    yield Figure("policy_authorize_us", _authorize_us(engine, data, rng), "us")
    sampled = rng.sample(data.accounts, SESSION_ACCOUNTS)
    own = _session_calls(sampled, pool=False)
    yield Figure("policy_set_sessions_own_us", _set_sessions_us(engine, own), "us")
    pool = _session_calls(sampled, pool=True)
    yield Figure("policy_set_sessions_pool_us", _set_sessions_us(engine, pool), "us")


if __name__ == "__main__":
    for figure in run():
        sys.stdout.write(f"{figure.bench} {figure.value:.3f} {figure.unit}\n")
