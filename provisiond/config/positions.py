"""Where each key of a TOML document is: the line numbers `tomllib` does not give.

`tomllib` has already accepted the document when this runs, so the scanner only has to
follow TOML's structure, not validate it: table headers `[a.b]`, arrays of tables
`[[a]]` (numbering their elements), `key = value` with dotted and quoted keys, and values
that span lines (arrays, multi-line strings) whose continuation lines must not be read as
keys. Array elements and inline-table keys get their own entries (`subnets.1`,
`nas.address`), so an error inside a multi-line array points at the element's line.
"""

from __future__ import annotations

import re
import tomllib
from typing import Final, TypeAlias

KeyPath: TypeAlias = tuple[str, ...]
"""A key's place in the document; array elements are their index as text: `("device", "0")`."""

_BARE_KEY: Final = re.compile(r"[A-Za-z0-9_-]+")
_BLANK: Final = " \t\r"
_VALUE_END: Final = ",]}#\n"


class KeyLines:
    """Key path → 1-based line; an unknown path falls back to its nearest enclosing one."""

    def __init__(self, lines: dict[KeyPath, int]) -> None:
        self._lines = lines

    def line_of(self, path: KeyPath) -> int:
        for end in range(len(path), 0, -1):
            line = self._lines.get(path[:end])
            if line is not None:
                return line
        return 1


def scan(text: str) -> KeyLines:
    """Map every key, table and array element of `text` (valid TOML) to its line."""
    scanner = _Scanner(text)
    scanner.document()
    return KeyLines(scanner.lines)


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.lines: dict[KeyPath, int] = {}
        self.table: KeyPath = ()
        # Resolved path of each array of tables → index of its latest element.
        self.arrays: dict[KeyPath, int] = {}

    def document(self) -> None:
        while self.pos < len(self.text):
            start = self.pos
            self.skip_blank(newlines=True)
            if self.pos >= len(self.text):
                return
            if self.text.startswith("[[", self.pos):
                self.array_header()
            elif self.text[self.pos] == "[":
                self.table_header()
            else:
                self.key_value()
            self.skip_rest_of_line()
            if self.pos == start:  # never loop on input the grammar above does not cover
                self.advance(1)

    def array_header(self) -> None:
        self.advance(2)
        self.skip_blank(newlines=False)
        parts = self.dotted_key()
        path = (*self.resolve(parts[:-1]), parts[-1])
        self.record(path)
        index = self.arrays.get(path, -1) + 1
        self.arrays[path] = index
        self.table = (*path, str(index))
        self.record(self.table)

    def table_header(self) -> None:
        self.advance(1)
        self.skip_blank(newlines=False)
        self.table = self.resolve(self.dotted_key())
        self.record(self.table)

    def resolve(self, parts: KeyPath) -> KeyPath:
        """A header's parts with the current element index after each array of tables."""
        path: KeyPath = ()
        for part in parts:
            path = (*path, part)
            if path in self.arrays:
                path = (*path, str(self.arrays[path]))
        return path

    def key_value(self) -> None:
        path = self.table + self.dotted_key()
        self.record(path)
        self.skip_blank(newlines=False)
        if self.peek() == "=":
            self.advance(1)
        self.skip_blank(newlines=False)
        self.value(path)

    def value(self, path: KeyPath) -> None:
        char = self.peek()
        if char == "[":
            self.array(path)
        elif char == "{":
            self.inline_table(path)
        elif char in ('"', "'"):
            self.skip_string()
        else:
            while self.pos < len(self.text) and self.text[self.pos] not in _VALUE_END:
                self.advance(1)

    def array(self, path: KeyPath) -> None:
        self.advance(1)
        index = 0
        while self.pos < len(self.text):
            self.skip_blank(newlines=True)
            if self.peek() in ("]", ""):
                break
            start = self.pos
            element = (*path, str(index))
            self.record(element)
            self.value(element)
            self.skip_blank(newlines=True)
            if self.peek() == ",":
                self.advance(1)
                index += 1
            elif self.pos == start:
                self.advance(1)
        self.advance(1)

    def inline_table(self, path: KeyPath) -> None:
        self.advance(1)
        while self.pos < len(self.text):
            self.skip_blank(newlines=False)
            if self.peek() in ("}", "", "\n"):
                break
            key = path + self.dotted_key()
            self.record(key)
            self.skip_blank(newlines=False)
            if self.peek() == "=":
                self.advance(1)
            self.skip_blank(newlines=False)
            self.value(key)
            self.skip_blank(newlines=False)
            if self.peek() == ",":
                self.advance(1)
        self.advance(1)

    def dotted_key(self) -> KeyPath:
        parts = [self.simple_key()]
        while True:
            self.skip_blank(newlines=False)
            if self.peek() != ".":
                return tuple(parts)
            self.advance(1)
            self.skip_blank(newlines=False)
            parts.append(self.simple_key())

    def simple_key(self) -> str:
        if self.peek() in ('"', "'"):
            start = self.pos
            self.skip_string()
            # Let tomllib decode the quoted key, escapes included, rather than re-implement it.
            decoded = tomllib.loads(self.text[start : self.pos] + " = 0")
            return next(iter(decoded))
        match = _BARE_KEY.match(self.text, self.pos)
        if match is None:
            return ""
        self.advance(match.end() - self.pos)
        return match.group()

    def skip_string(self) -> None:
        quote = self.text[self.pos]
        triple = quote * 3
        if self.text.startswith(triple, self.pos):
            self.advance(3)
            self.skip_until(triple, escapes=quote == '"')
            while self.peek() == quote:  # up to two quotes may end the content: `""""a""""`
                self.advance(1)
        else:
            self.advance(1)
            self.skip_until(quote, escapes=quote == '"')

    def skip_until(self, closing: str, *, escapes: bool) -> None:
        while self.pos < len(self.text):
            if escapes and self.text[self.pos] == "\\":
                self.advance(2)
            elif self.text.startswith(closing, self.pos):
                self.advance(len(closing))
                return
            else:
                self.advance(1)

    def skip_blank(self, *, newlines: bool) -> None:
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "#":
                end = self.text.find("\n", self.pos)
                self.advance((len(self.text) if end < 0 else end) - self.pos)
            elif char in _BLANK or (newlines and char == "\n"):
                self.advance(1)
            else:
                return

    def skip_rest_of_line(self) -> None:
        end = self.text.find("\n", self.pos)
        self.advance((len(self.text) if end < 0 else end + 1) - self.pos)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def advance(self, count: int) -> None:
        end = min(self.pos + count, len(self.text))
        self.line += self.text.count("\n", self.pos, end)
        self.pos = end

    def record(self, path: KeyPath) -> None:
        """First mention wins; tables a dotted key or header creates implicitly included."""
        for end in range(1, len(path) + 1):
            self.lines.setdefault(path[:end], self.line)
