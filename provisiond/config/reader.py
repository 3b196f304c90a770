"""Typed, position-aware access to one TOML table, collecting every problem it meets.

A `Table` hands out values by key and remembers which keys were asked for, so whatever is
left at `finish()` is an unknown key. A getter that meets a bad value records an issue and
returns the default, so loading goes on and one run reports every error in the file.
Messages describe a wrong type by its TOML type name only: the value may be a secret.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Generic, TypeVar

from provisiond.config.durations import DurationError, parse_duration
from provisiond.config.errors import ConfigIssue
from provisiond.config.secrets import FileLookupError
from provisiond.model.secret import Secret

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from enum import StrEnum
    from pathlib import Path

    from provisiond.config.positions import KeyLines, KeyPath
    from provisiond.config.secrets import FileLookup

T = TypeVar("T")
E = TypeVar("E", bound="StrEnum")


def dotted(path: KeyPath) -> str:
    return ".".join(path)


_TOML_TYPES: Final[dict[type, str]] = {
    bool: "boolean",
    int: "integer",
    float: "float",
    str: "string",
    list: "array",
    dict: "table",
}


def toml_type(value: object) -> str:
    """The TOML name of a parsed value's type, for messages (tomllib's others are dates)."""
    return _TOML_TYPES.get(type(value), "date/time")


@dataclass(frozen=True, slots=True)
class Located(Generic[T]):
    """A value with the path it was read from, for checks that span several tables."""

    path: KeyPath
    value: T


@dataclass(slots=True)
class Context:
    """The file being loaded and the issues found in it so far."""

    file: str
    lines: KeyLines
    files: FileLookup
    issues: list[ConfigIssue] = field(default_factory=list)

    def report(self, path: KeyPath, message: str) -> None:
        self.issues.append(ConfigIssue(self.file, self.lines.line_of(path), dotted(path), message))


class Table:
    """One table of the document at `path`; see the module docstring."""

    def __init__(self, context: Context, path: KeyPath, data: Mapping[str, object]) -> None:
        self.context = context
        self.path = path
        self._data = data
        self._used: set[str] = set()

    def key(self, key: str) -> KeyPath:
        return (*self.path, key)

    def report(self, key: str, message: str) -> None:
        self.context.report(self.key(key), message)

    def has(self, key: str) -> bool:
        return key in self._data

    def take(self, key: str) -> object | None:
        """The raw value, or None when absent (TOML has no null)."""
        self._used.add(key)
        return self._data.get(key)

    def finish(self) -> None:
        for key in self._data:
            if key not in self._used:
                self.report(key, "unknown key" + _suggestion(key, self._data, self._used))

    def _typed(self, key: str, kind: type[T], label: str) -> T | None:
        value = self.take(key)
        if value is None:
            return None
        # bool is an int subclass in Python, but `port = true` is a mistake, not 1.
        if isinstance(value, kind) and (kind is bool or not isinstance(value, bool)):
            return value
        self.report(key, f"expected {label}, got {toml_type(value)}")
        return None

    def optional_string(self, key: str) -> str | None:
        """The string at `key`; None when absent or of another type (reported)."""
        return self._typed(key, str, "a string")

    def string(self, key: str, default: str = "") -> str:
        value = self.optional_string(key)
        return default if value is None else value

    def required_string(self, key: str, *, why: str = "") -> str:
        """A non-empty string; `why` is appended to "required" (e.g. " for platform …")."""
        value = self.optional_string(key)
        if not self.has(key):
            self.report(key, "required" + why)
        elif value == "":
            self.report(key, "must not be empty")
        return value or ""

    def boolean(self, key: str, *, default: bool) -> bool:
        value = self._typed(key, bool, "a boolean")
        return default if value is None else value

    def integer(self, key: str, default: int, *, low: int, high: int) -> int:
        value = self._typed(key, int, "an integer")
        if value is None:
            return default
        if not low <= value <= high:
            self.report(key, f"must be between {low} and {high}, got {value}")
            return default
        return value

    def number(self, key: str, default: float, *, low: float, high: float) -> float:
        value = self.take(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.report(key, f"expected a number, got {toml_type(value)}")
            return default
        number = float(value)
        if not (math.isfinite(number) and low <= number <= high):
            self.report(key, f"must be between {low:g} and {high:g}, got {number:g}")
            return default
        return number

    def duration(self, key: str, default: float, *, positive: bool = False) -> float:
        """Seconds; `positive` refuses 0 where it would mean a busy loop or no wait."""
        value = self.take(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.report(key, _duration_type_error(value))
            return default
        try:
            seconds = parse_duration(value)
        except DurationError as exc:
            self.report(key, str(exc))
            return default
        if positive and seconds == 0:
            self.report(key, "must be longer than 0 seconds")
            return default
        return seconds

    def choice(self, key: str, default: E, enum: type[E]) -> E:
        text = self.string(key, default.value)
        try:
            return enum(text)
        except ValueError:
            self.report(key, f"{text!r} is not one of {_options(enum)}")
            return default

    def choices(self, key: str, default: frozenset[E], enum: type[E]) -> frozenset[E]:
        """An array of `enum` values; an empty array is refused (it would allow nothing)."""
        texts = self.strings(key, nonempty=True)
        if not texts:
            return default
        return frozenset(self.each(key, texts, _member_parser(enum)))

    def strings(
        self, key: str, default: tuple[str, ...] = (), *, nonempty: bool = False
    ) -> tuple[str, ...]:
        """An array of strings; a bad element is reported at its index."""
        value = self.take(key)
        if value is None:
            return default
        if nonempty and value == []:
            self.report(key, "must not be empty")
            return default
        return self._string_items(key, value, allow_single=False)

    def string_or_strings(self, key: str) -> tuple[str, ...]:
        """One string or an array of them (`address = "a"` or `["a", "b"]`)."""
        value = self.take(key)
        if value is None:
            return ()
        return self._string_items(key, value, allow_single=True)

    def _string_items(self, key: str, value: object, *, allow_single: bool) -> tuple[str, ...]:
        if allow_single and isinstance(value, str):
            return (value,)
        if not isinstance(value, list):
            expected = "a string or an array of strings" if allow_single else "an array of strings"
            self.report(key, f"expected {expected}, got {toml_type(value)}")
            return ()
        bad = [(index, item) for index, item in enumerate(value) if not isinstance(item, str)]
        for index, item in bad:
            self.context.report(
                (*self.key(key), str(index)), f"expected a string, got {toml_type(item)}"
            )
        # All or nothing, so later checks that name elements by index stay exact.
        return () if bad else tuple(value)

    def convert(
        self, key: str, text: str, parse: Callable[[str], T], index: int | None
    ) -> T | None:
        """`parse(text)`, reporting its ValueError at the key (or the array element)."""
        try:
            return parse(text)
        except ValueError as exc:
            path = self.key(key) if index is None else (*self.key(key), str(index))
            self.context.report(path, str(exc))
            return None

    def each(self, key: str, texts: tuple[str, ...], parse: Callable[[str], T]) -> tuple[T, ...]:
        """Parse every element of an array read from `key`, dropping the bad ones."""
        parsed = (self.convert(key, text, parse, index) for index, text in enumerate(texts))
        return tuple(value for value in parsed if value is not None)

    def secret(self, key: str, *, required: bool) -> Secret | None:
        """`key = "…"` inline or `key_file = "…"`, never both."""
        file_key = f"{key}_file"
        inline = self.optional_string(key)
        name = self.optional_string(file_key)
        if self.has(key) and self.has(file_key):
            self.report(key, f"give either {key} or {file_key}, not both")
        elif name is not None:
            return self._read_secret(file_key, name)
        elif inline == "":
            self.report(key, "must not be empty")
        elif inline is not None:
            return Secret(inline)
        elif required and not (self.has(key) or self.has(file_key)):
            self.report(key, f"required ({key} or {file_key})")
        return None

    def _read_secret(self, file_key: str, name: str) -> Secret | None:
        if not name:
            self.report(file_key, "must not be empty")
            return None
        try:
            return self.context.files.read_secret(name)
        except FileLookupError as exc:
            self.report(file_key, str(exc))
            return None

    def file(self, key: str) -> Path | None:
        """A referenced file, located like a secret file; None when absent or bad."""
        name = self.optional_string(key)
        if name == "":
            self.report(key, "must not be empty")
        if not name:
            return None
        return self.convert(key, name, self.context.files.locate, None)

    def table(self, key: str) -> Table:
        """The sub-table at `key`; an empty one (all defaults) when absent or not a table."""
        return self.optional_table(key) or Table(self.context, self.key(key), {})

    def optional_table(self, key: str) -> Table | None:
        """The sub-table at `key`; None when absent or not a table (reported)."""
        value = self.take(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.report(key, f"expected a table, got {toml_type(value)}")
            return None
        return Table(self.context, self.key(key), value)

    def tables(self, key: str) -> list[Table]:
        """The elements of an array of tables (`[[key]]`); others are reported and skipped."""
        value = self.take(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.report(key, f"expected an array of tables, got {toml_type(value)}")
            return []
        tables: list[Table] = []
        for index, item in enumerate(value):
            path = (*self.key(key), str(index))
            if isinstance(item, dict):
                tables.append(Table(self.context, path, item))
            else:
                self.context.report(path, f"expected a table, got {toml_type(item)}")
        return tables


def _member_parser(enum: type[E]) -> Callable[[str], E]:
    def parse(text: str) -> E:
        try:
            return enum(text)
        except ValueError:
            raise ValueError(f"{text!r} is not one of {_options(enum)}") from None

    return parse


def _options(enum: type[StrEnum]) -> str:
    return ", ".join(repr(member.value) for member in enum)


def _duration_type_error(value: object) -> str:
    return f'expected a duration (seconds, or a string like "5m"), got {toml_type(value)}'


def _suggestion(key: str, data: Mapping[str, object], used: set[str]) -> str:
    known = [name for name in used if name not in data]
    close = difflib.get_close_matches(key, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
