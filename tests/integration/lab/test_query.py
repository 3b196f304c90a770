"""`print` queries and `?#` stack operations (pure), per reference/protocols.md §1.5."""

from __future__ import annotations

import pytest

from provisiond.lab.query import QueryError, apply_ops, compile_query

ROWS = [
    {".id": "*1", "type": "ether", "name": "ether1", "distance": "1", "comment": "uplink"},
    {".id": "*2", "type": "vlan", "name": "vlan10", "distance": "2"},
    {".id": "*A", "type": "bridge", "name": "br0", "distance": "10", "comment": ""},
]


def _ids(*words: str) -> list[str]:
    query = compile_query(words, lambda _name, value: value)
    assert query is not None
    return [row[".id"] for row in ROWS if query.matches(row)]


@pytest.mark.parametrize(
    ("words", "ids"),
    [
        (("?type=ether",), ["*1"]),
        (("?=type=vlan",), ["*2"]),
        (("?comment",), ["*1", "*A"]),
        (("?-comment",), ["*2"]),
        (("?>comment=",), ["*1"]),
        (("?<distance=2",), ["*1"]),
        (("?>distance=1",), ["*2", "*A"]),
        (("?<.id=*9",), ["*1", "*2"]),
        (("?type=ether", "?type=vlan", "?#|"), ["*1", "*2"]),
        (("?type=ether", "?#!"), ["*2", "*A"]),
        (("?type=ether", "?distance=1"), ["*1"]),
        (("?>distance=1", "?name=br0", "?#&!"), ["*1", "*2"]),
        (("?type=ether", "?type=vlan", "?type=bridge", "?#||"), ["*1", "*2", "*A"]),
        (("?nosuch=",), ["*1", "*2", "*A"]),
        (("?nosuch",), []),
    ],
)
def test_queries_select_rows_like_routeros(words: tuple[str, ...], ids: list[str]) -> None:
    assert _ids(*words) == ids


def test_no_query_is_no_filter() -> None:
    assert compile_query([], lambda _name, value: value) is None


def test_an_index_at_the_end_keeps_only_that_value() -> None:
    # Stack [A, B]: `1` at the end of the word replaces everything with A.
    assert _ids("?type=ether", "?type=vlan", "?#1") == ["*1"]
    assert _ids("?type=ether", "?type=vlan", "?#0") == ["*2"]


@pytest.mark.parametrize(
    ("stack", "ops", "after"),
    [
        ([True, False], "0.", [True, False, False]),
        ([True, False], "1.0.", [True, False, True, True]),
        ([True, False], "1|", [True, True]),
        ([False], ".", [False, False]),
        ([False], "!", [True]),
        ([True, False], "&", [False]),
        ([], "5.", [True]),
        ([False, True, True], "2", [False]),
    ],
)
def test_stack_operations(stack: list[bool], ops: str, after: list[bool]) -> None:
    apply_ops(ops, stack)
    assert stack == after


def test_values_are_compared_as_the_property_stores_them() -> None:
    query = compile_query(["?disabled=no"], lambda _name, value: {"no": "false"}.get(value, value))
    assert query is not None
    assert query.matches({"disabled": "false"})


@pytest.mark.parametrize("word", ["?#x", "?<distance", "?#1+"])
def test_malformed_queries_are_refused(word: str) -> None:
    with pytest.raises(QueryError):
        compile_query([word], lambda _name, value: value)
