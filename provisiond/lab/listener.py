"""`Listener`: what the lab's servers (`LabRouter`, `LabSshServer`) share: `async with`
starts and stops one, and `port` is where it listens once started."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, ClassVar, Self

from provisiond.lab.errors import LabError

if TYPE_CHECKING:
    from types import TracebackType


class Listener(abc.ABC):
    NAME: ClassVar[str]  # for errors: "lab router"
    _port: int  # 0 until started on "any free port"

    @abc.abstractmethod
    async def start(self) -> None: ...

    @abc.abstractmethod
    async def stop(self) -> None: ...

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if not self._port:
            raise LabError(f"the {self.NAME} has not been started")
        return self._port
