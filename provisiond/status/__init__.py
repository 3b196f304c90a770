"""The HTTP status endpoint (DESIGN.md §7): health, metrics and the `/api/v1` API."""

from provisiond.status.context import ApiContext, DeviceRow, Readiness
from provisiond.status.errors import ListenError, StatusError
from provisiond.status.server import StatusServer

__all__ = ["ApiContext", "DeviceRow", "ListenError", "Readiness", "StatusError", "StatusServer"]
