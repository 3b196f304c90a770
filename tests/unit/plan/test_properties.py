"""Properties of diff + apply over random router tables (STYLE.md §13).

1. Applying a plan (nothing held) makes the owned entries equal the desired state, except
   keys blocked by someone else's entry, and leaves every entry we do not own as it was.
2. A second diff after applying is empty: converged.
3. No change targets an entry we do not own, or a dynamic one.
4. Sets come before adds, adds before removes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from hypothesis import given, settings
from hypothesis import strategies as st

from provisiond.model.device_state import (
    ADDRESS_LIST_PATH,
    QUEUE_PATH,
    AddressEntry,
    DesiredState,
    ObservedEntry,
    QueueEntry,
)
from provisiond.plan import Op, Plan, apply, diff, hold_mass_removals, normalise
from tests.unit.plan.factories import PREFIX, Ids

if TYPE_CHECKING:
    from collections.abc import Hashable, Mapping

LISTS: Final = ("active", "delinquent", "old", "gone")
ACCOUNTS: Final = (1001, 1002, 1003)
# Canonical address → the spellings a router (or a careless driver) may read back.
SPELLINGS: Final[dict[int, dict[str, tuple[str, ...]]]] = {
    4: {
        "100.64.0.10": ("100.64.0.10", "100.64.0.10/32"),
        "100.64.0.11": ("100.64.0.11",),
        "203.0.113.0/24": ("203.0.113.0/24", "203.0.113.77/24"),
    },
    6: {
        "2001:db8::1": ("2001:db8::1", "2001:DB8::1/128"),
        "2001:db8:1::/56": ("2001:db8:1::/56", "2001:DB8:1::/56"),
    },
}
COMMENTS: Final = (
    *(f"{PREFIX}:{account}" for account in ACCOUNTS),
    f"{PREFIX}:9",
    f"{PREFIX}-1001",
    "manual",
    "",
)
RATES: Final[dict[str, tuple[str, ...]]] = {
    "2000000/10000000": ("2M/10M", "2000000/10000000"),
    "5000000/5000000": ("5M",),
}
TARGETS: Final[dict[str, tuple[str, ...]]] = {
    "100.64.0.10": ("100.64.0.10/32",),
    "100.64.0.10,100.64.0.11": ("100.64.0.11/32,100.64.0.10/32", "100.64.0.10,100.64.0.11"),
}
BURSTS: Final = (None, ("4000000/20000000", "1000000/5000000", "8/8"))
QUEUE_NAMES: Final = (*(f"{PREFIX}-{account}" for account in ACCOUNTS), "<pppoe-bob>")

families = st.sampled_from((4, 6))
renames_strategy = st.dictionaries(st.sampled_from(LISTS), st.sampled_from(LISTS[:3]), max_size=2)


@st.composite
def desired_addresses(draw: st.DrawFn) -> list[AddressEntry]:
    picks = draw(st.lists(st.tuples(families, st.sampled_from(LISTS[:3]), st.integers(0, 2))))
    entries = {}
    for family, list_name, index in picks:
        addr = sorted(SPELLINGS[family])[index % len(SPELLINGS[family])]
        account = draw(st.sampled_from(ACCOUNTS))
        entries[(family, list_name, addr)] = AddressEntry(family, list_name, addr, account)
    return list(entries.values())


@st.composite
def desired_queues(draw: st.DrawFn) -> list[QueueEntry]:
    accounts = draw(st.sets(st.sampled_from(ACCOUNTS)))
    queues = []
    for account in sorted(accounts):
        burst = draw(st.sampled_from(BURSTS))
        limit, threshold, time = burst or (None, None, None)
        queues.append(
            QueueEntry(
                name=f"{PREFIX}-{account}",
                target=draw(st.sampled_from(sorted(TARGETS))),
                max_limit=draw(st.sampled_from(sorted(RATES))),
                account_id=account,
                burst_limit=limit,
                burst_threshold=threshold,
                burst_time=time,
            )
        )
    return queues


def _common(draw: st.DrawFn) -> tuple[dict[str, str], bool]:
    attrs = {}
    comment = draw(st.sampled_from(COMMENTS))
    if comment:
        attrs["comment"] = comment
    if draw(st.booleans()):
        attrs["disabled"] = draw(st.sampled_from(("true", "false", "yes", "no")))
    if draw(st.integers(0, 9)) == 0:  # a driver passing RouterOS's own flag through
        attrs["dynamic"] = "true"
    return attrs, draw(st.integers(0, 5)) == 0


@st.composite
def observed_address(draw: st.DrawFn) -> tuple[str, dict[str, str], bool]:
    family = draw(families)
    spellings = draw(st.sampled_from(sorted(SPELLINGS[family].values())))
    attrs, dynamic = _common(draw)
    attrs |= {"list": draw(st.sampled_from(LISTS)), "address": draw(st.sampled_from(spellings))}
    return ADDRESS_LIST_PATH[family], attrs, dynamic


@st.composite
def observed_queue(draw: st.DrawFn) -> tuple[str, dict[str, str], bool]:
    attrs, dynamic = _common(draw)
    attrs["name"] = draw(st.sampled_from(QUEUE_NAMES))
    attrs["target"] = draw(st.sampled_from([s for v in TARGETS.values() for s in v]))
    attrs["max-limit"] = draw(st.sampled_from([s for v in RATES.values() for s in v]))
    if draw(st.booleans()):
        attrs |= {"burst-limit": "4M/20M", "burst-threshold": "1M/5M", "burst-time": "8s/8s"}
    return QUEUE_PATH, attrs, dynamic


@st.composite
def noise(draw: st.DrawFn) -> list[tuple[str, dict[str, str], bool]]:
    return draw(st.lists(st.one_of(observed_address(), observed_queue()), max_size=8))


@st.composite
def mirrored_address(
    draw: st.DrawFn, entry: AddressEntry, renames: Mapping[str, str]
) -> tuple[str, dict[str, str], bool]:
    """A row for a desired entry, often perturbed: spelling, owner, state, an old list name."""
    attrs, dynamic = _common(draw)
    if draw(st.booleans()):
        attrs["comment"] = f"{PREFIX}:{entry.account_id}"
    old_names = [old for old, new in renames.items() if new == entry.list]
    list_name = draw(st.sampled_from([entry.list, *old_names]))
    spelling = draw(st.sampled_from(SPELLINGS[entry.family][entry.address]))
    return entry.path, attrs | {"list": list_name, "address": spelling}, dynamic


@st.composite
def mirrored_queue(draw: st.DrawFn, queue: QueueEntry) -> tuple[str, dict[str, str], bool]:
    attrs, dynamic = _common(draw)
    if draw(st.booleans()):
        attrs["comment"] = f"{PREFIX}:{queue.account_id}"
    attrs["name"] = queue.name
    attrs["target"] = draw(st.sampled_from(TARGETS[queue.target]))
    attrs["max-limit"] = draw(st.sampled_from(RATES[queue.max_limit]))
    if queue.burst_limit is not None and draw(st.booleans()):
        attrs |= {"burst-limit": "4M/20M", "burst-threshold": "1M/5M", "burst-time": "8s/8s"}
    return QUEUE_PATH, attrs, dynamic


def table(draw: st.DrawFn, rows: list[tuple[str, dict[str, str], bool]]) -> list[ObservedEntry]:
    ids = draw(st.permutations(range(1, len(rows) + 1)))
    return [
        ObservedEntry(path=path, id=f"*{entry_id:X}", attrs=attrs, dynamic=dynamic)
        for (path, attrs, dynamic), entry_id in zip(rows, ids, strict=True)
    ]


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[DesiredState, list[ObservedEntry], dict[str, str]]:
    """Desired state, a router table that partly mirrors it (0-2 rows per entry), renames."""
    addresses, queues = draw(desired_addresses()), draw(desired_queues())
    renames = draw(renames_strategy)
    rows = draw(noise())
    for entry in addresses:
        rows += draw(st.lists(mirrored_address(entry, renames), max_size=2))
    for queue in queues:
        rows += draw(st.lists(mirrored_queue(queue), max_size=2))
    return state(addresses, queues), table(draw, draw(st.permutations(rows))), renames


@st.composite
def converged(draw: st.DrawFn) -> tuple[DesiredState, list[ObservedEntry]]:
    """A router that already has the desired state, as RouterOS spells it, plus foreign rows."""
    addresses, queues = draw(desired_addresses()), draw(desired_queues())
    rows = [r for r in draw(noise()) if not r[1].get("comment", "").startswith(f"{PREFIX}:")]
    for entry in addresses:
        spelling = draw(st.sampled_from(SPELLINGS[entry.family][entry.address]))
        attrs = {"list": entry.list, "address": spelling, "comment": f"{PREFIX}:{entry.account_id}"}
        rows.append((entry.path, attrs, False))
    for queue in queues:
        attrs = {
            "name": queue.name,
            "target": draw(st.sampled_from(TARGETS[queue.target])),
            "max-limit": draw(st.sampled_from(RATES[queue.max_limit])),
            "comment": f"{PREFIX}:{queue.account_id}",
        }
        if queue.burst_limit is not None:
            attrs |= {"burst-limit": "4M/20M", "burst-threshold": "1M/5M", "burst-time": "8s/8s"}
        rows.append((QUEUE_PATH, attrs, False))
    return state(addresses, queues), table(draw, rows)


def state(addresses: list[AddressEntry], queues: list[QueueEntry]) -> DesiredState:
    return DesiredState(
        device="core-1",
        addresses={e.key: e for e in addresses},
        queues={q.name: q for q in queues},
    )


def owned(entry: ObservedEntry) -> bool:
    comment = entry.attrs.get("comment", "")
    flagged = entry.dynamic or normalise.is_true(entry.attrs.get("dynamic"))
    return comment.startswith(f"{PREFIX}:") and not flagged


def key(entry: ObservedEntry) -> Hashable:
    if entry.path == QUEUE_PATH:
        return (entry.path, entry.attrs.get("name"))
    return (entry.path, entry.attrs.get("list"), normalise.address(entry.attrs["address"]))


def desired_rows(desired: DesiredState) -> dict[Hashable, dict[str, str]]:
    """What the owned entries should look like, normalised, by key."""
    rows: dict[Hashable, dict[str, str]] = {}
    for a in desired.addresses.values():
        rows[(a.path, a.list, a.address)] = {"comment": f"{PREFIX}:{a.account_id}"}
    for q in desired.queues.values():
        rows[(QUEUE_PATH, q.name)] = {
            "comment": f"{PREFIX}:{q.account_id}",
            "target": normalise.target(q.target),
            "max-limit": normalise.rates(q.max_limit),
            "burst-limit": normalise.rates(q.burst_limit),
        }
    return rows


def seen_rows(entries: list[ObservedEntry]) -> dict[Hashable, dict[str, str]]:
    rows: dict[Hashable, dict[str, str]] = {}
    for entry in entries:
        assert key(entry) not in rows, "owned duplicates survived"
        assert not normalise.is_true(entry.attrs.get("disabled"))
        row = {"comment": entry.attrs["comment"]}
        if entry.path == QUEUE_PATH:
            row["target"] = normalise.target(entry.attrs.get("target"))
            row["max-limit"] = normalise.rates(entry.attrs.get("max-limit"))
            row["burst-limit"] = normalise.rates(entry.attrs.get("burst-limit"))
        rows[key(entry)] = row
    return rows


def blocked_keys(desired: DesiredState, observed: list[ObservedEntry]) -> set[Hashable]:
    """Desired keys no owned entry holds and someone else's entry does (renames never fill them)."""
    held_by_us = {key(e) for e in observed if owned(e)}
    held_by_others = {key(e) for e in observed if not owned(e)}
    return {k for k in desired_rows(desired) if k not in held_by_us and k in held_by_others}


def without(
    rows: Mapping[Hashable, dict[str, str]], keys: set[Hashable]
) -> dict[Hashable, dict[str, str]]:
    return {k: v for k, v in rows.items() if k not in keys}


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_apply_reaches_desired_on_owned_and_keeps_the_rest(
    scenario: tuple[DesiredState, list[ObservedEntry], dict[str, str]],
) -> None:
    desired, observed, renames = scenario
    plan = diff(desired, observed, comment_prefix=PREFIX, renames=renames)
    after = apply(observed, plan, next_id=Ids())
    foreign = [e for e in observed if not owned(e)]
    assert [e for e in after if not owned(e)] == foreign
    blocked = blocked_keys(desired, observed)
    assert seen_rows([e for e in after if owned(e)]) == without(desired_rows(desired), blocked)
    assert len(plan.blocked) == len(blocked)


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_second_diff_after_apply_is_empty(
    scenario: tuple[DesiredState, list[ObservedEntry], dict[str, str]],
) -> None:
    desired, observed, renames = scenario
    plan = diff(desired, observed, comment_prefix=PREFIX, renames=renames)
    after = apply(observed, plan, next_id=Ids())
    again = diff(desired, after, comment_prefix=PREFIX, renames=renames)
    assert again.is_empty, again.changes
    assert again.blocked == plan.blocked


@settings(max_examples=100, deadline=None)
@given(converged())
def test_a_converged_router_in_any_spelling_gives_an_empty_plan(
    scenario: tuple[DesiredState, list[ObservedEntry]],
) -> None:
    desired, observed = scenario
    assert diff(desired, observed, comment_prefix=PREFIX).changes == ()


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_changes_only_target_owned_entries_in_safe_order(
    scenario: tuple[DesiredState, list[ObservedEntry], dict[str, str]],
) -> None:
    desired, observed, renames = scenario
    plan = diff(desired, observed, comment_prefix=PREFIX, renames=renames)
    ours = {(e.path, e.id) for e in observed if owned(e)}
    for change in plan.changes:
        if change.op is Op.ADD:
            assert change.target_id is None
        else:
            assert (change.path, change.target_id) in ours
    ranks = [{Op.SET: 0, Op.ADD: 1, Op.REMOVE: 2}[c.op] for c in plan.changes]
    assert ranks == sorted(ranks)
    assert plan.owned_entries == len(ours)


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_holding_keeps_the_whole_diff_and_its_id(
    scenario: tuple[DesiredState, list[ObservedEntry], dict[str, str]],
) -> None:
    desired, observed, renames = scenario
    plan = diff(desired, observed, comment_prefix=PREFIX, renames=renames)
    held: Plan = hold_mass_removals(plan, max_remove_fraction=0.0, max_remove_min=0)
    assert held.plan_id == plan.plan_id
    assert held.whole == plan.changes
    assert all(c.op is not Op.REMOVE for c in held.changes)
