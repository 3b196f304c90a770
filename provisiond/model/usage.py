"""Traffic: bytes an account moved over an interval, as accounting or SNMP saw them.

Shared by the RADIUS accounting (which measures it), the SNMP queue counters (likewise)
and usage accounting (`provisiond.usage`, which splits it into billable and free bytes
per period): a plain value, so none of them imports another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from datetime import datetime


class Traffic(NamedTuple):
    """`octets_in` went toward the subscriber (Acct-Output-Octets, a queue's download),
    `octets_out` came from it (DESIGN.md §6). `start <= end`, both aware; a zero-length
    interval is traffic seen at one instant.

    A named tuple, not a dataclass: accounting builds one per record and usage reads
    each once, and a tuple is the cheapest to build and to unpack on that path."""

    account_id: int
    start: datetime
    end: datetime
    octets_in: int
    octets_out: int
