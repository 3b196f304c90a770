"""The typed settings of DESIGN.md §2: one frozen object, grouped per concern.

Each group mirrors one TOML table and every field has the default the design gives, so
`Settings()` is a valid (if deviceless) configuration. Durations are float seconds.
Secrets are `Secret`s, so a repr of any of these never shows one. `store` and `model` are
*restart* settings: a SIGHUP reload keeps the running values.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from provisiond.model.device_state import DeviceScope

if TYPE_CHECKING:
    from provisiond.model.network import Prefix
    from provisiond.model.secret import Secret

DEFAULT_STATE_DIR: Final = Path("var")
DEFAULT_INTERIM_INTERVAL: Final = 300.0
DEFAULT_COA_PORT: Final = 3799  # RFC 5176
DEFAULT_SNMP_PORT: Final = 161
DEFAULT_DEVICE_TIMEOUT: Final = 10.0
DEFAULT_COMMENT_PREFIX: Final = "provisiond"
STALE_AFTER_FACTOR: Final = 2.5
"""`stale_after` defaults to this many interim intervals: two lost updates are tolerated."""


def default_store_url(state_dir: Path) -> str:
    """`provisiond.db` in `state_dir`; an absolute path gives SQLAlchemy's four slashes."""
    return f"sqlite:///{state_dir / 'provisiond.db'}"


class TokenRole(StrEnum):
    ADMIN = "admin"
    READ = "read"


class CoaFallback(StrEnum):
    """What a CoA that fails (NAK 401/404/405/407 or timeout) turns into."""

    DISCONNECT = "disconnect"
    NONE = "none"


class CoaAction(StrEnum):
    """Requests a `[[radius.coa_client]]` may relay."""

    COA = "coa"
    DISCONNECT = "disconnect"


class CoaTrigger(StrEnum):
    """The changes (`coa_on`) that make a NAS's live sessions get a CoA."""

    STATUS = "status"
    DELINQUENCY = "delinquency"
    SERVICE = "service"
    USAGE = "usage"
    GROUPS = "groups"
    DEFINITIONS = "definitions"


class LogFormat(StrEnum):
    JSON = "json"
    CONSOLE = "console"


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"


class Platform(StrEnum):
    ROUTEROS = "routeros"  # the RouterOS API (librouteros)
    ROUTEROS_SSH = "routeros-ssh"
    NONE = "none"  # a NAS we only answer and send CoA to

    @property
    def managed(self) -> bool:
        """True when provisiond logs in to the device (host and credentials needed)."""
        return self is not Platform.NONE


class SnmpVersion(StrEnum):
    V1 = "1"
    V2C = "2c"


DEFAULT_COA_ON: Final = frozenset(CoaTrigger) - {CoaTrigger.DEFINITIONS}


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """*restart*."""

    url: str = default_store_url(DEFAULT_STATE_DIR)  # SQLAlchemy URL
    secret_key: Secret | None = None  # encrypts RADIUS passwords and trigger secrets at rest


@dataclass(frozen=True, slots=True)
class ModelSettings:
    """*restart*."""

    allow_multiple_data_services: bool = False


@dataclass(frozen=True, slots=True)
class NamedToken:
    """A per-person API token; `name` is the audit actor."""

    name: str
    role: TokenRole
    token: Secret


@dataclass(frozen=True, slots=True)
class StatusSettings:
    listen_host: str = "127.0.0.1"  # IP literal or host name, without brackets
    listen_port: int = 8080  # TCP port
    admin_token: Secret | None = None  # full /api access, actor "admin"
    read_token: Secret | None = None  # GET-only /api access, actor "read"
    tokens: tuple[NamedToken, ...] = ()
    tls_cert_file: Path | None = None  # PEM; located like a secret file
    tls_key_file: Path | None = None
    allow_plain_http: bool = False  # permit a non-loopback listen without TLS

    @property
    def listen(self) -> str:
        """`host:port` as written in the config, brackets around IPv6."""
        host = f"[{self.listen_host}]" if ":" in self.listen_host else self.listen_host
        return f"{host}:{self.listen_port}"


@dataclass(frozen=True, slots=True)
class CoaClient:
    """A peer allowed to send CoA/Disconnect to the relay (`[[radius.coa_client]]`)."""

    address: tuple[Prefix, ...]  # source addresses it may send from
    secret: Secret
    allow: frozenset[CoaAction] = frozenset(CoaAction)
    nas: tuple[str, ...] = ()  # device names it may reach; empty = all
    require_message_authenticator: bool = False


@dataclass(frozen=True, slots=True)
class RadiusSettings:
    listen: tuple[str, ...] = ("127.0.0.1",)  # IP addresses to bind
    auth_port: int = 1812  # UDP
    acct_port: int = 1813  # UDP
    coa_port: int = 3799  # UDP, the CoA relay listener; 0 = off
    require_message_authenticator: bool = True  # the default for every [device.nas]
    reject_inactive: bool = True
    rate_limit_attribute: str = "Mikrotik-Rate-Limit"  # "" = off
    default_rate: str = ""  # MikroTik rate string for activating accounts without a service
    interim_interval: float = DEFAULT_INTERIM_INTERVAL  # seconds, Acct-Interim-Interval
    stale_after: float = DEFAULT_INTERIM_INTERVAL * STALE_AFTER_FACTOR  # seconds
    coa_clients: tuple[CoaClient, ...] = ()


@dataclass(frozen=True, slots=True)
class CoaSettings:
    fallback: CoaFallback = CoaFallback.DISCONNECT
    timeout: float = 2.0  # seconds per attempt
    retries: int = 2  # attempts after the first
    max_disconnect_fraction: float = 0.05  # of live sessions, within 60 s
    max_disconnect_min: int = 50  # Disconnects; both limits must be exceeded to hold


@dataclass(frozen=True, slots=True)
class ReconcileSettings:
    resync_interval: float = 300.0  # seconds between full resyncs of a device
    max_remove_fraction: float = 0.10  # of a device's owned entries
    max_remove_min: int = 50  # entries; both limits must be exceeded to hold a plan
    ready_timeout: float = 60.0  # seconds a syncing device may hold /readyz back


@dataclass(frozen=True, slots=True)
class UsageSettings:
    timezone: str = "UTC"  # IANA name, validated at load

    @property
    def zone(self) -> ZoneInfo:
        """Free periods and month boundaries are in this zone (cached by `ZoneInfo`)."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class WebhooksSettings:
    # Host names (lower case) and canonical prefixes a webhook may reach even though they
    # are loopback or private.
    allow_hosts: tuple[str, ...] = ()
    timeout: float = 10.0  # seconds per delivery attempt

    def allowed_networks(self) -> tuple[Prefix, ...]:
        return tuple(ipaddress.ip_network(host) for host in self.allow_hosts if _is_network(host))

    def allowed_names(self) -> frozenset[str]:
        return frozenset(host for host in self.allow_hosts if not _is_network(host))


def _is_network(host: str) -> bool:
    try:
        ipaddress.ip_network(host)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class LoggingSettings:
    format: LogFormat = LogFormat.JSON
    level: LogLevel = LogLevel.INFO


@dataclass(frozen=True, slots=True)
class NasSettings:
    """`[device.nas]`: the device is a RADIUS client and a CoA target."""

    address: tuple[Prefix, ...]  # source addresses of its RADIUS packets
    secret: Secret
    nas_identifier: str = ""  # tells apart NAS sharing a source address
    require_message_authenticator: bool = True  # default: [radius] value
    coa_address: str | None = None  # where CoA goes; default the first address; None = no CoA
    coa_port: int = DEFAULT_COA_PORT  # UDP; 0 = no CoA to this NAS
    coa_source: str | None = None  # local address CoA is sent from; None = any
    coa_on: frozenset[CoaTrigger] = DEFAULT_COA_ON


@dataclass(frozen=True, slots=True)
class SnmpSettings:
    """`[device.snmp]`: reboot detection and queue counters."""

    community: Secret
    port: int = DEFAULT_SNMP_PORT  # UDP
    version: SnmpVersion = SnmpVersion.V2C


@dataclass(frozen=True, slots=True)
class DeviceSettings:
    """One `[[device]]`."""

    name: str
    platform: Platform
    host: str = ""  # IP or host name; not used for platform "none"
    port: int = 8728  # TCP; default 8728, 8729 with tls, 22 for routeros-ssh
    tls: bool = False  # api-ssl
    tls_verify: bool = True  # ignored without tls
    tls_ca_file: Path | None = None  # PEM CAs for api-ssl; None = the system's trust store
    username: str = ""
    password: Secret | None = None
    known_hosts_file: Path | None = None  # routeros-ssh; None = asyncssh's ~/.ssh/known_hosts
    timeout: float = DEFAULT_DEVICE_TIMEOUT  # seconds to connect, and per command
    address_lists: bool = True
    queues: bool = False
    queue_inactive: bool = False
    subnets: tuple[Prefix, ...] = ()  # canonical; empty = all addresses
    session_sources: tuple[str, ...] = ()  # NAS device names; empty = itself
    comment_prefix: str = DEFAULT_COMMENT_PREFIX  # ownership tag: comment "<prefix>:<id>"
    nas: NasSettings | None = None
    snmp: SnmpSettings | None = None

    def scope(self) -> DeviceScope:
        """What policy needs; nothing is pushed to a `platform = "none"` device."""
        managed = self.platform.managed
        return DeviceScope(
            name=self.name,
            address_lists=self.address_lists and managed,
            queues=self.queues and managed,
            queue_inactive=self.queue_inactive,
            subnets=self.subnets,
            session_sources=self.session_sources,
            comment_prefix=self.comment_prefix,
        )


@dataclass(frozen=True, slots=True)
class Settings:
    state_dir: Path = DEFAULT_STATE_DIR  # as written: relative to the working directory
    store: StoreSettings = field(default_factory=StoreSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    status: StatusSettings = field(default_factory=StatusSettings)
    radius: RadiusSettings = field(default_factory=RadiusSettings)
    coa: CoaSettings = field(default_factory=CoaSettings)
    reconcile: ReconcileSettings = field(default_factory=ReconcileSettings)
    usage: UsageSettings = field(default_factory=UsageSettings)
    webhooks: WebhooksSettings = field(default_factory=WebhooksSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    devices: tuple[DeviceSettings, ...] = ()

    def device(self, name: str) -> DeviceSettings | None:
        return next((device for device in self.devices if device.name == name), None)
