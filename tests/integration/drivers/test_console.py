"""The console language of the SSH driver, and the lab console that executes it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provisiond.drivers import UnexpectedReplyError, console
from provisiond.drivers.menus import menu
from provisiond.lab import cli
from provisiond.lab.device import Device
from tests.integration.drivers.support import ADDRESS_LIST, QUEUES, add, removal, setting


@given(st.text())
def test_quoted_values_reach_the_console_unchanged(value: str) -> None:
    (token,) = cli.tokenize(console.quote(value))
    assert token.kind == "string"
    assert token.text == value


@given(st.text())
def test_printed_values_read_back_unchanged(value: str) -> None:
    row = {".id": "*1", "comment": value}
    line = cli.terse_line(row, ["comment"])
    assert console.parse_terse_line(line)["comment"] == value


def test_quote_escapes_what_the_console_would_interpret() -> None:
    assert console.quote('a"b\\c$d?e\nf') == '"a\\"b\\\\c\\$d\\?e\\nf"'
    assert console.quote("é") == '"\\C3\\A9"'


def test_statements() -> None:
    assert console.statement(add("a b", "10.0.0.1", 1)) == (
        ':put ("=" . [/ip firewall address-list add list="a b" address="10.0.0.1" '
        'comment="provisiond:1"])'
    )
    assert console.statement(setting("*1A", comment="x")) == (
        '/ip firewall address-list set *1A comment="x"; :put "="'
    )
    assert console.statement(removal("*2", path=QUEUES)) == '/queue simple remove *2; :put "="'


@pytest.mark.parametrize(
    "change",
    [
        removal("*1; /system reboot"),
        setting("*1", **{"comment; x": "y"}),
        add("a", "10.0.0.1", 1, path="/ip firewall"),
    ],
)
def test_nothing_but_a_value_is_taken_from_a_change(change: object) -> None:
    with pytest.raises(ValueError, match="not a"):
        console.statement(change)  # type: ignore[arg-type]


def test_print_script() -> None:
    script = console.print_script(menu(ADDRESS_LIST), ["a", 'b"'])
    base = (
        "/ip firewall address-list print terse show-ids "
        "proplist=list,address,comment,dynamic,disabled,timeout"
    )
    assert script == f'{base} where list="a"; {base} where list="b\\""'
    assert console.print_script(menu(QUEUES), [None]).startswith("/queue simple print terse")


def test_terse_lines() -> None:
    assert console.parse_terse_line('*1A XD list=a comment="x y" address=10.0.0.1') == {
        ".id": "*1A",
        "disabled": "true",
        "dynamic": "true",
        "list": "a",
        "comment": "x y",
        "address": "10.0.0.1",
    }
    assert console.parse_terse_line("*2 list=a dynamic=no")["dynamic"] == "no"
    assert console.parse_terse_line("*3 comment=")["comment"] == ""


@pytest.mark.parametrize(
    "line",
    [
        " 0   list=a address=10.0.0.1",  # print numbers instead of ids
        "*1 list=a garbage here",
        '*1 comment="unterminated',
        '*1 comment="bad \\q escape"',
    ],
)
def test_terse_lines_that_do_not_parse(line: str) -> None:
    with pytest.raises(UnexpectedReplyError):
        console.parse_terse_line(line)


def test_batch_reports() -> None:
    assert console.parse_batch("=*1\r\n=\r\n", 2) == console.BatchReport(("*1", ""), None)
    report = console.parse_batch("=*1\r\nfailure: already have such entry\r\n", 3)
    assert report == console.BatchReport(("*1",), "failure: already have such entry")


@pytest.mark.parametrize(
    ("output", "size"),
    [("=\r\n", 2), ("", 1), ("=\r\nerror\r\n=\r\n", 3), ("=\r\n=\r\nerror\r\n", 2)],
)
def test_batch_reports_that_do_not_add_up(output: str, size: int) -> None:
    with pytest.raises(UnexpectedReplyError):
        console.parse_batch(output, size)


def test_the_lab_console() -> None:
    device = Device()
    run = cli.run
    assert run(device, ':put ("=" . [/ip/firewall/address-list/add list=a address=10.0.0.1])') == (
        "=*1\r\n"
    )
    assert run(device, ':put "x"; :put y; /ip firewall address-list set *1 comment=c') == (
        "x\r\ny\r\n"
    )
    printed = "/ip firewall address-list print terse show-ids where list=a and comment=c"
    assert run(device, printed) == "*1\r\n"
    assert run(device, "/ip firewall address-list print") == (
        "the lab emulates only `print terse show-ids [proplist=…]`\r\n"
    )
    assert run(device, "/ip firewall address-list remove *9; :put after") == "no such item\r\n"
    assert run(device, "ip firewall") == "syntax error (line 1 column 1)\r\n"
    assert run(device, "/ip firewall") == "bad command name (line 1 column 1)\r\n"
    assert run(device, '/ip firewall address-list add comment="\\q"') == (
        "syntax error (line 1 column 40)\r\n"
    )
    assert run(device, "/ip firewall address-list get 1") == (
        "the lab emulates `get` on /system/resource and /system/identity\r\n"
    )
    assert run(device, ":put [/system identity get name]") == "MikroTik\r\n"
    assert run(device, ":put [/system resource get uptime]").endswith(":00\r\n")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "00:00:00"), (3_723, "01:02:03"), (788_645, "1w2d03:04:05"), (86_400, "1d00:00:00")],
)
def test_console_time(seconds: int, text: str) -> None:
    assert cli.console_time(seconds) == text
