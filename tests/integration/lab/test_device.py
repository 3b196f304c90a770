"""The lab router's state and commands, without sockets."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provisiond.lab import errors
from provisiond.lab.device import Command, Device, Result, parse_command
from provisiond.lab.errors import CommandError, LabError
from provisiond.lab.menus import ADDRESS_LIST, IPV6_ADDRESS_LIST, SIMPLE_QUEUE

ADD = "add"


class Ticker:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticker() -> Ticker:
    return Ticker()


@pytest.fixture
def device(ticker: Ticker) -> Device:
    return Device(clock=ticker, wall_clock=lambda: datetime(2026, 10, 1, 8, 50, 12, tzinfo=UTC))


def run(device: Device, path: str, verb: str, *words: str) -> Result:
    return device.execute(parse_command([f"{path}/{verb}", *words]))


def trap(device: Device, path: str, verb: str, *words: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        run(device, path, verb, *words)
    return caught.value


def rows(device: Device, path: str, *words: str) -> list[dict[str, str]]:
    return run(device, path, "print", *words).rows


def test_parse_command_splits_words_by_kind() -> None:
    command = parse_command(
        ["/ip/firewall/address-list/print", "=.proplist=.id", "?list=a", ".tag=7", "=x=a=b"]
    )
    assert command == Command(
        ADDRESS_LIST, "print", {".proplist": ".id", "x": "a=b"}, ("?list=a",), "7"
    )
    assert parse_command(["/login", ".tag="]).tag is None
    assert parse_command(["/login"]).path == ""


def test_add_answers_the_new_id_and_print_shows_the_v7_row(device: Device) -> None:
    result = run(device, ADDRESS_LIST, ADD, "=list=subs", "=address=100.64.0.10", "=comment=p:1")
    assert result.ret == "*1"
    assert rows(device, ADDRESS_LIST) == [
        {
            ".id": "*1",
            "list": "subs",
            "address": "100.64.0.10",
            "creation-time": "2026-10-01 08:50:12",
            "dynamic": "false",
            "disabled": "false",
            "comment": "p:1",
        }
    ]


def test_ids_come_from_one_counter_per_device(device: Device) -> None:
    first = run(device, ADDRESS_LIST, ADD, "=list=a", "=address=10.0.0.1").ret
    second = run(device, SIMPLE_QUEUE, ADD, "=target=10.0.0.1").ret
    third = run(device, IPV6_ADDRESS_LIST, ADD, "=list=a", "=address=2001:db8::1").ret
    assert (first, second, third) == ("*1", "*2", "*3")


def test_duplicate_entry_traps_and_changes_nothing(device: Device) -> None:
    run(device, ADDRESS_LIST, ADD, "=list=a", "=address=203.0.113.0/24")
    caught = trap(device, ADDRESS_LIST, ADD, "=list=a", "=address=203.0.113.77/24")
    assert caught.message == errors.DUPLICATE_ENTRY
    assert caught.words() == ["!trap", "=message=failure: already have such entry"]
    run(device, ADDRESS_LIST, ADD, "=list=b", "=address=203.0.113.0/24")
    run(device, ADDRESS_LIST, ADD, "=list=a", "=address=203.0.113.7")  # overlap is fine
    assert len(rows(device, ADDRESS_LIST)) == 3


def test_set_by_id_renormalises_and_keeps_keys_unique(device: Device) -> None:
    one = run(device, ADDRESS_LIST, ADD, "=list=a", "=address=10.0.0.1").ret
    two = run(device, ADDRESS_LIST, ADD, "=list=a", "=address=10.0.0.2").ret
    run(device, ADDRESS_LIST, "set", f"=.id={one}", "=address=10.0.0.9/32", "=disabled=yes")
    assert rows(device, ADDRESS_LIST, "=.proplist=address,disabled")[0] == {
        "address": "10.0.0.9",
        "disabled": "true",
    }
    caught = trap(device, ADDRESS_LIST, "set", f"=.id={two}", "=address=10.0.0.9")
    assert caught.message == errors.DUPLICATE_ENTRY
    run(device, ADDRESS_LIST, "set", f"=numbers={two}", "=list=b", "=comment=")
    assert [r["list"] for r in rows(device, ADDRESS_LIST)] == ["a", "b"]


def test_remove_takes_comma_ids_and_is_all_or_nothing(device: Device) -> None:
    ids = [run(device, ADDRESS_LIST, ADD, "=list=a", f"=address=10.0.0.{n}").ret for n in (1, 2, 3)]
    caught = trap(device, ADDRESS_LIST, "remove", f"=.id={ids[0]},*99")
    assert caught.message == errors.NO_SUCH_ITEM
    assert len(rows(device, ADDRESS_LIST)) == 3
    run(device, ADDRESS_LIST, "remove", f"=.id={ids[0]},{ids[2]}")
    assert [r[".id"] for r in rows(device, ADDRESS_LIST)] == [ids[1]]
    assert trap(device, ADDRESS_LIST, "remove", "=.id=bogus").message == errors.NO_SUCH_ITEM
    assert trap(device, ADDRESS_LIST, "remove").message == "missing value(s) of argument(s) numbers"


def test_print_proplist_queries_count_and_getall(device: Device) -> None:
    for n, name in enumerate(["a", "b", "a"]):
        run(device, ADDRESS_LIST, ADD, f"=list={name}", f"=address=10.0.0.{n}")
    assert rows(device, ADDRESS_LIST, "=.proplist=.id,address,nosuch", "?list=a") == [
        {".id": "*1", "address": "10.0.0.0"},
        {".id": "*3", "address": "10.0.0.2"},
    ]
    assert run(device, ADDRESS_LIST, "print", "=count-only=", "?list=a").ret == "2"
    getall = run(device, ADDRESS_LIST, "getall", "?address=10.0.0.1/32").rows
    assert [row["list"] for row in getall] == ["b"]
    assert rows(device, ADDRESS_LIST, "?disabled=no", "?dynamic=yes") == []


def test_an_empty_print_is_flagged_only_when_the_router_says_so(device: Device) -> None:
    assert run(device, ADDRESS_LIST, "print").empty
    device.empty_reply = False
    assert not run(device, ADDRESS_LIST, "print").empty


def test_queue_names_are_unique_and_rates_read_back_in_bits(device: Device) -> None:
    run(device, SIMPLE_QUEUE, ADD, "=name=p-1", "=target=100.64.0.10", "=max-limit=2M/10M")
    caught = trap(device, SIMPLE_QUEUE, ADD, "=name=p-1", "=target=100.64.0.11")
    assert caught.message == errors.DUPLICATE_NAME
    run(device, SIMPLE_QUEUE, ADD, "=target=100.64.0.12", "=limit-at=512k", "=burst-time=8/8")
    first, second = rows(device, SIMPLE_QUEUE)
    assert first["target"] == "100.64.0.10/32"
    assert first["max-limit"] == "2000000/10000000"
    assert first["bytes"] == "0/0"
    assert second["name"] == "queue1"
    assert second["limit-at"] == "512000/512000"
    assert second["burst-time"] == "8s/8s"


def test_bad_values_unknown_and_read_only_properties_trap(device: Device) -> None:
    bad = trap(device, SIMPLE_QUEUE, ADD, "=target=10.0.0.1", "=max-limit=fast")
    assert bad.words() == ["!trap", "=category=1", "=message=invalid value for argument max-limit"]
    unknown = trap(device, SIMPLE_QUEUE, ADD, "=target=10.0.0.1", "=bytes=1/1")
    assert unknown.message == "unknown parameter bytes"
    missing = trap(device, ADDRESS_LIST, ADD, "=list=a")
    assert missing.message == "missing value(s) of argument(s) address"
    assert trap(device, IPV6_ADDRESS_LIST, ADD, "=list=a", "=address=::1-::2").category == 1
    assert rows(device, SIMPLE_QUEUE) == []


def test_unknown_menus_and_commands_trap_with_category_zero(device: Device) -> None:
    assert trap(device, "/interface/wireless", "print").words() == [
        "!trap",
        "=category=0",
        "=message=no such command prefix",
    ]
    assert trap(device, ADDRESS_LIST, "listen").message == errors.NO_SUCH_COMMAND
    assert trap(device, "/system/resource", "set").message == errors.NO_SUCH_COMMAND


def test_timeouts_make_entries_dynamic_and_expire(device: Device, ticker: Ticker) -> None:
    run(device, ADDRESS_LIST, ADD, "=list=a", "=address=10.0.0.1", "=timeout=1h")
    ticker.now += 5
    (row,) = rows(device, ADDRESS_LIST)
    assert row["dynamic"] == "true"
    assert row["timeout"] == "59m55s"
    ticker.now += 3600
    assert rows(device, ADDRESS_LIST) == []
    too_long = trap(device, ADDRESS_LIST, ADD, "=list=a", "=address=10.0.0.1", "=timeout=36w")
    assert too_long.message == errors.TIMEOUT_RANGE


def test_router_made_entries_cannot_be_changed_by_clients(device: Device) -> None:
    queue = device.table(SIMPLE_QUEUE).insert(
        {"name": "<pppoe-alice>", "target": "100.64.0.20"}, dynamic=True, system=True
    )
    assert trap(device, SIMPLE_QUEUE, "remove", f"=.id={queue}").message == errors.DYNAMIC_REMOVE
    assert trap(device, SIMPLE_QUEUE, "set", f"=.id={queue}", "=comment=x").message == (
        errors.DYNAMIC_CHANGE
    )
    assert rows(device, SIMPLE_QUEUE, "?dynamic=true")[0]["name"] == "<pppoe-alice>"


def test_enable_and_disable(device: Device) -> None:
    entry = run(device, ADDRESS_LIST, ADD, "=list=a", "=address=10.0.0.1").ret
    run(device, ADDRESS_LIST, "disable", f"=.id={entry}")
    assert rows(device, ADDRESS_LIST)[0]["disabled"] == "true"
    run(device, ADDRESS_LIST, "enable", f"=.id={entry}")
    assert rows(device, ADDRESS_LIST)[0]["disabled"] == "false"


def test_reboot_clears_dynamic_renumbers_and_restarts_uptime(
    device: Device, ticker: Ticker
) -> None:
    kept = [run(device, ADDRESS_LIST, ADD, "=list=a", f"=address=10.0.0.{n}").ret for n in (1, 2)]
    run(device, ADDRESS_LIST, ADD, "=list=a", "=address=10.0.0.9", "=timeout=1d")
    run(device, ADDRESS_LIST, ADD, "=list=a", "=address=10.0.0.8", "=dynamic=yes")
    run(device, SIMPLE_QUEUE, ADD, "=name=q", "=target=10.0.0.1")
    ticker.now += 3725
    assert rows(device, "/system/resource", "=.proplist=uptime") == [{"uptime": "1h2m5s"}]
    device.reboot()
    after = rows(device, ADDRESS_LIST)
    assert [r["address"] for r in after] == ["10.0.0.1", "10.0.0.2"]
    assert not {r[".id"] for r in after} & set(kept)
    assert after[0]["creation-time"] == "2026-10-01 08:50:12"
    assert rows(device, SIMPLE_QUEUE, "=.proplist=name") == [{"name": "q"}]
    assert rows(device, "/system/resource", "=.proplist=uptime") == [{"uptime": "0s"}]
    device.reboot(restart_ids=True)
    assert [r[".id"] for r in rows(device, ADDRESS_LIST)] == ["*1", "*2"]


def test_identity_and_resource(device: Device) -> None:
    run(device, "/system/identity", "set", "=name=core-1")
    assert rows(device, "/system/identity") == [{"name": "core-1"}]
    resource = rows(device, "/system/resource", "?board-name=CHR")[0]
    assert resource["version"] == "7.18.2 (stable)"
    assert trap(device, "/system/identity", "set", "=color=red").message == (
        "unknown parameter color"
    )


def test_the_control_side_reaches_read_only_properties(device: Device) -> None:
    table = device.table(SIMPLE_QUEUE)
    queue = table.insert({"name": "q", "target": "10.0.0.1"}, dynamic=False, system=False)
    table.edit(queue, {"bytes": "100/2000"})
    assert rows(device, SIMPLE_QUEUE, "=.proplist=bytes") == [{"bytes": "100/2000"}]
    table.delete(queue)
    assert rows(device, SIMPLE_QUEUE) == []
    with pytest.raises(LabError, match="no table"):
        device.table("/ip/route")


_texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
_paths = st.sampled_from(
    [ADDRESS_LIST, IPV6_ADDRESS_LIST, SIMPLE_QUEUE, "/system/resource", "/system/identity", "/x"]
)
_verbs = st.sampled_from(["add", "set", "remove", "print", "getall", "enable", "zap"])
_names = st.sampled_from(
    [
        ".id",
        "numbers",
        ".proplist",
        "list",
        "address",
        "target",
        "name",
        "max-limit",
        "burst-time",
        "timeout",
        "disabled",
        "dynamic",
        "priority",
        "bytes",
        "count-only",
        "x",
    ]
)
_values = st.one_of(
    _texts,
    st.sampled_from(["*1", "*2,*3", "10.0.0.1/24", "::1", "1M/2M", "1h", "yes", "9" * 40]),
)
_queries = st.lists(
    st.one_of(st.builds("?{}={}".format, _names, _values), st.builds("?#{}".format, _texts)),
    max_size=3,
)


@given(
    st.lists(
        st.tuples(_paths, _verbs, st.dictionaries(_names, _values, max_size=4), _queries),
        max_size=12,
    )
)
def test_any_command_either_answers_or_traps(
    script: list[tuple[str, str, dict[str, str], list[str]]],
) -> None:
    device = Device(clock=Ticker(), wall_clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    for path, verb, attributes, queries in script:
        words = [f"{path}/{verb}", *(f"={k}={v}" for k, v in attributes.items()), *queries]
        with contextlib.suppress(CommandError):
            run(device, path, verb, *words[1:])
