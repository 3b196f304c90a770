"""Which driver serves which `platform`: a plain registry dict and a factory (STYLE.md §5.4)."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from provisiond.drivers.errors import PermanentDriverError
from provisiond.drivers.routeros_api import RouterOSApiDriver
from provisiond.drivers.routeros_ssh import RouterOSSshDriver

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from provisiond.config import DeviceSettings
    from provisiond.drivers.base import Driver

    DriverFactory = Callable[[DeviceSettings], Driver]

PLATFORMS: Final[Mapping[str, DriverFactory]] = MappingProxyType(
    {"routeros": RouterOSApiDriver, "routeros-ssh": RouterOSSshDriver}
)


def create(settings: DeviceSettings) -> Driver:
    """The driver of a `[[device]]`; not connected yet."""
    factory = PLATFORMS.get(settings.platform.value)
    if factory is None:
        raise PermanentDriverError(
            f"device {settings.name}: platform {settings.platform.value!r} has no driver"
        )
    return factory(settings)
