"""Attributes back to (name, value) text with pyrad's dictionary: the reverse of `attributes`.

The CoA relay records what a relayed CoA changed on a session, and the lab's NAS
simulator shows what it received, both as the text pairs the rest of provisiond speaks
(`[["Mikrotik-Rate-Limit", "1M/1M"], ...]`). Values are rendered so that
`attributes.encode_attributes` turns them back into the same octets: integers with a
VALUE name become the name, other integers and dates decimal text, octets `0x`-hex.

Not for the hot path: the server's `packet.parse` keeps raw octets and decodes on demand.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, cast

from pyrad import tools

from provisiond.radius.errors import MalformedPacket
from provisiond.radius.wire import VENDOR_SPECIFIC

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from pyrad.dictionary import Dictionary

Pair = tuple[str, str]

_VENDOR_HEADER: Final = struct.Struct("!LBB")  # vendor id, sub-type, sub-length (format 1,1)
_MIN_VENDOR_SIZE: Final = 4  # the vendor id alone
_HEADER_SIZE: Final = 2  # type and length, of an attribute and of a vendor sub-attribute


@dataclass(frozen=True, slots=True)
class _Definition:
    name: str
    datatype: str
    value_names: Mapping[bytes, str]  # encoded VALUE → its name


class AttributeDecoder:
    """Decodes attribute octets to text pairs; build one per dictionary, reuse it."""

    __slots__ = ("_definitions",)

    def __init__(self, dictionary: Dictionary) -> None:
        definitions: dict[int | tuple[int, int], _Definition] = {}
        for name, attribute in dictionary.attributes.items():
            if attribute.is_sub_attribute:  # TLV members: nothing provisiond sends or reads
                continue
            key: int | tuple[int, int] = int(attribute.code)
            if attribute.vendor:
                key = (int(dictionary.vendors.GetForward(attribute.vendor)), int(attribute.code))
            definitions[key] = _Definition(
                str(name), str(attribute.type), dict(attribute.values.backward)
            )
        self._definitions = definitions

    def pairs(self, attributes: bytes) -> tuple[Pair, ...]:
        """Every attribute of an encoded attribute area, in order.

        Vendor-Specific attributes are split into their sub-attributes (format 1,1); an
        attribute the dictionary does not know is named FreeRADIUS-style (`Attr-77`,
        `Vendor-14988-Attr-99`). A value that does not fit its type is kept as hex.
        Raises `MalformedPacket` when the framing is broken.
        """
        found: list[Pair] = []
        for kind, value in _attributes(attributes):
            if kind == VENDOR_SPECIFIC and len(value) > _MIN_VENDOR_SIZE:
                found.extend(self._vendor_pairs(value))
            else:
                found.append(self._pair(kind, value, f"Attr-{kind}"))
        return tuple(found)

    def _vendor_pairs(self, value: bytes) -> Iterator[Pair]:
        vendor = int.from_bytes(value[:4])
        pos = _MIN_VENDOR_SIZE
        while pos < len(value):
            if not _fits(value, pos):
                # Not format 1,1: keep the whole Vendor-Specific value raw.
                yield self._pair(VENDOR_SPECIFIC, value, "Vendor-Specific")
                return
            kind, end = value[pos], pos + value[pos + 1]
            yield self._pair(
                (vendor, kind), value[pos + _HEADER_SIZE : end], f"Vendor-{vendor}-Attr-{kind}"
            )
            pos = end

    def _pair(self, key: int | tuple[int, int], value: bytes, unknown: str) -> Pair:
        definition = self._definitions.get(key)
        if definition is None:
            return unknown, _hex(value)
        return definition.name, _text(definition, value)


def _fits(area: bytes, pos: int) -> bool:
    """Whether a whole attribute (header and value) starts at `pos` inside `area`."""
    return pos + _HEADER_SIZE <= len(area) and _HEADER_SIZE <= area[pos + 1] <= len(area) - pos


def _attributes(area: bytes) -> Iterator[tuple[int, bytes]]:
    pos = 0
    while pos < len(area):
        if not _fits(area, pos):
            raise MalformedPacket(f"attribute at offset {pos}: framing out of bounds")
        end = pos + area[pos + 1]
        yield area[pos], area[pos + _HEADER_SIZE : end]
        pos = end


def _text(definition: _Definition, value: bytes) -> str:
    named = definition.value_names.get(value)
    if named is not None:
        return named
    if definition.datatype == "octets":
        return _hex(value)
    try:
        decoded = tools.DecodeAttr(definition.datatype, value)
    except (ValueError, struct.error):
        return _hex(value)
    if isinstance(decoded, bytes):  # a string that is not UTF-8
        return _hex(decoded)
    return str(cast("object", decoded))


def _hex(value: bytes) -> str:
    return "0x" + value.hex()
