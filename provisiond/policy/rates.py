"""An account's rate and its MikroTik spellings (DESIGN.md §1, protocols.md §1.8, §4.1).

MikroTik writes every `a/b` pair from the router's side of the subscriber: `rx/tx`, which is
the subscriber's **upload first**, then download. Both `Mikrotik-Rate-Limit` and a simple
queue's `max-limit` use that order, so 100 Mbit/s down and 20 Mbit/s up is `20M/100M`.
Units are decimal (`k` = 1,000 and `M` = 1,000,000 bit/s).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from provisiond.model.objects import Burst
from provisiond.policy.errors import RateSyntaxError

if TYPE_CHECKING:
    from collections.abc import Callable

    from provisiond.model.objects import Service

_RATE = re.compile(r"(\d+)([kKMG]?)")
_SECONDS = re.compile(r"(\d+)s?")
_MULTIPLIER = {"": 1, "k": 1_000, "K": 1_000, "M": 1_000_000, "G": 1_000_000_000}
# Field positions: rate, burst rate, burst threshold, burst time. RouterOS's priority and
# rate-min follow, but a service has no place for them, so a string that sets them is refused.
_BURST, _THRESHOLD, _TIME = 1, 2, 3
_MAX_FIELDS = 4


@dataclass(frozen=True, slots=True)
class Rate:
    """Download and upload in kbit/s, with the service's burst if it has one."""

    download_kbps: int
    upload_kbps: int
    burst: Burst | None = None

    @classmethod
    def of_service(cls, service: Service) -> Rate:
        return cls(service.download_kbps, service.upload_kbps, service.burst)

    def mikrotik(self) -> str:
        """`up/down`, or with burst `up/down bup/bdown tup/tdown s/s` (Mikrotik-Rate-Limit)."""
        rate = _unit_pair(self.upload_kbps, self.download_kbps)
        burst = self.burst
        if burst is None:
            return rate
        return " ".join(
            (
                rate,
                _unit_pair(burst.upload_kbps, burst.download_kbps),
                _unit_pair(burst.threshold_upload_kbps, burst.threshold_download_kbps),
                f"{burst.seconds}/{burst.seconds}",
            )
        )

    def max_limit(self) -> str:
        """Simple-queue `max-limit`: `<upload>/<download>` in integer bit/s."""
        return _bps_pair(self.upload_kbps, self.download_kbps)

    def burst_limit(self) -> str | None:
        burst = self.burst
        return None if burst is None else _bps_pair(burst.upload_kbps, burst.download_kbps)

    def burst_threshold(self) -> str | None:
        burst = self.burst
        if burst is None:
            return None
        return _bps_pair(burst.threshold_upload_kbps, burst.threshold_download_kbps)

    def burst_time(self) -> str | None:
        """`Ns/Ns`: RouterOS reads a queue's burst-time back with the unit, e.g. `8s/8s`."""
        burst = self.burst
        return None if burst is None else f"{burst.seconds}s/{burst.seconds}s"


def unit(kbps: int) -> str:
    """`M` when the kbit/s value is a whole number of Mbit/s, else `k` (`1500` → `1500k`)."""
    return f"{kbps // 1000}M" if kbps % 1000 == 0 else f"{kbps}k"


def parse_rate(text: str) -> Rate:
    """Parse a Mikrotik-Rate-Limit string such as `1M/1M`, `512k` or `2M/10M 4M/20M 1M/5M 10/10`.

    Follows RouterOS's defaults (protocols.md §4.1): a missing second value of a pair is the
    first; a burst without thresholds uses the rates as thresholds; no burst time is 1 s.
    Every rate must be a positive whole number of kbit/s, so the value renders back exactly.
    """
    fields = text.split()
    if not fields:
        raise RateSyntaxError("a rate is empty")
    if len(fields) > _MAX_FIELDS:
        raise RateSyntaxError(f"{text!r}: priority and rate-min are not supported")
    upload, download = _pair(fields[0], _kbps)
    if len(fields) == 1:
        return Rate(download, upload)
    burst_up, burst_down = _pair(fields[_BURST], _kbps)
    threshold_up, threshold_down = (upload, download)
    if len(fields) > _THRESHOLD:
        threshold_up, threshold_down = _pair(fields[_THRESHOLD], _kbps)
    seconds = _burst_seconds(fields[_TIME]) if len(fields) > _TIME else 1
    burst = Burst(burst_down, burst_up, threshold_down, threshold_up, seconds)
    return Rate(download, upload, burst)


def _unit_pair(upload_kbps: int, download_kbps: int) -> str:
    return f"{unit(upload_kbps)}/{unit(download_kbps)}"


def _bps_pair(upload_kbps: int, download_kbps: int) -> str:
    return f"{upload_kbps * 1000}/{download_kbps * 1000}"


def _pair(text: str, parse: Callable[[str], int]) -> tuple[int, int]:
    """`rx/tx` (subscriber upload, download); a lone value stands for both."""
    first, slash, second = text.partition("/")
    upload = parse(first)
    return upload, parse(second) if slash else upload


def _kbps(text: str) -> int:
    match = _RATE.fullmatch(text)
    if match is None:
        raise RateSyntaxError(f"{text!r} is not a rate such as 512k or 10M")
    bps = int(match[1]) * _MULTIPLIER[match[2]]
    if bps <= 0 or bps % 1000:
        raise RateSyntaxError(f"{text!r} must be a positive whole number of kbit/s")
    return bps // 1000


def _seconds(text: str) -> int:
    match = _SECONDS.fullmatch(text)
    if match is None or int(match[1]) <= 0:
        raise RateSyntaxError(f"{text!r} is not a burst time in seconds")
    return int(match[1])


def _burst_seconds(text: str) -> int:
    upload, download = _pair(text, _seconds)
    if upload != download:
        # A service has one burst time for both directions.
        raise RateSyntaxError(f"{text!r}: upload and download burst times must be equal")
    return upload
