"""Builder for `[[device]]` with its optional `[device.nas]` and `[device.snmp]`.

Checks that need only the one device happen here (credentials per platform, options that
belong to another platform, a CoA target); checks across devices live in `validate`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from provisiond.config import values
from provisiond.config.settings import (
    DEFAULT_COA_ON,
    DEFAULT_COA_PORT,
    DEFAULT_COMMENT_PREFIX,
    DEFAULT_DEVICE_TIMEOUT,
    DEFAULT_SNMP_PORT,
    CoaTrigger,
    DeviceSettings,
    NasSettings,
    Platform,
    SnmpSettings,
    SnmpVersion,
)

if TYPE_CHECKING:
    from provisiond.config.reader import Table
    from provisiond.model.network import Prefix

API_PORT: Final = 8728
API_TLS_PORT: Final = 8729
SSH_PORT: Final = 22
MAX_PORT: Final = values.MAX_PORT


def device(table: Table, *, require_message_authenticator: bool) -> DeviceSettings | None:
    """One `[[device]]`; None when it lacks a name or platform (already reported)."""
    name = _name(table)
    if not table.has("platform"):
        table.report("platform", f"required (one of {_platforms()})")
    platform = table.choice("platform", Platform.NONE, Platform)
    tls = table.boolean("tls", default=False)
    port = table.integer("port", _default_port(platform, tls=tls), low=1, high=MAX_PORT)
    why = f" for platform {platform.value!r}"
    host = table.required_string("host", why=why) if platform.managed else table.string("host")
    if host:
        host = table.convert("host", host, values.host, None) or ""
    username = table.string("username")
    if platform.managed:
        username = table.required_string("username", why=why)
    password = table.secret("password", required=False)
    _check_platform(table, platform)
    nas_table = table.optional_table("nas")
    snmp_table = table.optional_table("snmp")
    result = DeviceSettings(
        name=name,
        platform=platform,
        host=host,
        port=port,
        tls=tls,
        tls_verify=table.boolean("tls_verify", default=True),
        tls_ca_file=table.file("tls_ca_file"),
        username=username,
        password=password,
        known_hosts_file=table.file("known_hosts_file"),
        timeout=table.duration("timeout", DEFAULT_DEVICE_TIMEOUT, positive=True),
        address_lists=table.boolean("address_lists", default=True),
        queues=table.boolean("queues", default=False),
        queue_inactive=table.boolean("queue_inactive", default=False),
        subnets=table.each("subnets", table.strings("subnets"), values.prefix),
        session_sources=table.strings("session_sources"),
        comment_prefix=_comment_prefix(table),
        nas=(
            nas(nas_table, require_message_authenticator=require_message_authenticator)
            if nas_table
            else None
        ),
        snmp=snmp(snmp_table) if snmp_table else None,
    )
    table.finish()
    return result if name and table.has("platform") else None


def _name(table: Table) -> str:
    name = table.required_string("name")
    return table.convert("name", name, values.name, None) or "" if name else ""


def _platforms() -> str:
    return ", ".join(repr(platform.value) for platform in Platform)


def _default_port(platform: Platform, *, tls: bool) -> int:
    if platform is Platform.ROUTEROS_SSH:
        return SSH_PORT
    return API_TLS_PORT if tls else API_PORT


def _comment_prefix(table: Table) -> str:
    text = table.string("comment_prefix", DEFAULT_COMMENT_PREFIX)
    return table.convert("comment_prefix", text, values.tag, None) or DEFAULT_COMMENT_PREFIX


def _check_platform(table: Table, platform: Platform) -> None:
    """The password a managed platform needs, and options that only another one reads."""
    if platform.managed and not (table.has("password") or table.has("password_file")):
        table.report("password", f"required for platform {platform.value!r} (or password_file)")
    only_for = {
        "tls": Platform.ROUTEROS,
        "tls_ca_file": Platform.ROUTEROS,
        "known_hosts_file": Platform.ROUTEROS_SSH,
    }
    for key, owner in only_for.items():
        if table.has(key) and platform is not owner and table.has("platform"):
            table.report(key, f"only for platform {owner.value!r}")


def nas(table: Table, *, require_message_authenticator: bool) -> NasSettings | None:
    """`[device.nas]`; `require_message_authenticator` is the `[radius]` default."""
    if not table.has("address"):
        table.report("address", "required")
    address = table.each("address", table.string_or_strings("address"), values.prefix)
    secret = table.secret("secret", required=True)
    coa_port = table.integer("coa_port", DEFAULT_COA_PORT, low=0, high=MAX_PORT)
    nas_identifier = table.string("nas_identifier")
    require = table.boolean("require_message_authenticator", default=require_message_authenticator)
    coa_address = _coa_address(table, address, coa_port=coa_port)
    coa_source = _optional_address(table, "coa_source")
    coa_on = table.choices("coa_on", DEFAULT_COA_ON, CoaTrigger)
    table.finish()
    if not address or secret is None:
        return None
    return NasSettings(
        address=address,
        secret=secret,
        nas_identifier=nas_identifier,
        require_message_authenticator=require,
        coa_address=coa_address,
        coa_port=coa_port,
        coa_source=coa_source,
        coa_on=coa_on,
    )


def _coa_address(table: Table, address: tuple[Prefix, ...], *, coa_port: int) -> str | None:
    """The explicit `coa_address`, else the first `address` when it is a single host."""
    text = table.string("coa_address")
    if text:
        return table.convert("coa_address", text, values.ip_address, None)
    if coa_port == 0 or not address:
        return None
    first = address[0]
    if first.prefixlen == first.max_prefixlen:
        return str(first.network_address)
    table.report("coa_address", f"required: address {first} is a prefix (or set coa_port = 0)")
    return None


def _optional_address(table: Table, key: str) -> str | None:
    """An IP address; "" (the documented default) means none."""
    text = table.string(key)
    return table.convert(key, text, values.ip_address, None) if text else None


def snmp(table: Table) -> SnmpSettings | None:
    """`[device.snmp]`; None without a community (already reported)."""
    port = table.integer("port", DEFAULT_SNMP_PORT, low=1, high=MAX_PORT)
    version = table.choice("version", SnmpVersion.V2C, SnmpVersion)
    community = table.secret("community", required=True)
    table.finish()
    return (
        None if community is None else SnmpSettings(community=community, port=port, version=version)
    )
