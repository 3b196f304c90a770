"""Every Prometheus metric provisiond exports, declared here and nowhere else.

Labels carry device names and outcomes only: never usernames, account ids or addresses
(DESIGN.md §7), which would also explode the series count at 100,000 subscribers.
"""

from __future__ import annotations

from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

from provisiond.observability.tally import TallyCounter, TallyHistogram

# Seconds. The API answers from memory or one SQLite transaction: most requests take
# milliseconds; an import of tens of thousands of accounts takes seconds.
HTTP_LATENCY_BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
# Seconds. An Access-Request is answered from memory in tens of microseconds; an
# Accounting-Response waits for a COMMIT (milliseconds); a NAS retransmits after ~1 s.
RADIUS_LATENCY_BUCKETS: Final = (
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1,
)
# Seconds for one `apply` of a device sync: one change over loopback takes about a
# millisecond; a cold sync of 100,000 entries takes seconds.
APPLY_LATENCY_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
# Seconds from a CoA or Disconnect-Request to its answer: a NAS on the LAN answers in
# milliseconds; a retransmitted one takes `coa.timeout` (2 s) per attempt.
COA_LATENCY_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 6, 10)
# Accounting records per group commit (at most a few hundred).
RADIUS_BATCH_BUCKETS: Final = (1, 2, 5, 10, 25, 50, 100, 200, 300)


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
        self._declare_radius()
        self._declare_reconcile()
        self._declare_events()
        self._declare_coa()
        self._declare_coa_relay()

    def _declare_radius(self) -> None:
        """The RADIUS server's metrics (docs/radius.md): aggregated, no per-user labels.

        Those counted per datagram are tallies (plain ints, turned into samples when
        scraped: observability/tally.py); those counted per commit are ordinary metrics.
        """
        self.radius_requests = TallyCounter(
            "provisiond_radius_requests",
            "RADIUS requests answered, by type (access_request, accounting_request, "
            "status_server) and result (accept, reject, response, duplicate)",
            ["type", "result"],
            registry=self.registry,
        )
        self.radius_rejects = TallyCounter(
            "provisiond_radius_rejects",
            "Access-Rejects by reason (unknown_user, inactive, no_rate, wrong_password, "
            "reply_error)",
            ["reason"],
            registry=self.registry,
        )
        self.radius_drops = TallyCounter(
            "provisiond_radius_drops",
            "RADIUS datagrams dropped without an answer, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.radius_request_duration = TallyHistogram(
            "provisiond_radius_request_duration_seconds",
            "From a request's arrival to its answer, by request type (accounting: after "
            "the COMMIT that holds it)",
            ["type"],
            buckets=RADIUS_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.radius_accounting_records = TallyCounter(
            "provisiond_radius_accounting_records",
            "Accounting-Requests received, by Acct-Status-Type",
            ["status"],
            registry=self.registry,
        )
        self.radius_accounting_batch_size = Histogram(
            "provisiond_radius_accounting_batch_size",
            "Accounting records per group commit",
            buckets=RADIUS_BATCH_BUCKETS,
            registry=self.registry,
        )
        self.radius_accounting_backlog = Gauge(
            "provisiond_radius_accounting_backlog",
            "Accounting records waiting for their commit",
            registry=self.registry,
        )
        self.radius_sessions = Gauge(
            "provisiond_radius_sessions", "Open RADIUS sessions", registry=self.registry
        )
        self.radius_stale_sessions = Counter(
            "provisiond_radius_stale_sessions",
            "Sessions closed as Stale, by rule (address_claimed, stale_after, nas_reboot, "
            "same_key)",
            ["rule"],
            registry=self.registry,
        )

    def _declare_coa_relay(self) -> None:
        """The CoA relay's metrics (docs/radius.md "CoA relay"): by kind and outcome only."""
        self.coa_relay_requests = Counter(
            "provisiond_coa_relay_requests",
            "Requests from [[radius.coa_client]] peers by kind (coa, disconnect) and result "
            "(ack, nak, prohibited, missing_attribute, not_found, ambiguous, not_routable, "
            "timeout, error, duplicate)",
            ["kind", "result"],
            registry=self.registry,
        )
        self.coa_relay_drops = Counter(
            "provisiond_coa_relay_drops",
            "Datagrams on the CoA relay port dropped without an answer, by reason",
            ["reason"],
            registry=self.registry,
        )

    def _declare_reconcile(self) -> None:
        """The device sync's metrics (docs/reconcile.md): the only label is the device
        name, plus a bounded kind, outcome, op or state."""
        self.device_owned_entries = Gauge(
            "provisiond_device_owned_entries",
            "Owned entries on the device's managed menus, as last observed",
            ["device"],
            registry=self.registry,
        )
        self.device_pending_changes = Gauge(
            "provisiond_device_pending_changes",
            "Changes the device still needs: in flight, held or refused",
            ["device"],
            registry=self.registry,
        )
        self.device_blocked_entries = Gauge(
            "provisiond_device_blocked_entries",
            "Desired keys held on the device by an entry provisiond does not own",
            ["device"],
            registry=self.registry,
        )
        self.device_syncs = Counter(
            "provisiond_device_syncs",
            "Completed sync passes by kind (incremental, full) and outcome (ok, held, "
            "refused, surprised)",
            ["device", "kind", "outcome"],
            registry=self.registry,
        )
        self.device_sync_failures = Counter(
            "provisiond_device_sync_failures",
            "Failed sync attempts by error class (temporary, permanent, internal)",
            ["device", "error"],
            registry=self.registry,
        )
        self.device_last_success = Gauge(
            "provisiond_device_last_success_timestamp_seconds",
            "Unix time of the device's last completed sync pass",
            ["device"],
            registry=self.registry,
        )
        self.device_apply_duration = Histogram(
            "provisiond_device_apply_duration_seconds",
            "Time to apply one batch of changes to the device",
            ["device"],
            buckets=APPLY_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.device_changes = Counter(
            "provisiond_device_changes",
            "Changes the device confirmed, by op (add, set, remove)",
            ["device", "op"],
            registry=self.registry,
        )
        self.device_reboots = Counter(
            "provisiond_device_reboots",
            "Reboots detected by the device's uptime going back",
            ["device"],
            registry=self.registry,
        )
        self.device_state = Gauge(
            "provisiond_device_state",
            "1 for the device's current state (in_sync, syncing, unreachable, held, error), "
            "0 for the others",
            ["device", "state"],
            registry=self.registry,
        )

    def _declare_events(self) -> None:
        """Scheduled events, vacations and webhooks (docs/scheduling.md, docs/triggers.md)."""
        self.scheduled_steps = Counter(
            "provisiond_scheduled_steps",
            "Scheduled events and vacation steps run, by kind (event, vacation_start, "
            "vacation_end) and outcome (complete, failed)",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.trigger_events = Counter(
            "provisiond_trigger_events",
            "Trigger events raised, by event (each queues one delivery per trigger)",
            ["event"],
            registry=self.registry,
        )
        self.webhook_attempts = Counter(
            "provisiond_webhook_attempts",
            "Webhook delivery attempts by outcome (delivered, retry, failed)",
            ["outcome"],
            registry=self.registry,
        )
        self.webhooks_in_flight = Gauge(
            "provisiond_webhooks_in_flight",
            "Webhook requests in flight",
            registry=self.registry,
        )

    def _declare_coa(self) -> None:
        """The CoA/Disconnect sender (docs/radius.md "CoA and Disconnect"): by request kind
        and outcome only."""
        self.coa_requests = Counter(
            "provisiond_coa_requests",
            "CoA outcomes by kind (coa, disconnect) and result (ack, nak, timeout, held, error)",
            ["kind", "result"],
            registry=self.registry,
        )
        self.coa_latency = Histogram(
            "provisiond_coa_latency_seconds",
            "From sending a CoA or Disconnect-Request to its verified answer, by kind",
            ["kind"],
            buckets=COA_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.coa_outbox_depth = Gauge(
            "provisiond_coa_outbox_depth",
            "Sessions with CoA work pending in the outbox (held ones included)",
            registry=self.registry,
        )
        self.coa_held = Gauge(
            "provisiond_coa_held",
            "Disconnects the breaker holds for approval",
            registry=self.registry,
        )
        self.coa_reply_drops = Counter(
            "provisiond_coa_reply_drops",
            "CoA answers dropped, by reason (malformed, unknown_identifier, duplicate, "
            "invalid: wrong code or authenticator)",
            ["reason"],
            registry=self.registry,
        )
