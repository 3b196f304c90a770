"""`print` queries compiled into a row predicate (reference/protocols.md §1.5).

Each query word pushes one boolean on a stack that starts as endless `true`s; `?#` words
rewrite the stack; a row passes when no `false` is left. Consecutive queries are
therefore an implicit AND.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    Row = Mapping[str, str]
    Predicate = Callable[[Row], bool]
    Normalise = Callable[[str, str], str]

_OPS = frozenset("0123456789!&|.")


class QueryError(ValueError):
    """A query word RouterOS would not accept."""


class Query:
    """A compiled query: `matches(row)` says whether a row passes."""

    def __init__(self, steps: Sequence[Predicate | str]) -> None:
        self._steps = tuple(steps)
        single = self._steps[0] if len(self._steps) == 1 else None
        # One plain test (the usual `?list=NAME`) needs no stack.
        self.matches: Predicate = single if callable(single) else self._run

    def _run(self, row: Row) -> bool:
        stack: list[bool] = []
        for step in self._steps:
            if isinstance(step, str):
                apply_ops(step, stack)
            else:
                stack.append(step(row))
        return all(stack)


def compile_query(words: Sequence[str], normalise: Normalise) -> Query | None:
    """The query of a `print`'s `?` words; None when there are none (every row passes).

    `normalise(name, value)` rewrites a query value the way the property is stored, so
    `?disabled=no` finds rows that print `disabled=false`.
    """
    if not words:
        return None
    return Query([_step(word[1:], normalise) for word in words])


def _step(body: str, normalise: Normalise) -> Predicate | str:
    head = body[:1]
    if head == "#":
        if not set(body[1:]) <= _OPS:
            raise QueryError(body)
        return body[1:]
    if head == "-":
        return _lacks(body[1:])
    if head in ("<", ">"):
        name, sep, value = body[1:].partition("=")
        if not sep:
            raise QueryError(body)
        return _ordered(name, normalise(name, value), less=head == "<")
    if head == "=":
        body = body[1:]
    name, sep, value = body.partition("=")
    if sep:
        return _equals(name, normalise(name, value))
    return _has(name)


def _has(name: str) -> Predicate:
    return lambda row: name in row


def _lacks(name: str) -> Predicate:
    return lambda row: name not in row


def _equals(name: str, value: str) -> Predicate:
    return lambda row: row.get(name, "") == value


def _ordered(name: str, value: str, *, less: bool) -> Predicate:
    def test(row: Row) -> bool:
        have = row.get(name)
        if have is None:
            return False
        left, right = order_key(have), order_key(value)
        if isinstance(left, int) and isinstance(right, int):
            return left < right if less else left > right
        return have < value if less else have > value

    return test


def order_key(value: str) -> int | str:
    """Numbers and `*HEX` ids compare as numbers, anything else as text."""
    if value.isdigit():
        return int(value)
    if value.startswith("*"):
        try:
            return int(value[1:], 16)
        except ValueError:
            return value
    return value


def apply_ops(ops: str, stack: list[bool]) -> None:
    """Run one `?#` operation string on `stack` (its top is the last element)."""
    pos = 0
    after_index = False
    while pos < len(ops):
        char = ops[pos]
        if char.isdigit():
            end = _digits_end(ops, pos)
            _index(stack, int(ops[pos:end]), at_end=end == len(ops))
            pos, after_index = end, True
            continue
        if not (char == "." and after_index):
            _operate(char, stack)
        pos, after_index = pos + 1, False


def _digits_end(ops: str, pos: int) -> int:
    while pos < len(ops) and ops[pos].isdigit():
        pos += 1
    return pos


def _index(stack: list[bool], index: int, *, at_end: bool) -> None:
    value = _peek(stack, index)
    if at_end:
        stack[:] = [value]
    else:
        stack.append(value)


def _operate(char: str, stack: list[bool]) -> None:
    if char == "!":
        stack.append(not _pop(stack))
    elif char == ".":
        stack.append(_peek(stack, 0))
    else:
        right, left = _pop(stack), _pop(stack)
        stack.append(left and right if char == "&" else left or right)


def _peek(stack: list[bool], index: int) -> bool:
    # Below the pushed values the stack holds endless `true`s.
    return stack[-1 - index] if index < len(stack) else True


def _pop(stack: list[bool]) -> bool:
    return stack.pop() if stack else True
