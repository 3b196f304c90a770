"""The device state machine: which state shows, what is logged once, readiness (§7)."""

from __future__ import annotations

from datetime import UTC, datetime

from provisiond.reconcile.state import DeviceState, DeviceStatus, Health

AT = datetime(2026, 1, 1, tzinfo=UTC)


def _state(health: Health) -> DeviceState:
    return health.state  # through a call: mypy would keep a property's narrowed value


def _converged(now: float = 0.0) -> Health:
    health = Health(now)
    health.synced(AT, full=True, refused=None)
    return health


def test_a_device_is_syncing_until_its_first_full_sync() -> None:
    health = Health(0.0)
    assert _state(health) is DeviceState.SYNCING
    health.synced(AT, full=False, refused=None)
    assert _state(health) is DeviceState.SYNCING
    health.synced(AT, full=True, refused=None)
    assert _state(health) is DeviceState.IN_SYNC
    assert health.last_sync_at == AT


def test_an_outage_is_reported_once_and_so_is_its_end() -> None:
    health = _converged()
    assert health.lost("connection refused", 10.0) is True
    assert health.lost("connection refused", 12.0) is False
    assert _state(health) is DeviceState.UNREACHABLE
    assert health.last_error == "connection refused"
    assert health.reached(15.0) == 5.0
    assert health.reached(16.0) is None
    # Reachable again, but nothing is known until the full resync after it completes.
    assert _state(health) is DeviceState.SYNCING
    health.synced(AT, full=True, refused=None)
    assert _state(health) is DeviceState.IN_SYNC
    assert health.last_error is None


def test_a_permanent_error_is_new_only_when_it_changes() -> None:
    health = _converged()
    assert health.broken("login refused", 1.0) is True
    assert health.broken("login refused", 2.0) is False
    assert _state(health) is DeviceState.ERROR
    health.reached(3.0)
    assert _state(health) is DeviceState.ERROR  # until a full sync succeeds
    health.synced(AT, full=True, refused=None)
    assert _state(health) is DeviceState.IN_SYNC


def test_the_states_in_order_of_precedence() -> None:
    health = _converged()
    health.held = True
    assert _state(health) is DeviceState.HELD
    health.synced(AT, full=False, refused="bad value")
    assert _state(health) is DeviceState.ERROR
    health.unsettle(1.0)
    assert _state(health) is DeviceState.SYNCING
    health.broken("refused", 1.0)
    assert _state(health) is DeviceState.ERROR
    health.lost("timed out", 2.0)
    assert _state(health) is DeviceState.UNREACHABLE


def test_a_clean_full_sync_clears_refusals_an_incremental_one_does_not() -> None:
    health = _converged()
    health.synced(AT, full=False, refused="bad value")
    health.synced(AT, full=False, refused=None)
    assert _state(health) is DeviceState.ERROR
    health.synced(AT, full=True, refused=None)
    assert _state(health) is DeviceState.IN_SYNC


def test_readiness_waits_for_syncing_devices_up_to_the_timeout() -> None:
    health = Health(100.0)
    assert not health.ready(130.0, 60.0)
    assert health.ready(160.5, 60.0)
    health.synced(AT, full=True, refused=None)
    assert health.ready(101.0, 60.0)
    # Syncing again (a reboot) counts from then, not from the start.
    health.unsettle(200.0)
    assert not health.ready(230.0, 60.0)
    health.lost("down", 231.0)
    assert health.ready(231.0, 60.0)
    health.broken("x", 232.0)
    assert health.ready(232.0, 60.0)


def test_the_status_json_is_the_contract_shape() -> None:
    status = DeviceStatus("core-1", "routeros", DeviceState.HELD, AT, 3, 10, 1, None)
    assert status.as_json() == {
        "name": "core-1",
        "platform": "routeros",
        "state": "held",
        "last_sync_at": "2026-01-01T00:00:00+00:00",
        "pending_changes": 3,
        "owned_entries": 10,
        "blocked_entries": 1,
        "last_error": None,
    }
