"""schemathesis against `/api/v1/openapi.json` of a running `StatusServer`.

Every operation the document describes gets generated requests, valid and invalid, sent
with the admin token to a real server over a real SQLite store; each answer must be no
5xx and must match the document (status, content type, body schema). schemathesis calls
synchronously, so the server runs on its own event loop in a thread.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from typing import TYPE_CHECKING, Any, Final

import hypothesis
import pytest

# Locally a missing schemathesis skips this module; in CI (the `test` extra) it must be there.
if os.environ.get("CI") != "true":
    pytest.importorskip("schemathesis")

import schemathesis
from schemathesis import checks
from schemathesis.specs.openapi import checks as openapi_checks

from provisiond.model.device_state import DeviceScope
from provisiond.model.objects import AccountStatus
from provisiond.observability.metrics import Metrics
from provisiond.policy.engine import PolicyEngine, PolicySettings
from provisiond.runtime.clock import SystemClock
from provisiond.schema.fields import MAX_INT64
from provisiond.status import ApiContext, StatusServer, openapi
from provisiond.store import Store
from tests.integration.status.conftest import DEVICE, Daemon, status_settings
from tests.integration.status.fakes import FakeCoa, held_row, session_row, store_sessions
from tests.integration.status.support import ADMIN

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from schemathesis import Case

    from tests.integration.status.support import Client

pytestmark = pytest.mark.timeout(60)

AUTHORIZATION: Final = {"Authorization": f"Bearer {ADMIN}"}
LAST_COA: Final = {"at": "2026-03-01T12:04:00Z", "result": "ack", "error_cause": None}
EXAMPLES: Final = 25  # per operation; ~60 operations stay well under a minute in all
START_TIMEOUT: Final = 10.0  # seconds for the server thread to listen


class LiveServer:
    """A `StatusServer` over a fresh SQLite store, served from a thread of its own."""

    def __init__(self, database: Path) -> None:
        self._database = database
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="schemathesis-server")
        self.url = ""

    def __enter__(self) -> LiveServer:
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT) or not self.url:
            pytest.fail("the status server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(START_TIMEOUT)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        finally:
            self._ready.set()  # a failed start must not leave the fixture waiting

    async def _serve(self) -> None:
        clock = SystemClock()
        store = await Store.open(f"sqlite:///{self._database}", clock=clock)
        try:
            daemon = await _seeded_daemon(store)
            api = ApiContext(
                store=store,
                engine=lambda: daemon.engine,
                clock=clock,
                readiness=daemon.readiness,
                wait_applied=daemon.wait_applied,
                # One stored session and one held Disconnect, so their answers are checked
                # against the document with items in them.
                sessions=await store_sessions(store, [session_row(1, last_coa=LAST_COA)]),
                coa=FakeCoa(open_ids={1}, holding=[held_row(1)]),
            )
            server = StatusServer(settings=status_settings(), api=api, metrics=Metrics())
            await server.start()
            try:
                await self._until_stopped(f"http://127.0.0.1:{server.bound_port}")
            finally:
                await server.stop()
        finally:
            await store.close()

    async def _until_stopped(self, url: str) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        self.url = url
        self._ready.set()
        await self._stop.wait()


async def _seeded_daemon(store: Store) -> Daemon:
    """Status 1 exists, so generated accounts naming it can be created, not just refused."""
    await store.create(AccountStatus(1, "Active", activates_account=True), actor="seed")
    engine = PolicyEngine(settings=PolicySettings(), devices=[DeviceScope(DEVICE)])
    engine.load(await store.load())
    return Daemon(store, engine)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("schemathesis") / "p.db") as server:
        yield server


def test_the_running_server_serves_the_document_under_test(live_server: LiveServer) -> None:
    served = schemathesis.openapi.from_url(
        f"{live_server.url}/api/v1/openapi.json", headers=AUTHORIZATION, timeout=10
    )
    assert served.raw_schema == json.loads(json.dumps(openapi.document()))


# Built from the same code the server answers `/api/v1/openapi.json` with (the test above
# holds them equal): schemathesis' `from_fixture`, which would load it from the running
# server, fails under pytest 9 (`'Function' object has no attribute '_nodeid'`).
api = schemathesis.openapi.from_dict(openapi.document())
CHECKS: Final = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
]


@api.parametrize()
@hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_the_api_matches_its_document(case: Case[Any], live_server: LiveServer) -> None:
    case.call_and_validate(
        base_url=live_server.url, headers=AUTHORIZATION, checks=CHECKS, timeout=10
    )


async def test_a_create_after_the_highest_id_is_taken_is_a_conflict(client: Client) -> None:
    """Found by schemathesis: the next generated id overflowed 64 bits, a 500."""
    await client.create(
        "account-statuses", {"id": MAX_INT64, "name": "Last", "activates_account": False}
    )
    reply = await client.post(
        "/api/v1/account-statuses", {"name": "One more", "activates_account": False}
    )
    assert reply.status == 409
    assert reply.error["message"] == f"no account_statuses id is left: {MAX_INT64} is taken"
