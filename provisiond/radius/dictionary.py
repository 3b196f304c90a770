"""The RADIUS dictionary shipped with provisiond, loaded into pyrad's `Dictionary`.

pyrad stays the authority on attribute names, types and VALUE names (the per-user reply
bytes are encoded with it); the files are FreeRADIUS-format, written for what pyrad 2.6
parses: it skips `uint32`, `vsa` and other FreeRADIUS v4 types with only a log line, and
a skipped attribute would turn a configured reply into a KeyError at run time. The test
suite checks that nothing is skipped and that `USED_ATTRIBUTES` all resolve.
"""

from __future__ import annotations

import importlib.resources
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, NamedTuple

from pyrad.dictionary import Dictionary

from provisiond.radius.wire import VENDOR_MICROSOFT, VENDOR_MIKROTIK

if TYPE_CHECKING:
    from collections.abc import Mapping

_PACKAGE: Final = "provisiond.radius.dictionaries"

# Read in this order: a VALUE may name an attribute of an earlier file.
DICTIONARY_FILES: Final = (
    "dictionary.rfc2865",
    "dictionary.rfc2866",
    "dictionary.rfc2869",
    "dictionary.rfc3162",
    "dictionary.rfc4818",
    "dictionary.rfc5176",
    "dictionary.rfc6911",
    "dictionary.microsoft",
    "dictionary.mikrotik",
)


class UsedAttribute(NamedTuple):
    """An attribute provisiond reads or sends, as the dictionary must define it."""

    name: str
    vendor: int  # 0 for a standard attribute
    code: int
    datatype: str


_MS: Final = VENDOR_MICROSOFT
_MT: Final = VENDOR_MIKROTIK

USED_ATTRIBUTES: Final[tuple[UsedAttribute, ...]] = (
    # Requests: authentication.
    UsedAttribute("User-Name", 0, 1, "string"),
    UsedAttribute("User-Password", 0, 2, "string"),
    UsedAttribute("CHAP-Password", 0, 3, "octets"),
    UsedAttribute("NAS-IP-Address", 0, 4, "ipaddr"),
    UsedAttribute("NAS-Port", 0, 5, "integer"),
    UsedAttribute("Service-Type", 0, 6, "integer"),
    UsedAttribute("Vendor-Specific", 0, 26, "octets"),
    UsedAttribute("Called-Station-Id", 0, 30, "string"),
    UsedAttribute("Calling-Station-Id", 0, 31, "string"),
    UsedAttribute("NAS-Identifier", 0, 32, "string"),
    UsedAttribute("Proxy-State", 0, 33, "octets"),
    UsedAttribute("CHAP-Challenge", 0, 60, "octets"),
    UsedAttribute("Message-Authenticator", 0, 80, "octets"),
    UsedAttribute("NAS-Port-Id", 0, 87, "string"),
    UsedAttribute("MS-CHAP-Challenge", _MS, 11, "octets"),
    UsedAttribute("MS-CHAP2-Response", _MS, 25, "octets"),
    # Requests: accounting.
    UsedAttribute("Acct-Status-Type", 0, 40, "integer"),
    UsedAttribute("Acct-Delay-Time", 0, 41, "integer"),
    UsedAttribute("Acct-Input-Octets", 0, 42, "integer"),
    UsedAttribute("Acct-Output-Octets", 0, 43, "integer"),
    UsedAttribute("Acct-Session-Id", 0, 44, "string"),
    UsedAttribute("Acct-Session-Time", 0, 46, "integer"),
    UsedAttribute("Acct-Terminate-Cause", 0, 49, "integer"),
    UsedAttribute("Acct-Input-Gigawords", 0, 52, "integer"),
    UsedAttribute("Acct-Output-Gigawords", 0, 53, "integer"),
    UsedAttribute("Event-Timestamp", 0, 55, "date"),
    # Replies, CoA and session addresses.
    UsedAttribute("Framed-IP-Address", 0, 8, "ipaddr"),
    UsedAttribute("Filter-Id", 0, 11, "string"),
    UsedAttribute("Reply-Message", 0, 18, "string"),
    UsedAttribute("Framed-Route", 0, 22, "string"),
    UsedAttribute("Class", 0, 25, "octets"),
    UsedAttribute("Session-Timeout", 0, 27, "integer"),
    UsedAttribute("Idle-Timeout", 0, 28, "integer"),
    UsedAttribute("Port-Limit", 0, 62, "integer"),
    UsedAttribute("Acct-Interim-Interval", 0, 85, "integer"),
    UsedAttribute("Framed-Pool", 0, 88, "string"),
    UsedAttribute("Framed-IPv6-Prefix", 0, 97, "ipv6prefix"),
    UsedAttribute("Framed-IPv6-Pool", 0, 100, "string"),
    UsedAttribute("Error-Cause", 0, 101, "integer"),
    UsedAttribute("Delegated-IPv6-Prefix", 0, 123, "ipv6prefix"),
    UsedAttribute("Delegated-IPv6-Prefix-Pool", 0, 171, "string"),
    UsedAttribute("MS-CHAP-Error", _MS, 2, "string"),
    UsedAttribute("MS-MPPE-Encryption-Policy", _MS, 7, "integer"),
    UsedAttribute("MS-MPPE-Encryption-Types", _MS, 8, "integer"),
    UsedAttribute("MS-MPPE-Send-Key", _MS, 16, "octets"),
    UsedAttribute("MS-MPPE-Recv-Key", _MS, 17, "octets"),
    UsedAttribute("MS-CHAP2-Success", _MS, 26, "octets"),
    UsedAttribute("Mikrotik-Recv-Limit", _MT, 1, "integer"),
    UsedAttribute("Mikrotik-Xmit-Limit", _MT, 2, "integer"),
    UsedAttribute("Mikrotik-Group", _MT, 3, "string"),
    UsedAttribute("Mikrotik-Rate-Limit", _MT, 8, "string"),
    UsedAttribute("Mikrotik-Mark-Id", _MT, 11, "string"),
    UsedAttribute("Mikrotik-Advertise-URL", _MT, 12, "string"),
    UsedAttribute("Mikrotik-Advertise-Interval", _MT, 13, "integer"),
    UsedAttribute("Mikrotik-Recv-Limit-Gigawords", _MT, 14, "integer"),
    UsedAttribute("Mikrotik-Xmit-Limit-Gigawords", _MT, 15, "integer"),
    UsedAttribute("Mikrotik-Address-List", _MT, 19, "string"),
    UsedAttribute("Mikrotik-Delegated-IPv6-Pool", _MT, 22, "string"),
)


@dataclass(frozen=True, slots=True)
class AttributeDefinition:
    """A typed copy of what pyrad's dictionary says about one attribute."""

    name: str
    vendor: int  # vendor id, 0 for a standard attribute
    code: int
    datatype: str
    encrypt: int  # pyrad's encrypt= flag: 0 none, 1 User-Password, 2 salt
    has_tag: bool
    sub_attribute: bool  # inside a TLV; the codec does not encode these
    values: Mapping[str, bytes]  # VALUE names and their encoded form


def load_dictionary() -> Dictionary:
    """A fresh pyrad `Dictionary` of the shipped files; load it once at start-up."""
    dictionary = Dictionary()
    package = importlib.resources.files(_PACKAGE)
    for name in DICTIONARY_FILES:
        text = package.joinpath(name).read_text(encoding="utf-8")
        dictionary.ReadDictionary(io.StringIO(text))
    return dictionary


def lookup(dictionary: Dictionary, name: str) -> AttributeDefinition | None:
    """The definition of `name`, or None when the dictionary does not define it."""
    if name not in dictionary.attributes:
        return None
    attribute = dictionary.attributes[name]
    return AttributeDefinition(
        name=str(attribute.name),
        vendor=int(dictionary.vendors.GetForward(attribute.vendor)) if attribute.vendor else 0,
        code=int(attribute.code),
        datatype=str(attribute.type),
        encrypt=int(attribute.encrypt),
        has_tag=bool(attribute.has_tag),
        sub_attribute=bool(attribute.is_sub_attribute),
        values=dict(attribute.values.forward),
    )
