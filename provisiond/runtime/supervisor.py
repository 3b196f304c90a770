"""Named, guarded background tasks and their orderly stop (STYLE.md §5.11).

Every long-lived task runs under `Supervisor.start`. A task that raises or returns when
it should run forever is logged once and ends the daemon with a failure, so systemd's
`Restart=` takes over instead of a half-working process limping on.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    TaskFactory = Callable[[], Coroutine[object, object, None]]

log = logging.getLogger(__name__)


class TaskFailedError(RuntimeError):
    """A supervised task crashed or ended on its own; `__cause__` holds why."""


class Supervisor:
    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.stopping = asyncio.Event()
        self.failure: TaskFailedError | None = None

    def start(self, name: str, factory: TaskFactory, *, oneshot: bool = False) -> None:
        """Run `factory()` under guard; only a `oneshot` task may return on its own."""
        if name in self._tasks:
            raise ValueError(f"a task named {name!r} is already running")
        task = asyncio.create_task(self._guard(name, factory, oneshot=oneshot), name=name)
        self._tasks[name] = task
        if oneshot:
            task.add_done_callback(lambda _: self._tasks.pop(name, None))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._tasks)

    async def _guard(self, name: str, factory: TaskFactory, *, oneshot: bool) -> None:
        try:
            await factory()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("task %s crashed", name)
            self._fail(TaskFailedError(f"task {name} crashed: {exc}"), exc)
        else:
            if not oneshot and not self.stopping.is_set():
                log.error("task %s ended unexpectedly", name)
                self._fail(TaskFailedError(f"task {name} ended unexpectedly"), None)

    def _fail(self, error: TaskFailedError, cause: BaseException | None) -> None:
        error.__cause__ = cause
        if self.failure is None:
            self.failure = error
        self.stopping.set()

    async def stop(self, *, grace: float) -> None:
        """Cancel every task and wait up to `grace` seconds for them to finish."""
        self.stopping.set()
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                log.error("task %s did not stop within %.1fs", task.get_name(), grace)
        self._tasks.clear()
