"""The RouterOS console subset the SSH driver uses, run on a lab `Device`; no I/O.

A script is what one SSH exec request carries. What it understands:

- statements separated by `;`;
- `:put EXPR`, where EXPR is a string, a bare word, `[command]`, or `(a . b . …)`;
- commands written `/ip firewall address-list add …` or `/ip/firewall/address-list/add …`:
  `add name=value…` (its value is the new `.id`), `set *ID name=value…`, `remove *ID`,
  `print terse show-ids proplist=a,b where name=value [and name=value…]`, and
  `get property` (the value; `uptime` in the console's `1w2d03:04:05` form).

Values may be bare or double-quoted with the console's escapes (`\\"`, `\\\\`, `\\$`,
`\\?`, `\\n`, `\\r`, `\\t`, `\\_` for a space, `\\XX` for a byte). As on RouterOS, the first
error stops the script and is printed in place of the rest: a trap's text
(`failure: already have such entry`, `no such item`), or `syntax error (column N)`.
Output lines end with CRLF.

`print terse show-ids` prints one line per entry: its `.id`, its flags (`X` disabled,
`D` dynamic) when it has any, then the other listed properties as `name=value`, a value
quoted when it holds anything but letters, digits and `._:/*,+@%-`. This is the lab's
reading of RouterOS' terse format; verify it against a CHR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from provisiond.lab import values
from provisiond.lab.device import IDENTITY, RESOURCE, Command
from provisiond.lab.errors import CommandError, LabError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from provisiond.lab.device import Device

VERBS: Final = frozenset({"add", "set", "remove", "print", "get"})
_SPECIAL: Final = frozenset('[]();"')
_BARE_VALUE: Final = re.compile(r"[A-Za-z0-9._:/*,+@%-]+")
_HEX: Final = re.compile(r"[0-9A-Fa-f]{2}")
_UNESCAPES: Final = {
    '"': '"',
    "\\": "\\",
    "$": "$",
    "?": "?",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "_": " ",
}
_ESCAPES: Final = {
    '"': '\\"',
    "\\": "\\\\",
    "$": "\\$",
    "?": "\\?",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}
_PRINTABLE: Final = range(0x20, 0x7F)
_FLAGS: Final = (("disabled", "X"), ("dynamic", "D"))
_DAY: Final = 86_400
_WEEK: Final = 7 * _DAY


class ConsoleError(LabError):
    """A script the console refuses; its message is the line printed."""


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "word", "arg" (name=value), "string", or the punctuation itself
    text: str
    column: int
    name: str = ""


def run(device: Device, script: str) -> str:
    """Run `script` on `device`; everything it printed, CRLF line ends."""
    lines: list[str] = []
    try:
        for statement in _statements(tokenize(script)):
            _Statement(device, lines).run(statement)
    except ConsoleError as exc:
        lines.append(str(exc))
    except CommandError as exc:
        lines.append(exc.message)
    return "".join(f"{line}\r\n" for line in lines)


# Tokens.


def tokenize(script: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(script):
        char = script[pos]
        if char.isspace():
            pos += 1
        elif char == '"':
            value, end = _string(script, pos)
            tokens.append(Token("string", value, pos + 1))
            pos = end
        elif char in _SPECIAL:
            tokens.append(Token(char, char, pos + 1))
            pos += 1
        else:
            token, pos = _word(script, pos)
            tokens.append(token)
    return tokens


def _word(script: str, start: int) -> tuple[Token, int]:
    pos = start
    while pos < len(script) and not script[pos].isspace() and script[pos] not in _SPECIAL:
        pos += 1
    text = script[start:pos]
    name, equals, value = text.partition("=")
    if not equals or not name:
        return Token("word", text, start + 1), pos
    if not value and pos < len(script) and script[pos] == '"':
        value, pos = _string(script, pos)
    return Token("arg", value, start + 1, name=name), pos


def _string(script: str, start: int) -> tuple[str, int]:
    """The value of the quoted string at `start`, and the position after it."""
    out = bytearray()
    pos = start + 1
    while pos < len(script):
        char = script[pos]
        if char == '"':
            return out.decode("utf-8", "replace"), pos + 1
        if char != "\\":
            out += char.encode()
            pos += 1
            continue
        escape = script[pos + 1 : pos + 3]
        if _HEX.fullmatch(escape):
            out += bytes.fromhex(escape)
            pos += 3
        elif escape[:1] in _UNESCAPES:
            out += _UNESCAPES[escape[:1]].encode()
            pos += 2
        else:
            raise _syntax(pos + 1)
    raise _syntax(start + 1)


def _syntax(column: int) -> ConsoleError:
    return ConsoleError(f"syntax error (line 1 column {column})")


def _statements(tokens: list[Token]) -> list[list[Token]]:
    statements: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        depth += {"[": 1, "(": 1, "]": -1, ")": -1}.get(token.kind, 0)
        if token.kind == ";" and depth == 0:
            statements.append([])
        else:
            statements[-1].append(token)
    return [statement for statement in statements if statement]


# Statements and expressions.


class _Statement:
    def __init__(self, device: Device, lines: list[str]) -> None:
        self._device = device
        self._lines = lines

    def run(self, tokens: list[Token]) -> None:
        first = tokens[0]
        if first.kind == "word" and first.text == ":put":
            self._lines.append(self._expression(tokens[1:], first.column))
        elif first.kind == "word" and first.text.startswith("/"):
            self._command(tokens)
        else:
            raise _syntax(first.column)

    def _expression(self, tokens: list[Token], column: int) -> str:
        if not tokens:
            raise _syntax(column)
        if tokens[0].kind == "(" and tokens[-1].kind == ")":
            tokens = tokens[1:-1]
        return "".join(self._term(term, column) for term in _concatenated(tokens))

    def _term(self, tokens: list[Token], column: int) -> str:
        if not tokens:
            raise _syntax(column)
        first = tokens[0]
        if first.kind == "[" and tokens[-1].kind == "]":
            return self._command(tokens[1:-1])
        if len(tokens) == 1 and first.kind in ("string", "word"):
            return first.text
        raise _syntax(first.column)

    def _command(self, tokens: list[Token]) -> str:
        path, verb, args = _split_command(tokens)
        if verb == "print":
            self._lines.extend(_print(self._device, path, args))
            return ""
        if verb == "get":
            return _get(self._device, path, args)
        result = self._device.execute(_write(path, verb, args))
        return result.ret or ""


def _concatenated(tokens: list[Token]) -> list[list[Token]]:
    terms: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        depth += {"[": 1, "(": 1, "]": -1, ")": -1}.get(token.kind, 0)
        if token.kind == "word" and token.text == "." and depth == 0:
            terms.append([])
        else:
            terms[-1].append(token)
    return terms


def _split_command(tokens: Sequence[Token]) -> tuple[str, str, list[Token]]:
    """(`/menu/path`, verb, the tokens after the verb)."""
    components: list[str] = []
    for index, token in enumerate(tokens):
        if token.kind != "word":
            break
        parts = [part for part in token.text.split("/") if part]
        for position, part in enumerate(parts):
            if part in VERBS and components:
                if parts[position + 1 :]:
                    raise _syntax(token.column)
                return "/" + "/".join(components), part, list(tokens[index + 1 :])
            components.append(part)
    column = tokens[0].column if tokens else 1
    raise ConsoleError(f"bad command name (line 1 column {column})")


def _write(path: str, verb: str, args: list[Token]) -> Command:
    attrs = {token.name: token.text for token in args if token.kind == "arg"}
    positional = [token for token in args if token.kind != "arg"]
    if verb in ("set", "remove") and positional:
        attrs[".id"] = positional.pop(0).text
    if positional:
        raise _syntax(positional[0].column)
    return Command(path, verb, attrs)


def _print(device: Device, path: str, args: list[Token]) -> list[str]:
    cut = next((i for i, t in enumerate(args) if t.kind == "word" and t.text == "where"), None)
    head, conditions = (args, []) if cut is None else (args[:cut], args[cut + 1 :])
    flags = {token.text for token in head if token.kind == "word"}
    options = {token.name: token.text for token in head if token.kind == "arg"}
    if flags != {"terse", "show-ids"} or set(options) - {"proplist"}:
        raise ConsoleError("the lab emulates only `print terse show-ids [proplist=…]`")
    for token in conditions:
        if token.kind != "arg" and token.text != "and":
            raise _syntax(token.column)
    proplist = [name for name in options.get("proplist", "").split(",") if name]
    wanted = ",".join([".id", "disabled", "dynamic", *proplist])
    queries = tuple(f"?{t.name}={t.text}" for t in conditions if t.kind == "arg")
    result = device.execute(Command(path, "print", {".proplist": wanted}, queries))
    return [terse_line(row, proplist) for row in result.rows]


def _get(device: Device, path: str, args: list[Token]) -> str:
    if path not in (RESOURCE, IDENTITY):
        raise ConsoleError("the lab emulates `get` on /system/resource and /system/identity")
    if len(args) != 1 or args[0].kind != "word":
        raise _syntax(args[0].column if args else 1)
    (row,) = device.execute(Command(path, "print")).rows
    value = row.get(args[0].text, "")
    if path == RESOURCE and args[0].text == "uptime":
        return console_time(values.parse_duration(value))
    return value


# Output.


def terse_line(row: dict[str, str], proplist: Sequence[str]) -> str:
    flags = "".join(flag for name, flag in _FLAGS if row.get(name) == "true")
    shown = [name for name in proplist if name in row and name not in dict(_FLAGS)]
    parts = [row[".id"], *([flags] if flags else []), *(f"{n}={printed(row[n])}" for n in shown)]
    return " ".join(parts)


def printed(value: str) -> str:
    if _BARE_VALUE.fullmatch(value):
        return value
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


def console_time(seconds: float) -> str:
    """`1w2d03:04:05`: how the console prints a duration."""
    whole = int(seconds)
    weeks, whole = divmod(whole, _WEEK)
    days, whole = divmod(whole, _DAY)
    hours, whole = divmod(whole, 3_600)
    minutes, secs = divmod(whole, 60)
    prefix = (f"{weeks}w" if weeks else "") + (f"{days}d" if days else "")
    return f"{prefix}{hours:02d}:{minutes:02d}:{secs:02d}"
