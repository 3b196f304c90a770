"""The drivers' one exception root, and the translation of socket and TLS errors into it.

STYLE.md §5.6: library errors become `DriverError`s at the boundary (`raise … from exc`), and
whether to retry is decided here, once, by the class:

- `TemporaryDriverError`: the same call may succeed later (refused, reset or closed
  connections, timeouts, `!fatal`). The reconciler retries with backoff; `delay` is the
  device's own hint, when it gives one.
- `PermanentDriverError`: nothing changes until a person does (a refused login, a
  certificate that does not verify, a host key that does not match, a reply we cannot
  read). The reconciler stops and shows the error.
- `RejectedChange`: one change trapped; the others of the batch went on. It is reported
  per change in an `ApplyResult`, not raised by `apply`.

Classification goes by exception type, never by message text. The one exception is the
trap table in `provisiond.drivers.outcomes`: RouterOS tells some outcomes apart only by
the trap's words.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from provisiond.drivers.outcomes import ApplyResult
    from provisiond.plan import Change


@dataclass(frozen=True, slots=True)
class Trap:
    """A RouterOS `!trap` (or the console's error line): its message and `=category=`."""

    message: str
    category: int | None = None

    def __str__(self) -> str:
        return (
            self.message if self.category is None else f"{self.message} (category {self.category})"
        )


class DriverError(Exception):
    """Root of every error a driver raises."""


class TemporaryDriverError(DriverError):
    """Retry later; `delay` (seconds) overrides the backoff when the device suggests one."""

    def __init__(self, message: str, *, delay: float | None = None) -> None:
        super().__init__(message)
        self.delay = delay


class PermanentDriverError(DriverError):
    """Retrying cannot help until the configuration or the device changes."""


class UnexpectedReplyError(PermanentDriverError):
    """The device answered something this driver cannot parse (a firmware it does not know)."""


class ApplyInterruptedError(TemporaryDriverError):
    """The connection failed during `apply`; `result` holds the changes the device confirmed.

    Changes in flight when it failed may or may not have been applied: only a re-observe
    tells.
    """

    def __init__(self, message: str, *, result: ApplyResult) -> None:
        super().__init__(message)
        self.result = result


class RejectedChange(DriverError):  # noqa: N818 - the name the reconciler programs against
    """One change the device refused with a trap; the rest of its batch was applied."""

    def __init__(self, change: Change, trap: Trap) -> None:
        super().__init__(f"{change.op} {change.path}: {trap}")
        self.change = change
        self.trap = trap


# First match wins, so subclasses come before their bases (SSLCertVerificationError is an
# SSLError is an OSError). A TLS failure other than verification (an EOF mid-handshake)
# is what a dropped connection looks like, so it is temporary.
_OS_ERRORS: Final[tuple[tuple[type[BaseException], type[DriverError], str], ...]] = (
    (ssl.SSLCertVerificationError, PermanentDriverError, "TLS certificate verification failed"),
    (TimeoutError, TemporaryDriverError, "timed out"),
    (ConnectionRefusedError, TemporaryDriverError, "connection refused"),
    (ConnectionResetError, TemporaryDriverError, "connection reset"),
    (ssl.SSLError, TemporaryDriverError, "TLS error"),
    (OSError, TemporaryDriverError, "network error"),
)


def from_os_error(exc: OSError | TimeoutError, where: str) -> DriverError:
    """The `DriverError` for a socket, TLS or timeout error met while doing `where`."""
    for kind, error, what in _OS_ERRORS:
        if isinstance(exc, kind):
            detail = _detail(exc)
            return error(f"{where}: {what}{': ' + detail if detail else ''}")
    return TemporaryDriverError(f"{where}: {exc!r}")


def _detail(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return str(exc.verify_message or exc.reason or "")
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return ""
