"""Per-device serialized workers, coalescing inboxes, periodic resync, backoff (tenacity)."""

from provisiond.reconcile.errors import (
    DeviceUnreachableError,
    NotHeldError,
    PlanChangedError,
    ReconcileError,
    UnknownDeviceError,
)
from provisiond.reconcile.manager import Reconciler
from provisiond.reconcile.state import DeviceEvent, DeviceState, DeviceStatus
from provisiond.reconcile.timing import DEFAULT_TIMING, Timing

__all__ = [
    "DEFAULT_TIMING",
    "DeviceEvent",
    "DeviceState",
    "DeviceStatus",
    "DeviceUnreachableError",
    "NotHeldError",
    "PlanChangedError",
    "ReconcileError",
    "Reconciler",
    "Timing",
    "UnknownDeviceError",
]
