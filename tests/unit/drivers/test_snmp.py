"""The SNMP poller's pure parts: targets from settings, and pysnmp results as DriverErrors.

The requests themselves are tested against snmpsim in tests/integration/snmp.
"""

from __future__ import annotations

import dataclasses

import pytest
from pysnmp.error import PySnmpError
from pysnmp.proto import errind, rfc1902, rfc1905

from provisiond.config.settings import DeviceSettings, Platform, SnmpSettings, SnmpVersion
from provisiond.drivers import snmp
from provisiond.drivers.errors import (
    PermanentDriverError,
    TemporaryDriverError,
    UnexpectedReplyError,
)
from provisiond.drivers.snmp import (
    DEFAULT_RETRIES,
    MIKROTIK_SIMPLE_QUEUES,
    SnmpPoller,
    SnmpTarget,
)
from provisiond.model.secret import Secret

WHERE = "SNMP test of r1"
TARGET = SnmpTarget(
    name="r1",
    host="192.0.2.1",
    port=161,
    version=SnmpVersion.V2C,
    community=Secret("s3cret-community"),
    timeout=3.0,
)


def test_target_from_device_takes_host_and_timeout_from_the_device() -> None:
    device = DeviceSettings(
        name="r1",
        platform=Platform.ROUTEROS,
        host="192.0.2.1",
        timeout=4.5,
        snmp=SnmpSettings(community=Secret("c"), port=1161, version=SnmpVersion.V1),
    )

    target = SnmpTarget.from_device(device)

    assert (target.name, target.host, target.port, target.timeout) == ("r1", "192.0.2.1", 1161, 4.5)
    assert target.version is SnmpVersion.V1
    assert target.community.reveal() == "c"
    assert target.retries == DEFAULT_RETRIES


def test_target_needs_snmp_settings() -> None:
    device = DeviceSettings(name="r1", platform=Platform.ROUTEROS, host="192.0.2.1")
    with pytest.raises(ValueError, match=r"no \[device.snmp\]"):
        SnmpTarget.from_device(device)


def test_target_repr_hides_the_community() -> None:
    assert "s3cret-community" not in repr(TARGET)


def test_mikrotik_columns_are_mtxr_queue_simple_name_bytes_out_and_in() -> None:
    entry = "1.3.6.1.4.1.14988.1.1.2.1.1"
    assert MIKROTIK_SIMPLE_QUEUES.name == f"{entry}.2"
    assert MIKROTIK_SIMPLE_QUEUES.download == f"{entry}.9"
    assert MIKROTIK_SIMPLE_QUEUES.upload == f"{entry}.8"


@pytest.mark.parametrize(("retries", "timeout"), [(-1, 1.0), (6, 1.0), (2, 0.0)])
def test_target_bounds_its_retries_and_timeout(retries: int, timeout: float) -> None:
    with pytest.raises(ValueError, match="must be"):
        dataclasses.replace(TARGET, retries=retries, timeout=timeout)


def test_poller_needs_at_least_one_row_per_bulk_request() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        SnmpPoller(max_repetitions=0)


@pytest.mark.parametrize(
    ("indication", "status", "error", "message"),
    [
        (errind.requestTimedOut, 0, TemporaryDriverError, "no answer within 3 s"),
        (errind.oidNotIncreasing, 0, UnexpectedReplyError, "did not increase"),
        (errind.parseError, 0, TemporaryDriverError, "deserialization"),
        (None, rfc1905.errorStatus.clone(5), TemporaryDriverError, "genErr"),
        (None, rfc1905.errorStatus.clone(1), TemporaryDriverError, "tooBig"),
        (None, rfc1905.errorStatus.clone(2), PermanentDriverError, "noSuchName"),
        (None, 16, PermanentDriverError, "authorizationError"),
    ],
)
def test_engine_and_pdu_errors_become_driver_errors(
    indication: object, status: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message) as raised:
        snmp._raise_for(WHERE, TARGET, indication, status)
    assert str(raised.value).startswith(WHERE)
    assert "s3cret-community" not in str(raised.value)


def test_no_error_raises_nothing() -> None:
    snmp._raise_for(WHERE, TARGET, None, 0)
    snmp._raise_for(WHERE, TARGET, None, rfc1905.errorStatus.clone(0))


@pytest.mark.parametrize(
    ("raised", "error"),
    [
        (PySnmpError("Bad IPv4/UDP transport address r1@161"), TemporaryDriverError),
        (ConnectionRefusedError(111, "Connection refused"), TemporaryDriverError),
    ],
)
def test_library_exceptions_are_translated_with_their_cause(
    raised: Exception, error: type[Exception]
) -> None:
    with pytest.raises(error, match=WHERE) as caught, snmp._translated(WHERE):
        raise raised
    assert caught.value.__cause__ is raised


def test_row_index_is_the_one_sub_identifier_after_the_column() -> None:
    prefix = (1, 3, 6, 1, 4, 1, 14988, 1, 1, 2, 1, 1, 2)
    assert snmp._row_index(prefix, rfc1902.ObjectName((*prefix, 42)), WHERE) == 42
    with pytest.raises(UnexpectedReplyError, match="is not a row"):
        snmp._row_index(prefix, rfc1902.ObjectName((*prefix, 42, 1)), WHERE)
    with pytest.raises(UnexpectedReplyError, match="is not a row"):
        snmp._row_index(prefix, rfc1902.ObjectName((1, 3, 6, 1, 2, 1, 1, 3, 0)), WHERE)


def test_numbers_are_checked_for_type_and_range() -> None:
    assert snmp._as_int(rfc1902.Counter64(2**64 - 1), WHERE, 2**64) == 2**64 - 1
    assert snmp._as_int(rfc1902.TimeTicks(4200), WHERE, 2**32) == 4200
    with pytest.raises(UnexpectedReplyError, match="expected a number, got NoSuchObject"):
        snmp._as_int(rfc1905.noSuchObject, WHERE, 2**32)
    with pytest.raises(UnexpectedReplyError, match="out of range"):
        snmp._as_int(rfc1902.Integer32(-1), WHERE, 2**32)


def test_names_decode_as_utf8_and_keep_other_bytes_visible() -> None:
    assert snmp._as_text(rfc1902.OctetString(b"provisiond-1001"), WHERE) == "provisiond-1001"
    assert snmp._as_text(rfc1902.OctetString(b"caf\xe9"), WHERE) == "caf\\xe9"
    with pytest.raises(UnexpectedReplyError, match="expected a name"):
        snmp._as_text(rfc1902.Counter64(1), WHERE)


@pytest.mark.parametrize(
    ("host", "ipv6"),
    [("192.0.2.1", False), ("2001:db8::1", True), ("::1", True), ("router.example", False)],
)
def test_ipv6_literals_use_the_ipv6_transport(host: str, *, ipv6: bool) -> None:
    assert snmp._is_ipv6(host) is ipv6
