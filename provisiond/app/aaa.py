"""The RADIUS side of a running daemon: the AAA server, the CoA sender and the CoA relay.

They share the open sessions (the server's book, changed only through its accounting
writer), one CoA requester (the sockets CoA goes out of) and one dictionary, so they
are built, started, reloaded and stopped together, in the order that keeps every
session change on the writer:

    start: server (lock, sockets, accounting) → CoA sender (outbox) → relay (its port)
    stop:  relay (no new relayed work) → CoA sender (in-flight work finishes or stays in
           the outbox) → server (answers the accounting it took) → requester sockets
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from provisiond.radius.clients import NasTable
from provisiond.radius.coa_requester import CoaRequester, coa_targets
from provisiond.radius.coa_sender import CoaSender
from provisiond.radius.dictionary import load_dictionary
from provisiond.radius.relay import CoaRelay
from provisiond.radius.server import RadiusServer

if TYPE_CHECKING:
    from collections.abc import Mapping

    from provisiond import config
    from provisiond.app.live import LiveState
    from provisiond.model.clock import Clock
    from provisiond.observability.metrics import Metrics
    from provisiond.radius.acct_writer import UsageMeter
    from provisiond.store import Store

log = logging.getLogger(__name__)


def coa_triggers(settings: config.Settings) -> dict[str, frozenset[str]]:
    """`coa_on` of every `[device.nas]`, by device name."""
    return {
        device.name: frozenset(trigger.value for trigger in device.nas.coa_on)
        for device in settings.devices
        if device.nas is not None
    }


class Aaa:
    """Owns the RadiusServer, the CoaSender, the CoaRelay and their shared requester."""

    def __init__(
        self,
        *,
        settings: config.Settings,
        store: Store,
        live: LiveState,
        clock: Clock,
        metrics: Metrics,
        usage: UsageMeter | None = None,
    ) -> None:
        """`usage` counts each accounting batch's traffic in the batch's own commit."""
        dictionary = load_dictionary()
        self.server = RadiusServer(
            settings=settings.radius,
            nas_table=NasTable.from_devices(settings.devices),
            state_dir=settings.state_dir,
            engine=live,  # asks whichever engine is current, so a rebuild needs no hand-over
            store=store,
            clock=clock,
            metrics=metrics,
            on_sessions_changed=live.set_sessions,
            dictionary=dictionary,
            usage=usage,
        )
        self.requester = CoaRequester(clock=clock, metrics=metrics)
        targets = coa_targets(settings.devices)
        self.coa = CoaSender(
            settings=settings.coa,
            targets=targets,
            coa_on=coa_triggers(settings),
            book=self.server.book,
            control=self.server.control,
            authorizer=live,
            dictionary=dictionary,
            requester=self.requester,
            store=store,
            clock=clock,
            metrics=metrics,
        )
        self.relay = CoaRelay(
            settings=settings.radius,
            coa=settings.coa,
            targets=targets,
            book=self.server.book,
            control=self.server.control,
            requester=self.requester,
            clock=clock,
            metrics=metrics,
            dictionary=dictionary,
        )
        self._started: list[str] = []

    async def start(self) -> None:
        """Raises `RadiusBindError` when a port or the lock is taken; what did start is
        left for `stop`."""
        await self.server.start()
        self._started.append("server")
        await self.coa.start()
        self._started.append("coa")
        await self.relay.start()
        self._started.append("relay")

    async def stop(self, grace: float) -> None:
        if "relay" in self._started:
            await self.relay.stop()
        if "coa" in self._started:
            await self.coa.stop(grace)
        if "server" in self._started:
            await self.server.stop()
        self._started.clear()
        self.requester.close()

    def account_reasons(self, reasons: Mapping[int, frozenset[str]]) -> None:
        """The live state's report of why accounts changed: CoA for their sessions."""
        for account_id, why in reasons.items():
            self.coa.account_changed(account_id, why)

    def update(self, settings: config.Settings) -> None:
        """A reload: clients, secrets, CoA targets, timeouts and triggers."""
        targets = coa_targets(settings.devices)
        self.server.update(settings.radius, NasTable.from_devices(settings.devices))
        self.coa.update(settings.coa, targets, coa_triggers(settings))
        self.relay.update(settings.radius, targets, settings.coa)
