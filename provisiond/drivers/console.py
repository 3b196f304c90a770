"""The RouterOS console language, as far as the SSH driver speaks it; pure, without I/O.

Scripts run through an SSH exec request. Each change is one statement that prints one
marker line starting with `=` when it succeeds (an add prints `=` and its new `.id`). The
console stops a script at the first error and prints the error instead, so the output
says which changes ran, which one failed and why; the driver resends the rest.

Reads use `print terse show-ids proplist=…`: one line per entry, its `.id`, its flags
(`X` disabled, `D` dynamic), then `name=value` pairs. Values with anything but plain
characters are double-quoted with the console's escapes, which `unquote` reverses; a
line that does not parse is an `UnexpectedReplyError`, never guessed at.

Every value sent is quoted (`quote`): `"`, `\\`, `$` (variable expansion) and `?` (help)
are escaped, control and non-ASCII characters go as `\\XX` bytes of their UTF-8. Names,
menus and `.id`s are checked against strict patterns, so no value can end a statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from provisiond.drivers.errors import UnexpectedReplyError
from provisiond.plan import Op

if TYPE_CHECKING:
    from collections.abc import Sequence

    from provisiond.drivers.menus import Menu
    from provisiond.plan import Change

# Console login options after `+` in the user name (MikroTik wiki "Console login process"):
# c: no colours, e: "dumb" terminal, t: no terminal auto-detection, 512w: 512 columns, so
# no terse line is wrapped.
LOGIN_OPTIONS: Final = "cet512w"
MARKER: Final = "="
UPTIME_SCRIPT: Final = ":put [/system resource get uptime]"

_ESCAPES: Final = {
    '"': '\\"',
    "\\": "\\\\",
    "$": "\\$",
    "?": "\\?",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}
_UNESCAPES: Final = {
    '"': b'"',
    "\\": b"\\",
    "$": b"$",
    "?": b"?",
    "n": b"\n",
    "r": b"\r",
    "t": b"\t",
    "_": b" ",
}
_PRINTABLE: Final = range(0x20, 0x7F)
_NAME: Final = re.compile(r"[a-z][a-z0-9-]*")
_MENU: Final = re.compile(r"(?:/[a-z0-9][a-z0-9-]*)+")
_ID: Final = re.compile(r"\*[0-9A-Fa-f]+")
_FLAGS: Final = re.compile(r"[A-Z]+")
_TOKEN: Final = re.compile(r'([^\s="]+)=("(?:[^"\\]|\\.)*"|[^\s"]*)(?=\s|$)|(\S+)')
_HEX: Final = re.compile(r"[0-9A-Fa-f]{2}")
_FLAG_PROPERTIES: Final = {"X": "disabled", "D": "dynamic"}


def quote(value: str) -> str:
    parts = ['"']
    for char in value:
        if char in _ESCAPES:
            parts.append(_ESCAPES[char])
        elif ord(char) in _PRINTABLE:
            parts.append(char)
        else:
            parts.extend(f"\\{byte:02X}" for byte in char.encode())
    parts.append('"')
    return "".join(parts)


def unquote(value: str) -> str:
    """A printed value: bare as it is, or quoted with escapes."""
    if not value.startswith('"'):
        return value
    if len(value) < 2 or not value.endswith('"'):  # noqa: PLR2004 - the two quotes
        raise UnexpectedReplyError(f"unterminated string {value!r}")
    body, out, pos = value[1:-1], bytearray(), 0
    while pos < len(body):
        char = body[pos]
        if char != "\\":
            out += char.encode()
            pos += 1
            continue
        escaped, size = _escape(body, pos + 1)
        out += escaped
        pos += 1 + size
    return out.decode("utf-8", "replace")


def _escape(body: str, pos: int) -> tuple[bytes, int]:
    if _HEX.fullmatch(body[pos : pos + 2]):
        return bytes.fromhex(body[pos : pos + 2]), 2
    known = _UNESCAPES.get(body[pos : pos + 1])
    if known is None:
        raise UnexpectedReplyError(f"unknown escape in {body!r}")
    return known, 1


def menu_words(path: str) -> str:
    """`/ip/firewall/address-list` → `/ip firewall address-list` (valid on RouterOS 6 too)."""
    if not _MENU.fullmatch(path):
        raise ValueError(f"not a menu path: {path!r}")
    return "/" + " ".join(path.strip("/").split("/"))


def _arguments(entry: dict[str, str]) -> str:
    for name in entry:
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a property name: {name!r}")
    return " ".join(f"{name}={quote(value)}" for name, value in entry.items())


def _entry_id(change: Change) -> str:
    entry_id = change.target_id or ""
    if not _ID.fullmatch(entry_id):
        raise ValueError(f"not an entry id: {entry_id!r}")
    return entry_id


def statement(change: Change) -> str:
    """One change as a statement that prints its marker line when it succeeds."""
    menu = menu_words(change.path)
    if change.op is Op.ADD:
        return f':put ("{MARKER}" . [{menu} add {_arguments(dict(change.entry))}])'
    entry_id = _entry_id(change)
    if change.op is Op.REMOVE:
        return f'{menu} remove {entry_id}; :put "{MARKER}"'
    updates = {k: v for k, v in change.entry.items() if k != ".id"}
    return f'{menu} set {entry_id} {_arguments(updates)}; :put "{MARKER}"'


def apply_script(changes: Sequence[Change]) -> str:
    return "; ".join(statement(change) for change in changes)


@dataclass(frozen=True, slots=True)
class BatchReport:
    """`done`: the marker text of each change that ran, in order (an add's new `.id`, else
    empty); `error`: the line the console printed for the one that failed next, if any."""

    done: tuple[str, ...]
    error: str | None


def parse_batch(output: str, size: int) -> BatchReport:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    done = [line[1:] for line in _prefix_markers(lines)]
    rest = lines[len(done) :]
    if any(line.startswith(MARKER) for line in rest):
        raise UnexpectedReplyError(f"the console went on after an error: {output!r}")
    error = " ".join(rest) or None
    expected = len(done) < size if error else len(done) == size
    if not expected:
        raise UnexpectedReplyError(f"{len(done)} of {size} changes reported: {output!r}")
    return BatchReport(done=tuple(done), error=error)


def _prefix_markers(lines: list[str]) -> list[str]:
    markers: list[str] = []
    for line in lines:
        if not line.startswith(MARKER):
            break
        markers.append(line)
    return markers


def print_script(spec: Menu, lists: Sequence[str | None]) -> str:
    """The prints of one observe, one per list (or one for the whole menu), as one script."""
    proplist = ",".join(name for name in spec.proplist if name != ".id")
    base = f"{menu_words(spec.path)} print terse show-ids proplist={proplist}"
    return "; ".join(base if name is None else f"{base} where list={quote(name)}" for name in lists)


def parse_terse(output: str) -> list[dict[str, str]]:
    return [parse_terse_line(line) for line in output.splitlines() if line.strip()]


def parse_terse_line(line: str) -> dict[str, str]:
    """`*1A X list=a address=10.0.0.1 comment="x y"` → `{".id": "*1A", "disabled": "true", …}`."""
    tokens = _TOKEN.findall(line)
    if not tokens or not _ID.fullmatch(tokens[0][2]):
        raise UnexpectedReplyError(f"a print line without an id: {line!r}")
    row = {".id": tokens[0][2], "disabled": "false", "dynamic": "false"}
    for name, value, bare in tokens[1:]:
        if name:
            row[name] = unquote(value)
        elif _FLAGS.fullmatch(bare):
            row.update((_FLAG_PROPERTIES[f], "true") for f in bare if f in _FLAG_PROPERTIES)
        else:
            raise UnexpectedReplyError(f"cannot read {bare!r} in {line!r}")
    return row
