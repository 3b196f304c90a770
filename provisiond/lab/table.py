"""One table menu's entries: `.id`s, normalised values, unique keys, dynamic entries.

Pure: time comes from the injected clocks. Every failure is a `CommandError` carrying the text
RouterOS sends, raised before anything changes, so a failed command leaves the table as
it was.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from provisiond.lab import errors, values
from provisiond.lab.errors import CommandError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from datetime import datetime

    from provisiond.lab.menus import Menu
    from provisiond.lab.query import Query

# 35w3d13h13m56s: the longest address-list timeout RouterOS takes.
MAX_TIMEOUT = 21_474_836
Key = tuple[str, ...]


def format_id(number: int) -> str:
    return f"*{number:X}"


def parse_id(text: str) -> int | None:
    if not text.startswith("*"):
        return None
    try:
        return int(text[1:], 16)
    except ValueError:
        return None


class IdCounter:
    """A device's `.id` source: one counter shared by all its tables."""

    def __init__(self) -> None:
        self._next = 1

    def take(self) -> int:
        number, self._next = self._next, self._next + 1
        return number

    def restart(self) -> None:
        self._next = 1


@dataclass
class Entry:
    number: int
    attrs: dict[str, str]
    system: bool = False
    expires_at: float | None = None

    @property
    def dynamic(self) -> bool:
        return self.attrs.get("dynamic") == "true"


class Table:
    def __init__(
        self,
        menu: Menu,
        *,
        ids: IdCounter,
        clock: Callable[[], float],
        wall_clock: Callable[[], datetime],
    ) -> None:
        self.menu = menu
        self._ids = ids
        self._clock = clock
        self._wall_clock = wall_clock
        self._entries: dict[int, Entry] = {}
        self._unique: dict[Key, int] = {}
        self._timed: set[int] = set()
        self._names = itertools.count(1)

    # Client commands: only writable properties, and entries the router made stay put.

    def add(self, attrs: Mapping[str, str]) -> str:
        self._check_writable(attrs, adding=True)
        return self.insert(attrs, dynamic=False, system=False)

    def set(self, ids: str, attrs: Mapping[str, str]) -> None:
        self._check_writable(attrs, adding=False)
        entries = self._resolve(ids)
        if any(entry.system for entry in entries):
            raise CommandError(errors.DYNAMIC_CHANGE)
        self._update(entries, attrs)

    def remove(self, ids: str) -> None:
        entries = self._resolve(ids)
        if any(entry.system for entry in entries):
            raise CommandError(errors.DYNAMIC_REMOVE)
        for entry in entries:
            self._discard(entry)

    def rows(self, query: Query | None, proplist: Sequence[str] | None) -> list[dict[str, str]]:
        self._expire()
        now = self._clock()
        selected: Iterable[Entry] = self._entries.values()
        if query is not None:
            selected = [entry for entry in selected if query.matches(entry.attrs)]
        return [_row(entry, proplist, now) for entry in selected]

    def count(self, query: Query | None) -> int:
        self._expire()
        if query is None:
            return len(self._entries)
        return sum(1 for entry in self._entries.values() if query.matches(entry.attrs))

    # The control side: any property, any entry; values still normalised and keys unique.

    def insert(self, attrs: Mapping[str, str], *, dynamic: bool, system: bool) -> str:
        self._expire()
        given = self._normalise(attrs)
        missing = [name for name in self.menu.required if not given.get(name)]
        if missing:
            message = errors.MISSING_VALUE.format(names=",".join(missing))
            raise CommandError(message, errors.CATEGORY_ARGUMENT)
        expires_at = self._expiry(given)
        if self.menu.auto_name and "name" not in given:
            given["name"] = self._free_name()
        dynamic = dynamic or expires_at is not None or given.get("dynamic") == "true"
        entry = Entry(0, self._compose(given, dynamic=dynamic), system, expires_at)
        if self._key(entry.attrs) in self._unique:
            raise CommandError(self.menu.duplicate)
        entry.number = self._ids.take()
        entry.attrs[".id"] = format_id(entry.number)
        self._store(entry)
        return entry.attrs[".id"]

    def edit(self, ids: str, attrs: Mapping[str, str]) -> None:
        self._update(self._resolve(ids), attrs)

    def delete(self, ids: str) -> None:
        for entry in self._resolve(ids):
            self._discard(entry)

    def drop_dynamic(self) -> None:
        for entry in [entry for entry in self._entries.values() if entry.dynamic]:
            self._discard(entry)

    def renumber(self, take: Callable[[], int]) -> None:
        """Give every entry a new `.id`, keeping the order (what a reboot does)."""
        entries = list(self._entries.values())
        self._entries.clear()
        self._unique.clear()
        self._timed.clear()
        for entry in entries:
            entry.number = take()
            entry.attrs[".id"] = format_id(entry.number)
            self._store(entry)

    # Helpers.

    def _check_writable(self, attrs: Iterable[str], *, adding: bool) -> None:
        for name in attrs:
            spec = self.menu.fields.get(name)
            if spec is None or not spec.writable or (spec.add_only and not adding):
                raise CommandError(errors.UNKNOWN_PARAMETER.format(name=name))

    def _normalise(self, attrs: Mapping[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in attrs.items():
            spec = self.menu.fields.get(name)
            if spec is None:
                raise CommandError(errors.UNKNOWN_PARAMETER.format(name=name))
            try:
                out[name] = spec.normalise(value)
            except ValueError as exc:
                message = errors.INVALID_VALUE.format(name=name)
                raise CommandError(message, errors.CATEGORY_ARGUMENT) from exc
        return out

    def _expiry(self, given: dict[str, str]) -> float | None:
        """When an entry with this `timeout` goes; None for no timeout (`0` clears it)."""
        if not self.menu.timeouts or "timeout" not in given:
            return None
        seconds = values.parse_duration(given["timeout"])
        if seconds > MAX_TIMEOUT:
            raise CommandError(errors.TIMEOUT_RANGE, errors.CATEGORY_ARGUMENT)
        if seconds == 0:
            del given["timeout"]
            return None
        return self._clock() + seconds

    def _compose(self, given: Mapping[str, str], *, dynamic: bool) -> dict[str, str]:
        merged = {**self.menu.defaults, **given, "dynamic": "true" if dynamic else "false"}
        if self.menu.creation_time:
            merged["creation-time"] = self._wall_clock().strftime("%Y-%m-%d %H:%M:%S")
        attrs = {".id": ""}
        attrs.update((name, merged[name]) for name in self.menu.fields if name in merged)
        return _drop_empty_comment(attrs)

    def _update(self, entries: Sequence[Entry], attrs: Mapping[str, str]) -> None:
        given = self._normalise(attrs)
        expires_at = self._expiry(given)
        planned = [(entry, _drop_empty_comment({**entry.attrs, **given})) for entry in entries]
        self._check_keys(planned)
        for entry, merged in planned:
            # Re-keyed in place: an edited entry keeps its position in the table.
            self._unique.pop(self._key(entry.attrs), None)
            entry.attrs = merged
            if expires_at is not None:
                entry.expires_at = expires_at
                entry.attrs["dynamic"] = "true"
            self._store(entry)

    def _check_keys(self, planned: Sequence[tuple[Entry, dict[str, str]]]) -> None:
        moving = {self._key(entry.attrs) for entry, _ in planned}
        seen: set[Key] = set()
        for _, merged in planned:
            key = self._key(merged)
            if key in seen or (key in self._unique and key not in moving):
                raise CommandError(self.menu.duplicate)
            seen.add(key)

    def _resolve(self, ids: str) -> list[Entry]:
        """The entries of a comma-separated `.id` list; `no such item` if any is unknown."""
        self._expire()
        found: dict[int, Entry] = {}
        for part in ids.split(","):
            number = parse_id(part.strip())
            entry = self._entries.get(number) if number is not None else None
            if entry is None:
                raise CommandError(errors.NO_SUCH_ITEM)
            found[entry.number] = entry
        return list(found.values())

    def _key(self, attrs: Mapping[str, str]) -> Key:
        return tuple(attrs.get(name, "") for name in self.menu.unique)

    def _store(self, entry: Entry) -> None:
        self._entries[entry.number] = entry
        self._unique[self._key(entry.attrs)] = entry.number
        if entry.expires_at is not None:
            self._timed.add(entry.number)

    def _discard(self, entry: Entry) -> None:
        del self._entries[entry.number]
        self._unique.pop(self._key(entry.attrs), None)
        self._timed.discard(entry.number)

    def _expire(self) -> None:
        if not self._timed:
            return
        now = self._clock()
        for number in [n for n in self._timed if self._expires_by(n, now)]:
            self._discard(self._entries[number])

    def _expires_by(self, number: int, now: float) -> bool:
        expires_at = self._entries[number].expires_at
        return expires_at is not None and expires_at <= now

    def _free_name(self) -> str:
        prefix = self.menu.auto_name or ""
        while (name := f"{prefix}{next(self._names)}",) in self._unique:
            pass
        return name


def _drop_empty_comment(attrs: dict[str, str]) -> dict[str, str]:
    # An empty comment is no comment: RouterOS prints none, and `?comment` is false.
    if attrs.get("comment") == "":
        del attrs["comment"]
    return attrs


def _row(entry: Entry, proplist: Sequence[str] | None, now: float) -> dict[str, str]:
    attrs = entry.attrs
    if entry.expires_at is not None:
        left = math.ceil(max(0.0, entry.expires_at - now))
        attrs = {**attrs, "timeout": values.format_duration(left)}
    if proplist is None:
        return dict(attrs)
    return {name: attrs[name] for name in proplist if name in attrs}
