from __future__ import annotations

import importlib.resources
import logging
from typing import TYPE_CHECKING

import pytest

from provisiond.radius import wire
from provisiond.radius.dictionary import (
    DICTIONARY_FILES,
    USED_ATTRIBUTES,
    UsedAttribute,
    load_dictionary,
    lookup,
)

if TYPE_CHECKING:
    from pyrad.dictionary import Dictionary

# RFC 5176 §3.6, word for word, hyphenated, without the parentheses.
ERROR_CAUSES = {
    "Residual-Session-Context-Removed": 201,
    "Invalid-EAP-Packet-Ignored": 202,
    "Unsupported-Attribute": 401,
    "Missing-Attribute": 402,
    "NAS-Identification-Mismatch": 403,
    "Invalid-Request": 404,
    "Unsupported-Service": 405,
    "Unsupported-Extension": 406,
    "Invalid-Attribute-Value": 407,
    "Administratively-Prohibited": 501,
    "Request-Not-Routable-Proxy": 502,
    "Session-Context-Not-Found": 503,
    "Session-Context-Not-Removable": 504,
    "Other-Proxy-Processing-Error": 505,
    "Resources-Unavailable": 506,
    "Request-Initiated": 507,
    "Multiple-Session-Selection-Unsupported": 508,
}


def test_loading_skips_nothing_and_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="pyrad"):
        dictionary = load_dictionary()
    assert dictionary.skipped_attributes == set()
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("pyrad")]


@pytest.mark.parametrize("used", USED_ATTRIBUTES, ids=lambda used: used.name)
def test_every_used_attribute_is_defined_with_its_type(
    dictionary: Dictionary, used: UsedAttribute
) -> None:
    definition = lookup(dictionary, used.name)
    assert definition is not None
    assert (definition.vendor, definition.code, definition.datatype) == (
        used.vendor,
        used.code,
        used.datatype,
    )


def test_used_attributes_are_listed_once() -> None:
    names = [used.name for used in USED_ATTRIBUTES]
    assert len(names) == len(set(names))


def test_every_shipped_file_is_loaded() -> None:
    package = importlib.resources.files("provisiond.radius.dictionaries")
    shipped = {entry.name for entry in package.iterdir() if entry.name.startswith("dictionary.")}
    assert shipped == set(DICTIONARY_FILES)


def test_error_cause_names_follow_rfc_5176(dictionary: Dictionary) -> None:
    definition = lookup(dictionary, "Error-Cause")
    assert definition is not None
    decoded = {name: int.from_bytes(value) for name, value in definition.values.items()}
    assert decoded == ERROR_CAUSES
    assert {cause.value for cause in wire.ErrorCause} == set(ERROR_CAUSES.values())
    for name, value in ERROR_CAUSES.items():
        assert wire.ErrorCause(value).name == name.upper().replace("-", "_")


@pytest.mark.parametrize(
    ("constant", "name"),
    [
        (wire.USER_NAME, "User-Name"),
        (wire.USER_PASSWORD, "User-Password"),
        (wire.CHAP_PASSWORD, "CHAP-Password"),
        (wire.NAS_IP_ADDRESS, "NAS-IP-Address"),
        (wire.NAS_PORT, "NAS-Port"),
        (wire.SERVICE_TYPE, "Service-Type"),
        (wire.FRAMED_IP_ADDRESS, "Framed-IP-Address"),
        (wire.FILTER_ID, "Filter-Id"),
        (wire.REPLY_MESSAGE, "Reply-Message"),
        (wire.CLASS, "Class"),
        (wire.VENDOR_SPECIFIC, "Vendor-Specific"),
        (wire.SESSION_TIMEOUT, "Session-Timeout"),
        (wire.IDLE_TIMEOUT, "Idle-Timeout"),
        (wire.CALLED_STATION_ID, "Called-Station-Id"),
        (wire.CALLING_STATION_ID, "Calling-Station-Id"),
        (wire.NAS_IDENTIFIER, "NAS-Identifier"),
        (wire.PROXY_STATE, "Proxy-State"),
        (wire.ACCT_STATUS_TYPE, "Acct-Status-Type"),
        (wire.ACCT_DELAY_TIME, "Acct-Delay-Time"),
        (wire.ACCT_INPUT_OCTETS, "Acct-Input-Octets"),
        (wire.ACCT_OUTPUT_OCTETS, "Acct-Output-Octets"),
        (wire.ACCT_SESSION_ID, "Acct-Session-Id"),
        (wire.ACCT_SESSION_TIME, "Acct-Session-Time"),
        (wire.ACCT_TERMINATE_CAUSE, "Acct-Terminate-Cause"),
        (wire.ACCT_INPUT_GIGAWORDS, "Acct-Input-Gigawords"),
        (wire.ACCT_OUTPUT_GIGAWORDS, "Acct-Output-Gigawords"),
        (wire.EVENT_TIMESTAMP, "Event-Timestamp"),
        (wire.CHAP_CHALLENGE, "CHAP-Challenge"),
        (wire.MESSAGE_AUTHENTICATOR, "Message-Authenticator"),
        (wire.ACCT_INTERIM_INTERVAL, "Acct-Interim-Interval"),
        (wire.NAS_PORT_ID, "NAS-Port-Id"),
        (wire.FRAMED_IPV6_PREFIX, "Framed-IPv6-Prefix"),
        (wire.ERROR_CAUSE, "Error-Cause"),
        (wire.DELEGATED_IPV6_PREFIX, "Delegated-IPv6-Prefix"),
        (wire.MS_CHAP_ERROR, "MS-CHAP-Error"),
        (wire.MS_MPPE_ENCRYPTION_POLICY, "MS-MPPE-Encryption-Policy"),
        (wire.MS_MPPE_ENCRYPTION_TYPES, "MS-MPPE-Encryption-Types"),
        (wire.MS_CHAP_CHALLENGE, "MS-CHAP-Challenge"),
        (wire.MS_MPPE_SEND_KEY, "MS-MPPE-Send-Key"),
        (wire.MS_MPPE_RECV_KEY, "MS-MPPE-Recv-Key"),
        (wire.MS_CHAP2_RESPONSE, "MS-CHAP2-Response"),
        (wire.MS_CHAP2_SUCCESS, "MS-CHAP2-Success"),
        (wire.MIKROTIK_RATE_LIMIT, "Mikrotik-Rate-Limit"),
    ],
)
def test_wire_constants_match_the_dictionary(
    dictionary: Dictionary, constant: int, name: str
) -> None:
    definition = lookup(dictionary, name)
    assert definition is not None
    assert definition.code == constant


def test_vendors_use_their_ids(dictionary: Dictionary) -> None:
    assert dictionary.vendors.GetForward("Microsoft") == wire.VENDOR_MICROSOFT
    assert dictionary.vendors.GetForward("Mikrotik") == wire.VENDOR_MIKROTIK


def test_mikrotik_attributes_are_numbered_and_spelled_as_the_manual(
    dictionary: Dictionary,
) -> None:
    option = lookup(dictionary, "Mikrotik-DHCP-Option-Param-STR2")
    assert option is not None
    assert (option.vendor, option.code) == (wire.VENDOR_MIKROTIK, 25)
    assert lookup(dictionary, "Mikortik-DHCP-Option-ParamSTR2") is None
    codes = sorted(
        definition.code
        for name in dictionary.attributes
        if (definition := lookup(dictionary, name)) and definition.vendor == wire.VENDOR_MIKROTIK
    )
    assert codes == list(range(1, 31))


def test_mppe_keys_are_salt_encrypted(dictionary: Dictionary) -> None:
    for name in ("MS-MPPE-Send-Key", "MS-MPPE-Recv-Key"):
        definition = lookup(dictionary, name)
        assert definition is not None
        assert definition.encrypt == 2


def test_lookup_of_an_unknown_name_is_none(dictionary: Dictionary) -> None:
    assert lookup(dictionary, "No-Such-Attribute") is None
