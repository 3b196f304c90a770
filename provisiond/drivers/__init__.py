"""The only code that talks to devices: RouterOS over the API and over SSH."""

from provisiond.drivers.base import Capabilities, Driver, connected
from provisiond.drivers.errors import (
    ApplyInterruptedError,
    DriverError,
    PermanentDriverError,
    RejectedChange,
    TemporaryDriverError,
    Trap,
    UnexpectedReplyError,
)
from provisiond.drivers.outcomes import ApplyResult, ChangeOutcome, OutcomeKind
from provisiond.drivers.registry import PLATFORMS, create
from provisiond.drivers.routeros_api import RouterOSApiDriver
from provisiond.drivers.routeros_ssh import RouterOSSshDriver

__all__ = [
    "PLATFORMS",
    "ApplyInterruptedError",
    "ApplyResult",
    "Capabilities",
    "ChangeOutcome",
    "Driver",
    "DriverError",
    "OutcomeKind",
    "PermanentDriverError",
    "RejectedChange",
    "RouterOSApiDriver",
    "RouterOSSshDriver",
    "TemporaryDriverError",
    "Trap",
    "UnexpectedReplyError",
    "connected",
    "create",
]
