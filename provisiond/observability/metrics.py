"""Every Prometheus metric provisiond exports, declared here and nowhere else.

Labels carry device names and outcomes only: never usernames, account ids or addresses
(DESIGN.md §7), which would also explode the series count at 100,000 subscribers.
"""

from __future__ import annotations

from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

# Seconds. The API answers from memory or one SQLite transaction: most requests take
# milliseconds; an import of tens of thousands of accounts takes seconds.
HTTP_LATENCY_BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


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
        # `route` is the route template (`/api/v1/accounts/{id}`), never the path: a path
        # carries ids, and every distinct label value is a new series.
        self.http_requests = Counter(
            "provisiond_http_requests",
            "Status endpoint requests by method, route template and response status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_request_duration = Histogram(
            "provisiond_http_request_duration_seconds",
            "Status endpoint request latency by method and route template",
            ["method", "route"],
            buckets=HTTP_LATENCY_BUCKETS,
            registry=self.registry,
        )
