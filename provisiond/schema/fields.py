"""The scalar wire formats of DESIGN.md §1, each parsed and rendered in one place.

Each parser takes whatever JSON gave it (`object`) and raises `PydanticCustomError` with a
plain message, so pydantic reports it at the field's location and `parsing.py` can turn it
into an `InvalidError` naming that field. pydantic's own lax coercions are avoided: a
billing system that sends `"25000"` or `true` for a rate has a bug we want to see.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import UTC, datetime
from typing import Annotated, Final
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, PlainValidator
from pydantic_core import PydanticCustomError

from provisiond.model.network import InvalidPrefixError, Prefix, parse_prefix

MAX_INT64: Final = 2**63 - 1
MINUTES_PER_DAY: Final = 24 * 60

_HHMM = re.compile(r"(?P<hour>[01][0-9]|2[0-3]):(?P<minute>[0-5][0-9])")
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_LIST_NAME = re.compile(r"[A-Za-z0-9_-]+")


def invalid(message: str) -> PydanticCustomError:
    # The message goes in the context, not the template: a template would interpret any
    # `{` of the offending input echoed inside it.
    return PydanticCustomError("invalid", "{reason}", {"reason": message})


def _non_blank(value: str) -> str:
    if not value.strip():
        raise invalid("must not be empty")
    return value


def _list_name(value: str) -> str:
    # A RouterOS address-list name ends up in firewall rules; keep it to a safe alphabet.
    if not _LIST_NAME.fullmatch(value):
        raise invalid("may contain only letters, digits, '-' and '_'")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise invalid("must be a string")
    return value


def _minute(value: object, *, allow_midnight_end: bool) -> int:
    text = _text(value)
    if allow_midnight_end and text == "24:00":
        return MINUTES_PER_DAY
    match = _HHMM.fullmatch(text)
    if match is None:
        upper = "24:00" if allow_midnight_end else "23:59"
        raise invalid(f"must be a time HH:MM from 00:00 to {upper}")
    return int(match["hour"]) * 60 + int(match["minute"])


def parse_start_minute(value: object) -> int:
    return _minute(value, allow_midnight_end=False)


def parse_end_minute(value: object) -> int:
    return _minute(value, allow_midnight_end=True)


def render_minute(minute: int) -> str:
    """`90` → `"01:30"`, `1440` → `"24:00"`."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_timestamp(value: object) -> datetime:
    """An RFC 3339 timestamp with an explicit offset, as an aware UTC `datetime`.

    A naive timestamp is refused rather than guessed: the daemon's zone and the billing
    system's zone differ often enough to move a scheduled event by hours.
    """
    text = _text(value)
    if not _RFC3339.fullmatch(text):
        raise invalid("must be an RFC 3339 timestamp with a timezone, e.g. 2025-01-31T22:00:00Z")
    try:
        parsed = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError as exc:
        raise invalid(f"is not a valid timestamp: {exc}") from exc
    return parsed.astimezone(UTC)


def render_timestamp(value: datetime) -> str:
    """RFC 3339 in UTC with `Z`; a naive value is taken as UTC, as the store keeps it."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.isoformat().replace("+00:00", "Z")


def parse_any_prefix(value: object) -> Prefix:
    try:
        return parse_prefix(_text(value))
    except InvalidPrefixError as exc:
        raise invalid(f"{value!r} is not a prefix with host bits clear") from exc


def parse_ipv4(value: object) -> ipaddress.IPv4Address:
    text = _text(value)
    try:
        return ipaddress.IPv4Address(text)
    except ValueError as exc:
        raise invalid(f"{text!r} is not an IPv4 address") from exc


def parse_ipv6_prefix(value: object) -> ipaddress.IPv6Network:
    text = _text(value)
    try:
        return ipaddress.IPv6Network(text, strict=True)
    except ValueError as exc:
        raise invalid(f"{text!r} is not an IPv6 prefix with host bits clear") from exc


def parse_webhook_url(value: object) -> str:
    """An absolute http(s) URL with a host; where it may point is the SSRF policy's job."""
    text = _text(value)
    try:
        parts = urlsplit(text)
        host = parts.hostname
        _ = parts.port  # raises for a port that is not a number in range
    except ValueError as exc:
        raise invalid(f"is not a valid URL: {exc}") from exc
    if parts.scheme not in {"http", "https"} or not host or any(c.isspace() for c in text):
        raise invalid("must be an http:// or https:// URL with a host")
    return text


Id = Annotated[int, Field(strict=True, ge=1, le=MAX_INT64)]
Int64 = Annotated[int, Field(strict=True, ge=-MAX_INT64 - 1, le=MAX_INT64)]
# Rates are kbit/s; devices take bit/s, which must still fit a 64-bit field.
Kbps = Annotated[int, Field(strict=True, gt=0, le=MAX_INT64 // 1000)]
Seconds = Annotated[int, Field(strict=True, gt=0, le=MAX_INT64)]
Name = Annotated[str, Field(strict=True), AfterValidator(_non_blank)]
ListName = Annotated[str, Field(strict=True), AfterValidator(_list_name)]
NonEmptyStr = Annotated[str, Field(strict=True, min_length=1)]
StartMinute = Annotated[int, PlainValidator(parse_start_minute, json_schema_input_type=str)]
EndMinute = Annotated[int, PlainValidator(parse_end_minute, json_schema_input_type=str)]
Timestamp = Annotated[datetime, PlainValidator(parse_timestamp, json_schema_input_type=str)]
AnyPrefix = Annotated[Prefix, PlainValidator(parse_any_prefix, json_schema_input_type=str)]
IPv4 = Annotated[ipaddress.IPv4Address, PlainValidator(parse_ipv4, json_schema_input_type=str)]
IPv6Prefix = Annotated[
    ipaddress.IPv6Network, PlainValidator(parse_ipv6_prefix, json_schema_input_type=str)
]
WebhookUrl = Annotated[str, PlainValidator(parse_webhook_url, json_schema_input_type=str)]
