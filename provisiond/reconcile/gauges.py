"""One device's view of the metrics declared in `observability.metrics`, labels bound once."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from provisiond.drivers import OutcomeKind
from provisiond.reconcile.state import DeviceState

if TYPE_CHECKING:
    from datetime import datetime

    from provisiond.drivers import ApplyResult
    from provisiond.observability.metrics import Metrics
    from provisiond.reconcile.state import Health


class DeviceMetrics:
    def __init__(self, metrics: Metrics, device: str) -> None:
        self._metrics = metrics
        self._device = device
        self._owned = metrics.device_owned_entries.labels(device=device)
        self._pending = metrics.device_pending_changes.labels(device=device)
        self._blocked = metrics.device_blocked_entries.labels(device=device)
        self._success = metrics.device_last_success.labels(device=device)
        self._apply = metrics.device_apply_duration.labels(device=device)
        self._reboots = metrics.device_reboots.labels(device=device)
        self._states = {
            state: metrics.device_state.labels(device=device, state=str(state))
            for state in DeviceState
        }

    def show(self, health: Health) -> None:
        self._owned.set(health.owned)
        self._pending.set(health.pending)
        self._blocked.set(health.blocked)
        current = health.state
        for state, gauge in self._states.items():
            gauge.set(1 if state is current else 0)

    def synced(self, kind: str, outcome: str) -> None:
        self._metrics.device_syncs.labels(device=self._device, kind=kind, outcome=outcome).inc()

    def failed(self, error: str) -> None:
        self._metrics.device_sync_failures.labels(device=self._device, error=error).inc()

    def succeeded(self, at: datetime) -> None:
        self._success.set(at.timestamp())

    def applied(self, result: ApplyResult, seconds: float) -> None:
        self._apply.observe(seconds)
        ops = Counter(o.change.op for o in result.outcomes if o.kind is OutcomeKind.APPLIED)
        for op, count in ops.items():
            self._metrics.device_changes.labels(device=self._device, op=str(op)).inc(count)

    def rebooted(self) -> None:
        self._reboots.inc()
