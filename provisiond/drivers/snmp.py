"""SNMP polling: sysUpTime for reboot detection, simple-queue byte counters for usage.

One `SnmpPoller` serves every device of the daemon with one pysnmp `SnmpEngine`: an
engine builds a MIB tree and a dispatcher (about 2 MiB and 50 ms each), and engines
created per poll have leaked memory in production (reference/protocols.md §6.1). The
engine is bound to the event loop that first uses it, and `close()` stops its dispatcher
task.

Requests use numeric OIDs with `lookupMib=False`, so no MIB is ever compiled or loaded,
and every walk passes `lexicographicMode=False`, so it stops at the end of its column
instead of walking the agent's whole tree. pysnmp's results and exceptions are translated
into `provisiond.drivers.errors` here, at the boundary: a timeout (the device is down, or
it silently drops a wrong community, as SNMPv1/v2c agents do) is temporary; an answer we
cannot use is permanent. The community leaves the process only in `_auth`, and no log
line or error message carries it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, SupportsInt, cast

from pysnmp.error import PySnmpError
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    Udp6TransportTarget,
    UdpTransportTarget,
    bulk_walk_cmd,
    get_cmd,
    walk_cmd,
)
from pysnmp.proto import errind, rfc1902, rfc1905

from provisiond.config.settings import SnmpVersion
from provisiond.drivers.errors import (
    PermanentDriverError,
    TemporaryDriverError,
    UnexpectedReplyError,
    from_os_error,
)
from provisiond.drivers.snmp_counters import (
    COUNTER64_MODULUS,
    TIMETICKS_MODULUS,
    QueueCounters,
)

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Iterator, Sequence

    from provisiond.config.settings import DeviceSettings
    from provisiond.model.secret import Secret

    # One response of a walk: (errorIndication, errorStatus, errorIndex, varBinds).
    _Response = tuple[object, object, object, Sequence[tuple[object, object]]]

logger = logging.getLogger(__name__)

SYS_UPTIME: Final = "1.3.6.1.2.1.1.3.0"
"""SNMPv2-MIB sysUpTime.0: TimeTicks, hundredths of a second since the agent started."""

MTXR_QUEUE_SIMPLE_ENTRY: Final = "1.3.6.1.4.1.14988.1.1.2.1.1"
"""MIKROTIK-MIB mtxrQueueSimpleEntry, indexed by mtxrQueueSimpleIndex (docs/snmp.md)."""

DEFAULT_RETRIES: Final = 2
MAX_RETRIES: Final = 5
DEFAULT_MAX_REPETITIONS: Final = 25
MAX_QUEUE_ROWS: Final = 200_000
"""A walk stops after this many rows however the agent answers, so it always ends."""

# pysnmp's message processing models: 0 is SNMPv1, 1 is SNMPv2c.
_MP_MODEL: Final = {SnmpVersion.V1: 0, SnmpVersion.V2C: 1}
_NUMBERS: Final = (
    rfc1902.Integer32,
    rfc1902.Counter32,
    rfc1902.Gauge32,
    rfc1902.Unsigned32,
    rfc1902.TimeTicks,
    rfc1902.Counter64,
)
# PDU error-status values (RFC 3416 §3) that a later request may not meet again:
# tooBig, genErr, resourceUnavailable. The others hold until someone changes something.
_TEMPORARY_STATUS: Final = frozenset({1, 5, 13})


@dataclass(frozen=True, slots=True)
class QueueColumns:
    """Which mtxrQueueSimpleTable columns hold a queue's name and its two byte counters.

    The MIB names the counters "in" and "out" and says nothing more; docs/snmp.md gives
    the sources for reading "in" as the traffic that enters the queue from its target
    (the subscriber's upload) and "out" as the traffic it sends toward the target
    (download). Declared as data so a firmware that differs needs no code.
    """

    name: str
    download: str
    upload: str


MIKROTIK_SIMPLE_QUEUES: Final = QueueColumns(
    name=f"{MTXR_QUEUE_SIMPLE_ENTRY}.2",  # mtxrQueueSimpleName
    download=f"{MTXR_QUEUE_SIMPLE_ENTRY}.9",  # mtxrQueueSimpleBytesOut, Counter64
    upload=f"{MTXR_QUEUE_SIMPLE_ENTRY}.8",  # mtxrQueueSimpleBytesIn, Counter64
)


@dataclass(frozen=True, slots=True)
class SnmpTarget:
    """Where and how to poll one device.

    One request, its retries included, takes at most `timeout`: each of the
    `retries + 1` attempts waits `timeout / (retries + 1)`.
    """

    name: str  # the device's name, for errors and logs
    host: str  # an IPv4 or IPv6 address, or a host name resolved over IPv4
    port: int
    version: SnmpVersion
    community: Secret
    timeout: float  # seconds
    retries: int = DEFAULT_RETRIES

    def __post_init__(self) -> None:
        if not 0 <= self.retries <= MAX_RETRIES:
            raise ValueError(f"retries must be in [0, {MAX_RETRIES}]: {self.retries}")
        if self.timeout <= 0:
            raise ValueError(f"timeout must be positive: {self.timeout}")

    @classmethod
    def from_device(cls, device: DeviceSettings) -> SnmpTarget:
        """The target of a `[[device]]` with a `[device.snmp]` table."""
        if device.snmp is None:
            raise ValueError(f"device {device.name!r} has no [device.snmp] settings")
        return cls(
            name=device.name,
            host=device.host,
            port=device.snmp.port,
            version=device.snmp.version,
            community=device.snmp.community,
            timeout=device.timeout,
        )

    def where(self, what: str) -> str:
        return f"SNMP {what} of {self.name} ({self.host}:{self.port})"


class SnmpPoller:
    """Reads sysUpTime and the simple-queue counters of any number of devices.

    `max_repetitions` is how many rows one GETBULK asks for.
    """

    def __init__(
        self,
        *,
        max_repetitions: int = DEFAULT_MAX_REPETITIONS,
        columns: QueueColumns = MIKROTIK_SIMPLE_QUEUES,
    ) -> None:
        if max_repetitions < 1:
            raise ValueError(f"max_repetitions must be positive: {max_repetitions}")
        self._max_repetitions = max_repetitions
        self._columns = columns
        self._engine = SnmpEngine()

    def close(self) -> None:
        """Stop the engine's dispatcher and its timer task; the poller is done."""
        self._engine.close_dispatcher()

    async def uptime(self, target: SnmpTarget) -> int:
        """sysUpTime.0 in hundredths of a second (see `snmp_counters.reboot_detected`)."""
        where = target.where("sysUpTime")
        with _translated(where):
            transport = await self._transport(target)
            response = await get_cmd(
                self._engine,
                _auth(target),
                transport,
                ContextData(),
                ObjectType(ObjectIdentity(SYS_UPTIME)),
                lookupMib=False,
            )
        indication, status, _index, var_binds = response
        _raise_for(where, target, indication, status)
        if len(var_binds) != 1:
            raise UnexpectedReplyError(f"{where}: {len(var_binds)} values for one OID")
        return _as_int(var_binds[0][1], where, TIMETICKS_MODULUS)

    async def queue_counters(self, target: SnmpTarget) -> dict[str, QueueCounters]:
        """Every simple queue's byte counters, keyed by queue name.

        A queue added or removed while the columns are walked, so that it lacks a name or
        a counter, is left out: the next poll sees it whole.
        """
        where = target.where("simple-queue counters")
        if target.version is SnmpVersion.V1:
            # RFC 3584 §4.2.2.1: an agent never returns a Counter64 to SNMPv1, it skips it.
            raise PermanentDriverError(f"{where}: the counters are Counter64; use version 2c")
        names = await self._walk(target, self._columns.name, where)
        downloads = await self._walk(target, self._columns.download, where)
        uploads = await self._walk(target, self._columns.upload, where)
        counters = {
            _as_text(name, where): QueueCounters(
                download_bytes=_as_int(downloads[row], where, COUNTER64_MODULUS),
                upload_bytes=_as_int(uploads[row], where, COUNTER64_MODULUS),
            )
            for row, name in names.items()
            if row in downloads and row in uploads
        }
        logger.debug("%s: %d simple queues", where, len(counters))
        return counters

    async def _walk(self, target: SnmpTarget, column: str, where: str) -> dict[int, object]:
        """One column of a table: row index → value."""
        prefix = _oid_tuple(column)
        rows: dict[int, object] = {}
        with _translated(where):
            transport = await self._transport(target)
            async with contextlib.aclosing(self._responses(target, transport, column)) as walk:
                async for indication, status, _index, var_binds in walk:
                    _raise_for(where, target, indication, status)
                    for name, value in var_binds:
                        rows[_row_index(prefix, name, where)] = value
        return rows

    def _responses(
        self, target: SnmpTarget, transport: object, column: str
    ) -> AsyncGenerator[_Response, None]:
        # SNMPv1 has no GETBULK: it walks with GETNEXT, one row per round trip.
        start = ObjectType(ObjectIdentity(column))
        if target.version is SnmpVersion.V1:
            walk = walk_cmd(
                self._engine,
                _auth(target),
                transport,
                ContextData(),
                start,
                lexicographicMode=False,
                lookupMib=False,
                maxCalls=MAX_QUEUE_ROWS,
            )
        else:
            walk = bulk_walk_cmd(
                self._engine,
                _auth(target),
                transport,
                ContextData(),
                0,  # nonRepeaters
                self._max_repetitions,
                start,
                lexicographicMode=False,
                lookupMib=False,
                maxCalls=MAX_QUEUE_ROWS // self._max_repetitions + 1,
            )
        return cast("AsyncGenerator[_Response, None]", walk)

    async def _transport(self, target: SnmpTarget) -> object:
        kind = Udp6TransportTarget if _is_ipv6(target.host) else UdpTransportTarget
        per_attempt = target.timeout / (target.retries + 1)
        transport: object = await kind.create(
            (target.host, target.port), timeout=per_attempt, retries=target.retries
        )
        return transport


def _auth(target: SnmpTarget) -> object:
    # The one place the community is revealed: it goes into the request.
    auth: object = CommunityData(target.community.reveal(), mpModel=_MP_MODEL[target.version])
    return auth


def _is_ipv6(host: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address)
    except ValueError:
        return False


@contextlib.contextmanager
def _translated(where: str) -> Iterator[None]:
    """pysnmp's and the socket's exceptions as `DriverError`s."""
    try:
        yield
    except OSError as exc:
        raise from_os_error(exc, where) from exc
    except PySnmpError as exc:
        # Raised for a host name that does not resolve, among others: DNS may come back.
        raise TemporaryDriverError(f"{where}: {exc}") from exc


def _raise_for(where: str, target: SnmpTarget, indication: object, status: object) -> None:
    """Raise for an engine error (`errorIndication`) or a PDU error (`errorStatus`)."""
    if isinstance(indication, errind.RequestTimedOut):
        raise TemporaryDriverError(
            f"{where}: no answer within {target.timeout:g} s (device down or wrong community)"
        )
    if isinstance(indication, errind.OidNotIncreasing):
        raise UnexpectedReplyError(f"{where}: the agent's OIDs did not increase")
    if indication:
        raise TemporaryDriverError(f"{where}: {indication}")
    code = int(cast("SupportsInt", status or 0))
    if code:
        name = str(rfc1905.errorStatus.clone(code))  # "genErr"; an unknown code stays a number
        error = TemporaryDriverError if code in _TEMPORARY_STATUS else PermanentDriverError
        raise error(f"{where}: the agent answered {name}")


def _oid_tuple(oid: str) -> tuple[int, ...]:
    return tuple(int(part) for part in oid.split("."))


def _row_index(prefix: tuple[int, ...], name: object, where: str) -> int:
    """The row of a column OID: mtxrQueueSimpleIndex, the one sub-identifier after it."""
    oid = tuple(int(part) for part in cast("Sequence[int]", name))
    if len(oid) != len(prefix) + 1 or oid[: len(prefix)] != prefix:
        raise UnexpectedReplyError(f"{where}: {'.'.join(map(str, oid))} is not a row")
    return oid[-1]


def _as_int(value: object, where: str, modulus: int) -> int:
    if not isinstance(value, _NUMBERS):
        raise UnexpectedReplyError(f"{where}: expected a number, got {type(value).__name__}")
    number = int(value)
    if not 0 <= number < modulus:
        raise UnexpectedReplyError(f"{where}: {number} is out of range")
    return number


def _as_text(value: object, where: str) -> str:
    if not isinstance(value, rfc1902.OctetString):
        raise UnexpectedReplyError(f"{where}: expected a name, got {type(value).__name__}")
    # RouterOS sends names in the router's code page; ours are ASCII. Other bytes stay
    # visible and distinct instead of failing the whole poll.
    return bytes(value.asOctets()).decode("utf-8", "backslashreplace")
