"""Traffic: bytes an account moved over an interval, as accounting or SNMP saw them.

Shared by the RADIUS accounting (which measures it), the SNMP queue counters (likewise)
and usage accounting (`provisiond.usage`, which splits it into billable and free bytes
per period): a plain value, so none of them imports another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime


@dataclass(frozen=True, slots=True)
class Traffic:
    """`octets_in` went toward the subscriber (Acct-Output-Octets, a queue's download),
    `octets_out` came from it (DESIGN.md §6). `start <= end`, both aware; a zero-length
    interval is traffic seen at one instant."""

    account_id: int
    start: datetime
    end: datetime
    octets_in: int
    octets_out: int
