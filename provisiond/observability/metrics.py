"""Every Prometheus metric provisiond exports, declared here and nowhere else.

Labels carry device names and outcomes only: never usernames, account ids or addresses
(DESIGN.md §7), which would also explode the series count at 100,000 subscribers.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Info


class Metrics:
    """One registry per daemon, so tests can build several without global state."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.build_info = Info(
            "provisiond_build", "Version of the running daemon", registry=self.registry
        )
        self.config_reload_successful = Gauge(
            "provisiond_config_last_reload_successful",
            "1 when the last config load or SIGHUP reload succeeded, 0 while running on the "
            "last known good config",
            registry=self.registry,
        )
        self.config_reloads = Counter(
            "provisiond_config_reloads",
            "Config reloads by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self.accounts = Gauge(
            "provisiond_accounts", "Accounts held in memory", registry=self.registry
        )
        self.desired_entries = Gauge(
            "provisiond_desired_entries",
            "Entries provisiond wants on a device",
            ["device", "kind"],
            registry=self.registry,
        )
        self.address_clashes = Gauge(
            "provisiond_address_clashes",
            "Address keys claimed by more than one account (lowest id wins)",
            ["device"],
            registry=self.registry,
        )
        self.store_changes = Counter(
            "provisiond_store_changes",
            "Change-feed batches applied to the in-memory state, by object kind",
            ["kind"],
            registry=self.registry,
        )
