"""Reading an Accounting-Request into the `AcctRecord` the session table needs.

Run once per request on the accounting hot path, so it reads the parsed packet's kept
attributes straight from their dict, with one lookup each, instead of through the
`Packet` accessors (a property call and a lookup per attribute, and Gigawords twice):
the whole read went from ~6 us to ~2 us (bench/radius.py).
"""

from __future__ import annotations

import socket
from datetime import timedelta
from typing import TYPE_CHECKING, Final

from provisiond.radius.accounting import AcctRecord, terminate_cause
from provisiond.radius.wire import (
    ACCT_DELAY_TIME,
    ACCT_INPUT_GIGAWORDS,
    ACCT_INPUT_OCTETS,
    ACCT_OUTPUT_GIGAWORDS,
    ACCT_OUTPUT_OCTETS,
    ACCT_SESSION_ID,
    ACCT_SESSION_TIME,
    ACCT_TERMINATE_CAUSE,
    DELEGATED_IPV6_PREFIX,
    FRAMED_IP_ADDRESS,
    FRAMED_IPV6_PREFIX,
    NAS_IDENTIFIER,
    NAS_IP_ADDRESS,
    USER_NAME,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from provisiond.radius.packet import Packet
    from provisiond.store.sessions import Pairs

MAX_DELAY: Final = 86_400  # seconds of Acct-Delay-Time believed; more is a broken NAS
# Framed-IP-Address values that name no address (RFC 2865 §5.8): not a session address.
_NOT_ADDRESSES: Final = frozenset(
    {bytes((0, 0, 0, 0)), bytes((255, 255, 255, 255)), bytes((255, 255, 255, 254))}
)
_ntoa: Final = socket.inet_ntoa


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("utf-8", "backslashreplace")


def _integer(value: bytes | None) -> int | None:
    return None if value is None else int.from_bytes(value)


def _octets(attributes: Mapping[int, bytes], low: int, high: int) -> int | None:
    """A 64-bit octet count: the 32-bit attribute plus its Gigawords (RFC 2869 §5.1-2)."""
    octets = attributes.get(low)
    if octets is None:
        return None
    gigawords = attributes.get(high)
    value = int.from_bytes(octets)
    return value if gigawords is None else (int.from_bytes(gigawords) << 32) | value


def delay_of(packet: Packet) -> int:
    """Acct-Delay-Time, within 0..MAX_DELAY seconds."""
    value = packet.attributes.get(ACCT_DELAY_TIME)
    return 0 if value is None else min(int.from_bytes(value), MAX_DELAY)


def username_of(packet: Packet) -> bytes:
    return packet.attributes.get(USER_NAME) or b""


def session_id_of(packet: Packet) -> str:
    return _text(packet.attributes.get(ACCT_SESSION_ID)) or ""


def read_record(
    packet: Packet,
    *,
    nas: str,
    status: int,
    arrived: datetime,
    account_id: int | None,
    last_applied: Pairs | None,
) -> AcctRecord:
    """The record of a checked Accounting-Request from NAS `nas` that arrived at
    `arrived`; it happened Acct-Delay-Time earlier."""
    attributes = packet.attributes
    get = attributes.get
    delay = delay_of(packet)
    framed_ip = get(FRAMED_IP_ADDRESS)
    nas_ip = get(NAS_IP_ADDRESS)
    return AcctRecord(
        nas,
        status,
        session_id_of(packet),
        username_of(packet).decode("utf-8", "backslashreplace"),
        arrived - timedelta(seconds=delay) if delay else arrived,
        account_id,
        None if framed_ip is None or framed_ip in _NOT_ADDRESSES else _ntoa(framed_ip),
        None if FRAMED_IPV6_PREFIX not in attributes else packet.framed_ipv6_prefix,
        None if DELEGATED_IPV6_PREFIX not in attributes else packet.delegated_ipv6_prefix,
        None if nas_ip is None else _ntoa(nas_ip),
        _text(get(NAS_IDENTIFIER)),
        _octets(attributes, ACCT_INPUT_OCTETS, ACCT_INPUT_GIGAWORDS),
        _octets(attributes, ACCT_OUTPUT_OCTETS, ACCT_OUTPUT_GIGAWORDS),
        _integer(get(ACCT_SESSION_TIME)),
        terminate_cause(_integer(get(ACCT_TERMINATE_CAUSE))),
        last_applied,
    )
