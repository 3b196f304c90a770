"""A lab router's state and the commands that act on it, without I/O.

The server turns sentences into `Command`s and `Result`s back into sentences; everything
a RouterOS device decides (what a print returns, which trap an add gets) is here, so it
can be tested without sockets.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from provisiond.lab import errors, values
from provisiond.lab.errors import CommandError, LabError
from provisiond.lab.menus import table_menus
from provisiond.lab.query import QueryError, compile_query
from provisiond.lab.table import IdCounter, Table

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from provisiond.lab.query import Normalise, Query

RESOURCE = "/system/resource"
IDENTITY = "/system/identity"
WRITE_VERBS = frozenset({"add", "set", "remove", "enable", "disable"})


@dataclass(frozen=True)
class Command:
    """One command sentence: `path` is the menu (`""` for `/login`, `/cancel`, `/quit`)."""

    path: str
    verb: str
    attrs: dict[str, str] = field(default_factory=dict)
    queries: tuple[str, ...] = ()
    tag: str | None = None


def parse_command(words: Sequence[str]) -> Command:
    path, _, verb = words[0].rpartition("/")
    attrs: dict[str, str] = {}
    queries: list[str] = []
    tag = None
    for word in words[1:]:
        if word.startswith("="):
            name, _, value = word[1:].partition("=")
            attrs[name] = value
        elif word.startswith("?"):
            queries.append(word)
        elif word.startswith(".tag="):
            # An empty tag is no tag: its replies carry none.
            tag = word[5:] or None
    return Command(path, verb, attrs, tuple(queries), tag)


@dataclass(frozen=True)
class Result:
    """What a command answers: `!re` rows, then `!empty` if `empty`, then `!done [=ret=]`."""

    rows: list[dict[str, str]] = field(default_factory=list)
    ret: str | None = None
    empty: bool = False


def utc_now() -> datetime:
    return datetime.now(UTC)


class Device:
    """Tables, identity and uptime of one emulated router.

    `clock` (seconds, monotonic) drives uptime and address-list timeouts; `wall_clock`
    stamps `creation-time`. `empty_reply` answers an empty print with `!empty`, as
    RouterOS 7.18 and later do.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = utc_now,
        identity: str = "MikroTik",
        version: str = "7.18.2 (stable)",
        board_name: str = "CHR",
        empty_reply: bool = True,
    ) -> None:
        self.ids = IdCounter()
        self.tables = {
            path: Table(menu, ids=self.ids, clock=clock, wall_clock=wall_clock)
            for path, menu in table_menus().items()
        }
        self.identity = identity
        self.version = version
        self.board_name = board_name
        self.empty_reply = empty_reply
        self._clock = clock
        self._booted_at = clock()

    def uptime(self) -> float:
        return self._clock() - self._booted_at

    def table(self, path: str) -> Table:
        try:
            return self.tables[path]
        except KeyError:
            raise LabError(f"the lab router has no table {path}") from None

    def is_write(self, command: Command) -> bool:
        known = command.path in self.tables or command.path == IDENTITY
        return known and command.verb in WRITE_VERBS

    def reboot(self, *, restart_ids: bool = False) -> None:
        """Dynamic entries go, the uptime restarts, every `.id` is handed out anew.

        By default the new `.id`s continue the counter, so no old `.id` survives;
        `restart_ids` numbers from `*1` again, so an old `.id` may now name another entry.
        """
        if restart_ids:
            self.ids.restart()
        for table in self.tables.values():
            table.drop_dynamic()
        for table in self.tables.values():
            table.renumber(self.ids.take)
        self._booted_at = self._clock()

    def execute(self, command: Command) -> Result:
        table = self.tables.get(command.path)
        if table is not None:
            return self._on_table(table, command)
        if command.path == RESOURCE:
            return self._on_resource(command)
        if command.path == IDENTITY:
            return self._on_identity(command)
        raise CommandError(errors.NO_SUCH_COMMAND_PREFIX, errors.CATEGORY_MISSING)

    def _on_table(self, table: Table, command: Command) -> Result:
        verb = "print" if command.verb == "getall" else command.verb
        if verb == "print":
            return self._print_table(table, command)
        if verb == "add":
            return Result(ret=table.add(_properties(command)))
        if verb == "set":
            table.set(_ids(command), _properties(command))
        elif verb == "remove":
            table.remove(_ids(command))
        elif verb in ("enable", "disable"):
            table.set(_ids(command), {"disabled": "true" if verb == "disable" else "false"})
        else:
            raise CommandError(errors.NO_SUCH_COMMAND, errors.CATEGORY_MISSING)
        return Result()

    def _print_table(self, table: Table, command: Command) -> Result:
        query = _query(command, table.menu.normalise_query)
        if "count-only" in command.attrs:
            return Result(ret=str(table.count(query)))
        return self._printed(table.rows(query, _proplist(command)))

    def _on_resource(self, command: Command) -> Result:
        _only_print(command)
        return self._print_rows([self._resource_row()], command)

    def _on_identity(self, command: Command) -> Result:
        if command.verb == "set":
            given = _properties(command)
            if set(given) - {"name"}:
                name = sorted(set(given) - {"name"})[0]
                raise CommandError(errors.UNKNOWN_PARAMETER.format(name=name))
            self.identity = given.get("name", self.identity)
            return Result()
        _only_print(command)
        return self._print_rows([{"name": self.identity}], command)

    def _resource_row(self) -> dict[str, str]:
        return {
            "uptime": values.format_duration(int(self.uptime())),
            "version": self.version,
            "free-memory": "939524096",
            "total-memory": "1073741824",
            "cpu": "QEMU",
            "cpu-count": "1",
            "cpu-load": "0",
            "architecture-name": "x86_64",
            "board-name": self.board_name,
            "platform": "MikroTik",
        }

    def _print_rows(self, rows: list[dict[str, str]], command: Command) -> Result:
        query = _query(command, lambda _name, value: value)
        selected = [row for row in rows if query is None or query.matches(row)]
        if "count-only" in command.attrs:
            return Result(ret=str(len(selected)))
        proplist = _proplist(command)
        if proplist is not None:
            selected = [{k: row[k] for k in proplist if k in row} for row in selected]
        return self._printed(selected)

    def _printed(self, rows: list[dict[str, str]]) -> Result:
        return Result(rows=rows, empty=self.empty_reply and not rows)


def _only_print(command: Command) -> None:
    if command.verb not in ("print", "getall"):
        raise CommandError(errors.NO_SUCH_COMMAND, errors.CATEGORY_MISSING)


def _properties(command: Command) -> Mapping[str, str]:
    """The property words of a command: not API attributes (`.id`, `.proplist`), not `numbers`."""
    return {k: v for k, v in command.attrs.items() if not k.startswith(".") and k != "numbers"}


def _ids(command: Command) -> str:
    ids = command.attrs.get(".id", command.attrs.get("numbers"))
    if ids is None:
        raise CommandError(errors.MISSING_VALUE.format(names="numbers"), errors.CATEGORY_ARGUMENT)
    return ids


def _proplist(command: Command) -> list[str] | None:
    proplist = command.attrs.get(".proplist")
    if proplist is None:
        return None
    return [name for name in proplist.split(",") if name]


def _query(command: Command, normalise: Normalise) -> Query | None:
    try:
        return compile_query(command.queries, normalise)
    except QueryError as exc:
        raise CommandError(errors.INVALID_QUERY, errors.CATEGORY_ARGUMENT) from exc
