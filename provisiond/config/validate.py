"""Checks that span several tables: device names and the references to them, and NAS
devices that share a source address.

They run on built settings with the path each came from, so every issue still points at
the key and line that caused it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from provisiond.config.positions import KeyPath
    from provisiond.config.reader import Context, Located
    from provisiond.config.settings import CoaClient, DeviceSettings, NasSettings


def cross_check(
    context: Context,
    *,
    devices: Sequence[Located[DeviceSettings]],
    coa_clients: Sequence[Located[CoaClient]],
) -> None:
    _unique_names(context, devices)
    nas_names = {item.value.name for item in devices if item.value.nas is not None}
    names = {item.value.name for item in devices}
    for item in devices:
        path = (*item.path, "session_sources")
        _references(context, path, item.value.session_sources, names=names, nas_names=nas_names)
    for client in coa_clients:
        path = (*client.path, "nas")
        _references(context, path, client.value.nas, names=names, nas_names=nas_names)
    _shared_sources(context, devices)


def _unique_names(context: Context, devices: Sequence[Located[DeviceSettings]]) -> None:
    first: dict[str, KeyPath] = {}
    for item in devices:
        name = item.value.name
        if name in first:
            context.report(
                (*item.path, "name"), f"duplicate device {name!r} (also {_dotted(first[name])})"
            )
        first.setdefault(name, item.path)


def _references(
    context: Context,
    path: KeyPath,
    references: tuple[str, ...],
    *,
    names: set[str],
    nas_names: set[str],
) -> None:
    """Each element must name a device that is a NAS (only NAS devices have sessions)."""
    for index, name in enumerate(references):
        if name not in names:
            context.report((*path, str(index)), f"unknown device {name!r}")
        elif name not in nas_names:
            context.report((*path, str(index)), f"device {name!r} has no [device.nas]")


def _shared_sources(context: Context, devices: Sequence[Located[DeviceSettings]]) -> None:
    """NAS behind one source address (NAT) are told apart by `nas_identifier` alone."""
    nases = [(item, item.value.nas) for item in devices if item.value.nas is not None]
    for position, (item, nas) in enumerate(nases):
        path = (*item.path, "nas", "nas_identifier")
        for other_position, (other_item, other) in enumerate(nases):
            if other_position == position or not _overlap(nas, other):
                continue
            other_name = other_item.value.name
            if not nas.nas_identifier:
                context.report(path, f"required: device {other_name!r} shares its source address")
                break
            if nas.nas_identifier == other.nas_identifier and other_position < position:
                context.report(
                    path,
                    f"{nas.nas_identifier!r} is also the nas_identifier of device"
                    f" {other_name!r}, which shares its source address",
                )
                break


def _overlap(nas: NasSettings, other: NasSettings) -> bool:
    return any(
        mine.version == theirs.version and mine.overlaps(theirs)
        for mine in nas.address
        for theirs in other.address
    )


def _dotted(path: KeyPath) -> str:
    return ".".join(path)
