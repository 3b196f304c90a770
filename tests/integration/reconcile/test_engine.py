"""The reconciler fed by the real policy engine, as the daemon wires it."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from provisiond.config import ReconcileSettings
from provisiond.drivers import registry
from provisiond.model.device_state import DeviceScope
from provisiond.model.objects import AddressList
from provisiond.reconcile import DeviceState, Reconciler
from provisiond.runtime.clock import SystemClock
from tests.integration.drivers.support import api_settings
from tests.integration.reconcile.support import ADDRESS_LIST, DEVICE, FAST, QUEUES, status, until
from tests.unit.policy.factory import account, dataset, engine

if TYPE_CHECKING:
    from provisiond.lab import LabRouter
    from provisiond.observability.metrics import Metrics
    from provisiond.store import Store


def _rows(router: LabRouter) -> list[tuple[str, str, str]]:
    return sorted((r["list"], r["address"], r["comment"]) for r in router.table(ADDRESS_LIST))


async def test_engine_changes_reach_the_router(
    router: LabRouter, store: Store, metrics: Metrics
) -> None:
    lists = {1: AddressList(1, "everyone")}
    policy = engine(
        dataset(
            address_lists=tuple(lists.values()),
            accounts=(account(1, "100.64.0.1/32"), account(2, "100.64.0.2/32")),
        ),
        devices=[DeviceScope(DEVICE, queues=True)],
    )
    settings = dataclasses.replace(api_settings(router.port), name=DEVICE, queues=True)
    reconciler = Reconciler(
        devices=[settings],
        driver_factory=registry.create,
        desired=policy.desired,
        address_lists=lambda: {list_id: item.name for list_id, item in lists.items()},
        store=store,
        clock=SystemClock(),
        settings=ReconcileSettings(),
        metrics=metrics,
        timing=FAST,
    )
    await reconciler.start()
    try:
        await until(lambda: status(reconciler).state is DeviceState.IN_SYNC)
        assert _rows(router) == [
            ("everyone", "100.64.0.1", "provisiond:1"),
            ("everyone", "100.64.0.2", "provisiond:2"),
        ]
        assert {r["name"] for r in router.table(QUEUES)} == {"provisiond-1", "provisiond-2"}
        ids = {r["address"]: r[".id"] for r in router.table(ADDRESS_LIST)}
        reconciler.notify(policy.put_account(account(2, "100.64.0.2/32", status_id=2)).devices)
        reconciler.notify(policy.put_account(account(3, "100.64.0.3/32")).devices)
        lists[1] = AddressList(1, "subscribers")
        reconciler.notify(policy.put_definition(lists[1]).devices)
        await until(
            lambda: (
                _rows(router)
                == [
                    ("subscribers", "100.64.0.1", "provisiond:1"),
                    ("subscribers", "100.64.0.2", "provisiond:2"),
                    ("subscribers", "100.64.0.3", "provisiond:3"),
                ]
            )
        )
        assert {r["address"]: r[".id"] for r in router.table(ADDRESS_LIST)}.items() >= ids.items()
        await until(
            lambda: {r["name"] for r in router.table(QUEUES)} == {"provisiond-1", "provisiond-3"}
        )
        assert (await reconciler.plan(DEVICE)).is_empty
    finally:
        await reconciler.stop(grace=1.0)
