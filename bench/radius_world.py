"""The subscriber world of the RADIUS benchmark, the same for every server measured.

10,000 PAP users on one NAS. Each has a password, a Framed-IP-Address, a service tier
(the Mikrotik-Rate-Limit, upload first) and belongs to one "customers" RADIUS group
whose reply is a Mikrotik-Address-List. provisiond gets them as a policy `Dataset`;
FreeRADIUS as a `users` file or as rows of its SQL schema (`radius_freeradius`); the
load generator as `BenchUser`s. Deterministic: no randomness, so runs compare.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Final

USERS: Final = 10_000
SECRET: Final = "bench-radius-secret"  # noqa: S105 - the loopback NAS's shared secret
NAS_NAME: Final = "bench-nas"  # the provisiond device name of the NAS
NAS_IDENTIFIER: Final = "bench-nas"
NAS_IP: Final = "127.0.0.1"
GROUP: Final = "customers"
ADDRESS_LIST: Final = "customers"  # the group's reply: Mikrotik-Address-List
INTERIM_INTERVAL: Final = 300  # seconds; every Access-Accept carries it
TIERS: Final = 10  # services; tier n is n*10 Mbit/s down, n*2 Mbit/s up
_FIRST_ADDRESS: Final = int(ipaddress.IPv4Address("100.64.0.1"))


@dataclass(frozen=True, slots=True)
class BenchUser:
    index: int  # 1-based
    username: str
    password: str
    framed_ip: str
    tier: int  # 1..TIERS

    @property
    def rate_limit(self) -> str:
        """MikroTik syntax, upload (rx) first, as provisiond writes it."""
        return tier_rate(self.tier)

    @property
    def calling_station_id(self) -> str:
        """A MAC address derived from the index (the subscriber's CPE)."""
        raw = self.index.to_bytes(6)
        return ":".join(f"{octet:02X}" for octet in (0x02, *raw[2:], 0x01))


def tier_rate(tier: int) -> str:
    return f"{tier * 2}M/{tier * 10}M"


def tier_kbps(tier: int) -> tuple[int, int]:
    """(download, upload) in kbit/s: what provisiond's services hold."""
    return tier * 10_000, tier * 2_000


def users(count: int = USERS) -> list[BenchUser]:
    return [
        BenchUser(
            index=n,
            username=f"user{n:05d}",
            password=f"pw-{n:05d}-{(n * 7919) % 100_000:05d}",
            framed_ip=str(ipaddress.IPv4Address(_FIRST_ADDRESS + n - 1)),
            tier=1 + n % TIERS,
        )
        for n in range(1, count + 1)
    ]
