"""The signature of DESIGN.md §6: HMAC-SHA256 over `"<timestamp>.<body>"`.

Covering the timestamp means a captured delivery cannot be replayed later: a receiver
checks the signature, then that the timestamp is recent (docs/triggers.md). The secret
and the signature are never logged.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from provisiond.model.secret import Secret

TIMESTAMP_HEADER: Final = "X-Provisiond-Timestamp"
SIGNATURE_HEADER: Final = "X-Provisiond-Signature"
SCHEME: Final = "sha256="


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=<hex>` of `body` at `timestamp` (unix seconds) under `secret`."""
    message = str(timestamp).encode() + b"." + body
    return SCHEME + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def headers(secret: Secret, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret.reveal(), timestamp, body),
    }


def verify(
    secret: str, *, timestamp: str, signature_header: str, body: bytes, now: int, tolerance: int
) -> bool:
    """A receiver's check: the signature matches and the timestamp is within `tolerance`
    seconds of `now` (the same recipe as docs/triggers.md)."""
    if not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance:
        return False
    expected = signature(secret, int(timestamp), body)
    return hmac.compare_digest(expected, signature_header)
