"""Builders for the service-wide tables: `[store]` to `[logging]`.

Each takes the `Table` of its section, reads every key it knows (with the design's
default), checks what can be checked within the section, and calls `finish()` so
leftover keys are reported as unknown. Checks that span sections live in `validate`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from provisiond.config import values
from provisiond.config.settings import (
    DEFAULT_INTERIM_INTERVAL,
    STALE_AFTER_FACTOR,
    CoaAction,
    CoaClient,
    CoaFallback,
    CoaSettings,
    LogFormat,
    LoggingSettings,
    LogLevel,
    ModelSettings,
    NamedToken,
    RadiusSettings,
    ReconcileSettings,
    StatusSettings,
    StoreSettings,
    TokenRole,
    UsageSettings,
    WebhooksSettings,
    default_store_url,
)

if TYPE_CHECKING:
    from provisiond.config.reader import Table
    from provisiond.model.secret import Secret

MAX_PORT = values.MAX_PORT
MAX_COUNT = 1_000_000_000  # a sanity bound for counts, far above any real fleet
RESERVED_ACTORS = frozenset(
    role.value for role in TokenRole
)  # the audit names of admin_token and read_token


def read_state_dir(root: Table) -> Path:
    text = root.string("state_dir", "var")
    if not text:
        root.report("state_dir", "must not be empty")
    return Path(text or "var")


def store(table: Table, *, state_dir: Path) -> StoreSettings:
    url = table.string("url", default_store_url(state_dir))
    if "://" not in url:
        table.report("url", f"{url!r} is not a database URL (e.g. 'sqlite:///var/provisiond.db')")
    secret_key = table.secret("secret_key", required=False)
    table.finish()
    return StoreSettings(url=url, secret_key=secret_key)


def model(table: Table) -> ModelSettings:
    allow = table.boolean("allow_multiple_data_services", default=False)
    table.finish()
    return ModelSettings(allow_multiple_data_services=allow)


def status(table: Table) -> StatusSettings:
    defaults = StatusSettings()
    listen = table.convert("listen", table.string("listen", defaults.listen), values.listen, None)
    host, port = listen or (defaults.listen_host, defaults.listen_port)
    admin_token = table.secret("admin_token", required=False)
    read_token = table.secret("read_token", required=False)
    tokens = [token for item in table.tables("token") if (token := named_token(item))]
    cert = table.file("tls_cert_file")
    key = table.file("tls_key_file")
    allow_plain_http = table.boolean("allow_plain_http", default=False)
    _check_tls(table, host=host if listen else None, allow_plain_http=allow_plain_http)
    _check_token_names(tokens)
    _check_token_values(table, admin_token=admin_token, read_token=read_token, tokens=tokens)
    table.finish()
    return StatusSettings(
        listen_host=host,
        listen_port=port,
        admin_token=admin_token,
        read_token=read_token,
        tokens=tuple(token for _, token in tokens),
        tls_cert_file=cert,
        tls_key_file=key,
        allow_plain_http=allow_plain_http,
    )


def named_token(table: Table) -> tuple[Table, NamedToken] | None:
    name = table.required_string("name")
    if name:
        name = table.convert("name", name, values.name, None) or ""
    if not table.has("role"):
        table.report("role", f"required ('{TokenRole.ADMIN}' or '{TokenRole.READ}')")
    role = table.choice("role", TokenRole.READ, TokenRole)
    token = table.secret("token", required=True)
    table.finish()
    if not name or token is None:
        return None
    return table, NamedToken(name=name, role=role, token=token)


def _check_tls(table: Table, *, host: str | None, allow_plain_http: bool) -> None:
    has_cert, has_key = table.has("tls_cert_file"), table.has("tls_key_file")
    if has_cert and not has_key:
        table.report("tls_key_file", "required when tls_cert_file is set")
    if has_key and not has_cert:
        table.report("tls_cert_file", "required when tls_key_file is set")
    if host is None or values.is_loopback(host) or (has_cert and has_key) or allow_plain_http:
        return
    table.report(
        "listen",
        f"{host} is not a loopback address: set tls_cert_file and tls_key_file,"
        " or allow_plain_http = true",
    )


def _check_token_names(tokens: list[tuple[Table, NamedToken]]) -> None:
    seen: dict[str, str] = {}
    for item, token in tokens:
        if token.name in RESERVED_ACTORS:
            item.report("name", f"{token.name!r} is the audit name of {token.name}_token")
        elif token.name in seen:
            item.report("name", f"duplicate token name {token.name!r} (also {seen[token.name]})")
        seen.setdefault(token.name, ".".join(item.path))


def _check_token_values(
    table: Table,
    *,
    admin_token: Secret | None,
    read_token: Secret | None,
    tokens: list[tuple[Table, NamedToken]],
) -> None:
    """One token value, one actor: a shared value would make the audit log ambiguous."""
    owners: list[tuple[Secret, str]] = []
    candidates = [(table.key("admin_token"), admin_token), (table.key("read_token"), read_token)]
    candidates += [(item.key("token"), token.token) for item, token in tokens]
    for path, secret in candidates:
        if secret is None:
            continue
        owner = next((name for other, name in owners if other == secret), None)
        if owner is not None:
            table.context.report(path, f"the same token as {owner}; every token must differ")
        owners.append((secret, ".".join(path)))


def coa_client(table: Table) -> CoaClient | None:
    """One `[[radius.coa_client]]`; its `nas` names are checked against the devices later."""
    if not table.has("address"):
        table.report("address", "required")
    address = table.each("address", table.string_or_strings("address"), values.prefix)
    secret = table.secret("secret", required=True)
    allow = table.choices("allow", frozenset(CoaAction), CoaAction)
    nas = table.strings("nas")
    require = table.boolean("require_message_authenticator", default=False)
    table.finish()
    if not address or secret is None:
        return None
    return CoaClient(
        address=address,
        secret=secret,
        allow=allow,
        nas=nas,
        require_message_authenticator=require,
    )


def radius(table: Table, *, coa_clients: tuple[CoaClient, ...]) -> RadiusSettings:
    defaults = RadiusSettings()
    texts = table.strings("listen", defaults.listen, nonempty=True)
    listen = table.each("listen", texts, values.ip_address)
    ports = _radius_ports(table)
    default_rate = table.string("default_rate")
    if default_rate:
        default_rate = table.convert("default_rate", default_rate, values.rate_limit, None) or ""
    interim = table.duration("interim_interval", DEFAULT_INTERIM_INTERVAL, positive=True)
    stale_after = table.duration("stale_after", interim * STALE_AFTER_FACTOR, positive=True)
    if table.has("stale_after") and stale_after <= interim:
        table.report("stale_after", f"must be longer than interim_interval ({interim:g} s)")
    result = RadiusSettings(
        listen=listen,
        auth_port=ports[0],
        acct_port=ports[1],
        coa_port=ports[2],
        require_message_authenticator=table.boolean("require_message_authenticator", default=True),
        reject_inactive=table.boolean("reject_inactive", default=True),
        rate_limit_attribute=table.string("rate_limit_attribute", defaults.rate_limit_attribute),
        default_rate=default_rate,
        interim_interval=interim,
        stale_after=stale_after,
        coa_clients=coa_clients,
    )
    table.finish()
    return result


def _radius_ports(table: Table) -> tuple[int, int, int]:
    auth = table.integer("auth_port", 1812, low=1, high=MAX_PORT)
    acct = table.integer("acct_port", 1813, low=1, high=MAX_PORT)
    coa = table.integer("coa_port", 3799, low=0, high=MAX_PORT)
    if acct == auth:
        table.report("acct_port", f"must differ from auth_port ({auth})")
    if coa in (auth, acct):
        table.report("coa_port", "must differ from auth_port and acct_port")
    return auth, acct, coa


def coa(table: Table) -> CoaSettings:
    defaults = CoaSettings()
    result = CoaSettings(
        fallback=table.choice("fallback", defaults.fallback, CoaFallback),
        timeout=table.duration("timeout", defaults.timeout, positive=True),
        retries=table.integer("retries", defaults.retries, low=0, high=100),
        max_disconnect_fraction=table.number(
            "max_disconnect_fraction", defaults.max_disconnect_fraction, low=0, high=1
        ),
        max_disconnect_min=table.integer(
            "max_disconnect_min", defaults.max_disconnect_min, low=0, high=MAX_COUNT
        ),
    )
    table.finish()
    return result


def reconcile(table: Table) -> ReconcileSettings:
    defaults = ReconcileSettings()
    result = ReconcileSettings(
        resync_interval=table.duration("resync_interval", defaults.resync_interval, positive=True),
        max_remove_fraction=table.number(
            "max_remove_fraction", defaults.max_remove_fraction, low=0, high=1
        ),
        max_remove_min=table.integer(
            "max_remove_min", defaults.max_remove_min, low=0, high=MAX_COUNT
        ),
        ready_timeout=table.duration("ready_timeout", defaults.ready_timeout),
    )
    table.finish()
    return result


def usage(table: Table) -> UsageSettings:
    name = table.string("timezone", UsageSettings().timezone)
    zone = table.convert("timezone", name, values.timezone, None)
    table.finish()
    return UsageSettings(timezone=zone or UsageSettings().timezone)


def webhooks(table: Table) -> WebhooksSettings:
    hosts = table.each("allow_hosts", table.strings("allow_hosts"), values.host_or_prefix)
    timeout = table.duration("timeout", WebhooksSettings().timeout, positive=True)
    table.finish()
    return WebhooksSettings(allow_hosts=hosts, timeout=timeout)


def logging(table: Table) -> LoggingSettings:
    level = table.string("level", LogLevel.INFO.value)
    result = LoggingSettings(
        format=table.choice("format", LogFormat.JSON, LogFormat),
        # Level names are case-insensitive, as in the standard library's logging.
        level=table.convert("level", level.lower(), _log_level, None) or LogLevel.INFO,
    )
    table.finish()
    return result


def _log_level(text: str) -> LogLevel:
    try:
        return LogLevel(text)
    except ValueError:
        options = ", ".join(repr(level.value) for level in LogLevel)
        raise ValueError(f"{text!r} is not one of {options}") from None
