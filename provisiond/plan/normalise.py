"""Spell RouterOS values one way, so desired and observed compare as strings.

Drivers already normalise what they read, but the diff must converge even when they do
not, or when a router version spells a value differently: a value that never compares
equal would be rewritten on every sync. So the diff normalises both sides again.
Anything that does not parse is returned unchanged and compared as typed.
"""

from __future__ import annotations

import ipaddress
import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Final

from provisiond.model.network import render_prefix

if TYPE_CHECKING:
    from collections.abc import Callable

_RATE: Final = re.compile(r"(\d+(?:\.\d+)?)([kmg]?)", re.IGNORECASE)
_RATE_UNITS: Final = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9}  # decimal, as RouterOS
_CLOCK: Final = re.compile(r"(\d+):(\d{2}):(\d{2})")
_DURATION: Final = re.compile(r"(?:\d+[wdhms])+")
_DURATION_PART: Final = re.compile(r"(\d+)([wdhms])")
_UNIT_SECONDS: Final = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
_PAIR: Final = 2
_TRUE: Final = frozenset({"true", "yes"})
_NOT_AN_ID: Final = 1


_OCTET: Final = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_CANONICAL_IPV4: Final = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")


def address(text: str) -> str:
    """`203.0.113.77/24` → `203.0.113.0/24`, a /32 or /128 → the bare address (as stored).

    A range equal to one prefix becomes that prefix, as RouterOS does; DNS names and
    other ranges stay as they are.
    """
    stripped = text.strip()
    if _CANONICAL_IPV4.fullmatch(stripped):
        # Most observed entries are bare host addresses already in canonical form; the
        # `ipaddress` round trip would dominate a 100,000-entry no-drift resync.
        return stripped
    try:
        return render_prefix(ipaddress.ip_network(stripped, strict=False))
    except ValueError:
        return _range(stripped)


def _range(text: str) -> str:
    first, _, last = text.partition("-")
    try:
        start, end = ipaddress.ip_address(first.strip()), ipaddress.ip_address(last.strip())
    except ValueError:  # no dash, or not addresses: a DNS name
        return text
    size = int(end) - int(start) + 1
    aligned = size > 0 and size & (size - 1) == 0 and int(start) % size == 0
    if start.version != end.version or not aligned:
        return text
    length = start.max_prefixlen - (size.bit_length() - 1)
    return render_prefix(ipaddress.ip_network(f"{start}/{length}"))


def target(text: str | None) -> str:
    """A queue target: canonical prefixes, de-duplicated, in address order, comma-joined.

    RouterOS reads `100.64.0.10` back as `100.64.0.10/32`; both become the bare address.
    """
    parts = {address(part) for part in (text or "").split(",") if part.strip()}
    return ",".join(sorted(parts, key=_target_order))


def _target_order(part: str) -> tuple[int, int, int, int, str]:
    try:
        net = ipaddress.ip_network(part)
    except ValueError:  # an interface name: after every prefix
        return (1, 0, 0, 0, part)
    return (0, net.version, int(net.network_address), net.prefixlen, part)


def rates(text: str | None) -> str:
    """`2M/10M`, `2000k/10M` → `2000000/10000000` (bit/s, upload first); absent → `0/0`."""
    return _pair(text, _bits)


def durations(text: str | None) -> str:
    """`8s/8s`, `8/8`, `00:00:08/00:00:08` → `8/8` (seconds); absent → `0/0`."""
    return _pair(text, _seconds)


def _pair(text: str | None, parse: Callable[[str], int | None]) -> str:
    # Absent and zero mean the same to RouterOS (no limit, no burst), so they must compare equal.
    if not text or not text.strip():
        return "0/0"
    sides = text.split("/")
    if len(sides) == 1:  # one value applies to both directions
        sides = sides * _PAIR
    values = [parse(side) for side in sides]
    if len(values) != _PAIR or values[0] is None or values[1] is None:
        return text
    return f"{values[0]}/{values[1]}"


def _bits(text: str) -> int | None:
    match = _RATE.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return int(Decimal(match[1]) * _RATE_UNITS[match[2].lower()])
    except InvalidOperation:
        return None


def _seconds(text: str) -> int | None:
    value = text.strip().lower()
    if value.isdigit():
        return int(value)
    clock = _CLOCK.fullmatch(value)
    if clock is not None:
        hours, minutes, seconds = (int(part) for part in clock.groups())
        return hours * 3_600 + minutes * 60 + seconds
    if _DURATION.fullmatch(value):
        return sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION_PART.findall(value))
    return None


def text(value: str | None) -> str:
    """Free text (comments, names): absent is the empty string."""
    return value or ""


def is_true(value: str | None) -> bool:
    """RouterOS booleans read back as `true`/`false`, older versions as `yes`/`no`."""
    return (value or "").strip().lower() in _TRUE


def id_order(entry_id: str) -> tuple[int, int, str]:
    """Sort key for `.id`s: `*A` before `*1A` (numeric hex), anything unparsable last."""
    try:
        return (0, int(entry_id.removeprefix("*"), 16), entry_id)
    except ValueError:
        return (_NOT_AN_ID, 0, entry_id)
