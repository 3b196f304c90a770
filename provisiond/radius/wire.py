"""RADIUS wire constants (RFC 2865, 2866, 2869, 3162, 4818, 5176, 2548) and raw attribute encoders.

Attribute types are plain `int` constants rather than an enum: the packet walk compares
them in its inner loop, where an enum member lookup per attribute is measurable.
"""

from __future__ import annotations

import struct
from enum import IntEnum
from typing import Final

from provisiond.radius.errors import EncodingError


class Code(IntEnum):
    """Packet codes (RFC 2865 §3, RFC 2866 §3, RFC 5997, RFC 5176 §3)."""

    ACCESS_REQUEST = 1
    ACCESS_ACCEPT = 2
    ACCESS_REJECT = 3
    ACCOUNTING_REQUEST = 4
    ACCOUNTING_RESPONSE = 5
    ACCESS_CHALLENGE = 11
    STATUS_SERVER = 12
    STATUS_CLIENT = 13
    DISCONNECT_REQUEST = 40
    DISCONNECT_ACK = 41
    DISCONNECT_NAK = 42
    COA_REQUEST = 43
    COA_ACK = 44
    COA_NAK = 45


class ErrorCause(IntEnum):
    """Error-Cause values (RFC 5176 §3.6), as named in the shipped dictionary."""

    RESIDUAL_SESSION_CONTEXT_REMOVED = 201
    INVALID_EAP_PACKET_IGNORED = 202
    UNSUPPORTED_ATTRIBUTE = 401
    MISSING_ATTRIBUTE = 402
    NAS_IDENTIFICATION_MISMATCH = 403
    INVALID_REQUEST = 404
    UNSUPPORTED_SERVICE = 405
    UNSUPPORTED_EXTENSION = 406
    INVALID_ATTRIBUTE_VALUE = 407
    ADMINISTRATIVELY_PROHIBITED = 501
    REQUEST_NOT_ROUTABLE_PROXY = 502
    SESSION_CONTEXT_NOT_FOUND = 503
    SESSION_CONTEXT_NOT_REMOVABLE = 504
    OTHER_PROXY_PROCESSING_ERROR = 505
    RESOURCES_UNAVAILABLE = 506
    REQUEST_INITIATED = 507
    MULTIPLE_SESSION_SELECTION_UNSUPPORTED = 508


class AcctStatusType(IntEnum):
    """Acct-Status-Type values (RFC 2866 §5.1)."""

    START = 1
    STOP = 2
    INTERIM_UPDATE = 3
    ACCOUNTING_ON = 7
    ACCOUNTING_OFF = 8


# Sizes (RFC 2865 §3: 20..4096 octets; §5: an attribute's Length octet covers its header).
HEADER_SIZE: Final = 20
MAX_PACKET_SIZE: Final = 4096
AUTHENTICATOR_SIZE: Final = 16
MAX_VALUE_SIZE: Final = 253
MAX_VENDOR_VALUE_SIZE: Final = 247  # 253 minus the 4-octet vendor id and 2-octet sub-header
ZERO_AUTHENTICATOR: Final = bytes(AUTHENTICATOR_SIZE)

# Standard attribute types.
USER_NAME: Final = 1
USER_PASSWORD: Final = 2
CHAP_PASSWORD: Final = 3
NAS_IP_ADDRESS: Final = 4
NAS_PORT: Final = 5
SERVICE_TYPE: Final = 6
FRAMED_IP_ADDRESS: Final = 8
FILTER_ID: Final = 11
REPLY_MESSAGE: Final = 18
CLASS: Final = 25
VENDOR_SPECIFIC: Final = 26
SESSION_TIMEOUT: Final = 27
IDLE_TIMEOUT: Final = 28
CALLED_STATION_ID: Final = 30
CALLING_STATION_ID: Final = 31
NAS_IDENTIFIER: Final = 32
PROXY_STATE: Final = 33
ACCT_STATUS_TYPE: Final = 40
ACCT_DELAY_TIME: Final = 41
ACCT_INPUT_OCTETS: Final = 42
ACCT_OUTPUT_OCTETS: Final = 43
ACCT_SESSION_ID: Final = 44
ACCT_SESSION_TIME: Final = 46
ACCT_TERMINATE_CAUSE: Final = 49
ACCT_INPUT_GIGAWORDS: Final = 52
ACCT_OUTPUT_GIGAWORDS: Final = 53
EVENT_TIMESTAMP: Final = 55
CHAP_CHALLENGE: Final = 60
MESSAGE_AUTHENTICATOR: Final = 80
ACCT_INTERIM_INTERVAL: Final = 85
NAS_PORT_ID: Final = 87
FRAMED_IPV6_PREFIX: Final = 97
ERROR_CAUSE: Final = 101
DELEGATED_IPV6_PREFIX: Final = 123

# Vendors and their attribute types (RFC 2548 for Microsoft; MikroTik's RADIUS manual).
VENDOR_MICROSOFT: Final = 311
VENDOR_MIKROTIK: Final = 14988
MS_CHAP_ERROR: Final = 2
MS_MPPE_ENCRYPTION_POLICY: Final = 7
MS_MPPE_ENCRYPTION_TYPES: Final = 8
MS_CHAP_CHALLENGE: Final = 11
MS_MPPE_SEND_KEY: Final = 16
MS_MPPE_RECV_KEY: Final = 17
MS_CHAP2_RESPONSE: Final = 25
MS_CHAP2_SUCCESS: Final = 26
MIKROTIK_RATE_LIMIT: Final = 8

_VSA_HEADER = struct.Struct("!BBLBB")


def vendor_key(vendor: int, kind: int) -> int:
    """One int for a vendor attribute, so vendor and standard attributes share a mapping.

    Standard types stay below 256; a vendor attribute sorts above every standard one.
    """
    return (vendor << 8) | kind


def encode_attribute(kind: int, value: bytes) -> bytes:
    """One standard attribute: type, length, value (RFC 2865 §5)."""
    if len(value) > MAX_VALUE_SIZE:
        raise EncodingError(f"attribute {kind}: {len(value)} octets, at most 253 fit")
    return bytes((kind, len(value) + 2)) + value


def encode_vendor_attribute(vendor: int, kind: int, value: bytes) -> bytes:
    """One Vendor-Specific attribute holding one sub-attribute (RFC 2865 §5.26, format 1,1)."""
    if len(value) > MAX_VENDOR_VALUE_SIZE:
        raise EncodingError(
            f"vendor {vendor} attribute {kind}: {len(value)} octets, at most 247 fit"
        )
    size = len(value)
    return _VSA_HEADER.pack(VENDOR_SPECIFIC, size + 8, vendor, kind, size + 2) + value
