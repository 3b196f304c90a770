"""Bulk writes on the accounting path, below SQLAlchemy's per-row parameter processing.

An accounting commit writes a few hundred rows; SQLAlchemy's executemany builds and
processes a parameter dict per row (bind processors, type coercion), which cost more
than SQLite's own work on those rows (bench/radius.py). Here the statements are still
compiled by SQLAlchemy from the table definitions, once per dialect and column set, so
the schema and the SQL cannot drift; only the parameters go straight to the driver as
tuples (`exec_driver_sql`), already in the column's stored form.

That needs a positional driver paramstyle (SQLite's `qmark`); for any other dialect
`compiled` returns None and the caller uses the SQLAlchemy statement as usual.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy.sql.compiler import SQLCompiler

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable

    import sqlalchemy as sa
    from sqlalchemy.engine import Dialect

_MAX_JSON_CACHE: Final = 65_536  # encoded values kept; cleared whole beyond this


class Compiled:
    """A statement's SQL text and the order its driver parameters go in."""

    __slots__ = ("names", "sql")

    def __init__(self, sql: str, names: tuple[str, ...]) -> None:
        self.sql = sql
        self.names = names


_compiled: dict[tuple[str, Hashable], Compiled | None] = {}


def compiled(
    dialect: Dialect, key: Hashable, build: Callable[[], sa.ClauseElement]
) -> Compiled | None:
    """`build()`'s statement compiled for `dialect`, cached under `key`; None when the
    dialect's paramstyle is not positional (then use the statement through SQLAlchemy)."""
    cache_key = (dialect.name, key)
    if cache_key not in _compiled:
        if not dialect.positional:
            _compiled[cache_key] = None
        else:
            statement = build().compile(dialect=dialect)
            names = statement.positiontup if isinstance(statement, SQLCompiler) else None
            _compiled[cache_key] = Compiled(str(statement), tuple(names or ()))
    return _compiled[cache_key]


def sqlite_time(value: datetime) -> str:
    """A UTC time as SQLAlchemy's SQLite DATETIME stores it, naive and to the microsecond:
    `2026-11-24 09:13:40.000000` (the same text its bind processor writes, so reads and
    string comparisons in SQL see one format)."""
    if value.tzinfo is not UTC:
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a UTC time")
        value = value.astimezone(UTC)
    text = value.isoformat(" ")  # 2026-11-24 09:13:40.123456+00:00, or without .ffffff
    return text[:26] if value.microsecond else text[:19] + ".000000"


class JsonTexts:
    """JSON text of values that repeat (a user's reply attributes recur in every one of
    its sessions): encoded once, not per row."""

    __slots__ = ("_texts",)

    def __init__(self) -> None:
        self._texts: dict[Hashable, str] = {}

    def text(self, value: Hashable, encode: Callable[[Any], Any]) -> str:
        found = self._texts.get(value)
        if found is None:
            if len(self._texts) >= _MAX_JSON_CACHE:
                self._texts.clear()
            found = self._texts[value] = json.dumps(encode(value))
        return found
