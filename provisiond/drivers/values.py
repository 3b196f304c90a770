"""Values read back from a device, in the canonical form the plan compares.

A print row becomes an `ObservedEntry`. Booleans become `true`/`false` (RouterOS 6 prints
`yes`/`no`; librouteros turns either into a Python bool), numbers become their text again
(librouteros turns a comment `12345` into an int), addresses and queue targets lose a
`/32` or `/128` and rates are written in bit/s, exactly as `provisiond.plan.normalise`
does, so a value the router rewrote compares equal to the one provisiond wrote.
"""

from __future__ import annotations

import re
import socket
from typing import TYPE_CHECKING, Final

from provisiond.drivers.errors import UnexpectedReplyError
from provisiond.model.device_state import ObservedEntry
from provisiond.plan import normalise

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

Value = str | int | bool

# RouterOS 7 prints `true`/`false`, RouterOS 6 `yes`/`no`.
_BOOLEANS: Final = {"true": "true", "yes": "true", "false": "false", "no": "false"}
_UNITS: Final = re.compile(
    r"(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:\d+ms)?"
)
_CLOCK: Final = re.compile(r"(?:(\d+)w)?(?:(\d+)d)?(\d+):(\d{2}):(\d{2})")
_SECONDS: Final = (604_800, 86_400, 3_600, 60, 1)


def text(value: Value) -> str:
    """A value as RouterOS prints it; bools (librouteros' reading) as `true`/`false`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def boolean(value: str) -> str:
    return _BOOLEANS.get(value.lower(), value)


def address(value: str) -> str:
    # A canonical bare IPv4 address needs no `ipaddress` round trip; observing 100,000
    # entries would spend most of its time there otherwise.
    try:
        if socket.inet_ntop(socket.AF_INET, socket.inet_pton(socket.AF_INET, value)) == value:
            return value
    except OSError:
        pass
    return normalise.address(value)


_CANONICAL: Final[Mapping[str, Callable[[str], str]]] = {
    "address": address,
    "target": normalise.target,
    "max-limit": normalise.rates,
    "burst-limit": normalise.rates,
    "burst-threshold": normalise.rates,
    "dynamic": boolean,
    "disabled": boolean,
}


def canonical(name: str, value: Value) -> str:
    as_text = text(value)
    convert = _CANONICAL.get(name)
    return as_text if convert is None else convert(as_text)


def entry(path: str, row: Mapping[str, Value]) -> ObservedEntry:
    """One print row (with `.id`) as an `ObservedEntry`."""
    entry_id = row.get(".id")
    if entry_id is None:
        raise UnexpectedReplyError(f"{path}: a printed entry has no .id")
    attrs: dict[str, str] = {}
    for name, value in row.items():
        # Rows from our own codec are all text; only librouteros' need `text()`.
        as_text = value if type(value) is str else text(value)
        convert = _CANONICAL.get(name)
        attrs[name] = as_text if convert is None else convert(as_text)
    del attrs[".id"]
    return ObservedEntry(
        path=path, id=text(entry_id), attrs=attrs, dynamic=attrs.get("dynamic") == "true"
    )


def parse_uptime(value: str) -> float:
    """Seconds in `1w2d3h4m5s` (the API) or `1w2d03:04:05` (the console)."""
    value = value.strip()
    match = _CLOCK.fullmatch(value) or _UNITS.fullmatch(value)
    if not value or match is None:
        raise UnexpectedReplyError(f"uptime {value!r} is not a RouterOS duration")
    # Both forms capture weeks, days, hours, minutes and seconds, in that order.
    counts = (int(group or 0) for group in match.groups())
    return float(sum(count * unit for count, unit in zip(counts, _SECONDS, strict=True)))
