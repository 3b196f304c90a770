"""Encode (name, value) reply pairs to attribute bytes with pyrad's dictionary, once.

The policy engine hands over a user's reply as text pairs (`policy.replies.Attributes`);
they are encoded here when the user's state changes, and the bytes are reused for every
Access-Accept (docs/radius-codec.md). pyrad's value encoders do the per-type work, so
names, VALUE names and types mean exactly what they mean to pyrad; this module adds the
framing (standard or Vendor-Specific) and turns every failure into `EncodingError`
naming the attribute, for the configuration error that it is.
"""

from __future__ import annotations

import binascii
import struct
from typing import TYPE_CHECKING, Final, cast

from pyrad import tools

from provisiond.radius.dictionary import lookup
from provisiond.radius.errors import EncodingError
from provisiond.radius.wire import encode_attribute, encode_vendor_attribute

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pyrad.dictionary import Dictionary

    from provisiond.radius.dictionary import AttributeDefinition

_INTEGER_TYPES: Final = frozenset({"integer", "signed", "short", "byte", "integer64", "date"})
_HEX_PREFIX: Final = "0x"


def encode_attributes(dictionary: Dictionary, pairs: Sequence[tuple[str, str | int]]) -> bytes:
    """The attributes for `pairs`, in order, ready to be placed in a packet."""
    return b"".join(encode_pair(dictionary, name, value) for name, value in pairs)


def encode_pair(dictionary: Dictionary, name: str, value: str | int) -> bytes:
    """One attribute: a standard one, or a Vendor-Specific holding a vendor attribute."""
    definition = lookup(dictionary, name)
    if definition is None:
        raise EncodingError(f"{name}: not in the RADIUS dictionary")
    _check_encodable(definition)
    encoded = encode_value(definition, value)
    try:
        if definition.vendor:
            return encode_vendor_attribute(definition.vendor, definition.code, encoded)
        return encode_attribute(definition.code, encoded)
    except EncodingError as exc:
        raise EncodingError(f"{name}: {exc}") from exc


def _check_encodable(definition: AttributeDefinition) -> None:
    if definition.encrypt:
        # User-Password and salt-encrypted values depend on each request's authenticator.
        raise EncodingError(f"{definition.name}: encrypted per request, not cacheable")
    if definition.has_tag or definition.sub_attribute or definition.datatype == "tlv":
        raise EncodingError(f"{definition.name}: tagged and TLV attributes are not supported")


def encode_value(definition: AttributeDefinition, value: str | int) -> bytes:
    """The value octets: a VALUE name's encoding, else pyrad's encoder for the type."""
    if isinstance(value, str) and value in definition.values:
        return definition.values[value]
    try:
        return _encode(definition.datatype, value)
    except (ValueError, TypeError, struct.error, binascii.Error) as exc:
        raise EncodingError(
            f"{definition.name}: cannot encode {value!r} as {definition.datatype}: {exc}"
        ) from exc


def _encode(datatype: str, value: str | int) -> bytes:
    if datatype in _INTEGER_TYPES:
        return cast("bytes", tools.EncodeAttr(datatype, _as_integer(value)))
    if datatype == "octets":
        return _as_octets(value)
    return cast("bytes", tools.EncodeAttr(datatype, value))


def _as_integer(value: str | int) -> int:
    """Reply values arrive as text; a decimal string is the number (VALUE names are done)."""
    if isinstance(value, bool):  # bool is an int subclass; True is no attribute value
        raise TypeError("a boolean is not an integer attribute value")
    return value if isinstance(value, int) else int(value, 10)


def _as_octets(value: str | int) -> bytes:
    """`0x`-prefixed hex, else the text's UTF-8; pyrad's own rule reads "65" as one octet."""
    if not isinstance(value, str):
        raise TypeError("an octets value is text or 0x-prefixed hex")
    if value.startswith(_HEX_PREFIX):
        return bytes.fromhex(value[len(_HEX_PREFIX) :])
    return value.encode()
