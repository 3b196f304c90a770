"""The reconcile package's one exception root, and the API answers its errors map to.

The status endpoint must not import this package (they are independent layers), so the
errors an admin can cause also derive from `model.errors`, which status already maps:
an unknown device is a 404, an approval that does not fit the device's state a 409.
"""

from __future__ import annotations

from provisiond.model.errors import ConflictError, NotFoundError


class ReconcileError(Exception):
    """Root of the reconciler's errors."""


class UnknownDeviceError(ReconcileError, NotFoundError):
    """No managed device (a `[[device]]` with a platform other than "none") has this name."""


class NotHeldError(ReconcileError, ConflictError):
    """An approval for a device whose plan is not held by the mass-removal rule."""


class PlanChangedError(ReconcileError, ConflictError):
    """An approval naming a plan_id that is not the current plan's: the plan moved on."""


class DeviceUnreachableError(ReconcileError, ConflictError):
    """A plan was asked of a device that cannot be reached (or refuses us) right now."""
