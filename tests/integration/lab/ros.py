"""librouteros as the lab's client, behind small typed helpers (the library has no types)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import librouteros
from librouteros.exceptions import LibRouterosError
from librouteros.query import Key

if TYPE_CHECKING:
    import ssl

    from provisiond.lab import LabRouter

PASSWORD = "lab-secret"
Row = dict[str, object]


class Client:
    """One librouteros `AsyncApi` connection; paths are written `/ip/firewall/address-list`."""

    def __init__(self, api: Any) -> None:
        self._api = api

    @classmethod
    async def connect(
        cls,
        router: LabRouter,
        *,
        username: str = "admin",
        password: str = PASSWORD,
        ssl_context: ssl.SSLContext | None = None,
        io_timeout: float = 5.0,
    ) -> Client:
        api = await librouteros.async_connect(
            "127.0.0.1",
            username,
            password,
            port=router.port,
            encoding="utf-8",
            ssl_wrapper=ssl_context,
            timeout=io_timeout,
        )
        return cls(api)

    def _path(self, path: str) -> Any:
        return self._api.path(*path.strip("/").split("/"))

    async def add(self, path: str, **attrs: str) -> str:
        return str(await self._path(path).add(**attrs))

    async def update(self, path: str, entry_id: str, **attrs: str) -> None:
        await self._path(path).update(**{".id": entry_id}, **attrs)

    async def remove(self, path: str, *ids: str) -> None:
        await self._path(path).remove(*ids)

    async def print(self, path: str, *keys: str, **where: str) -> list[Row]:
        """`print`, with `.proplist` from `keys` and one `?name=value` query per `where` item."""
        query = self._path(path).select(*(Key(key) for key in keys))
        if where:
            query = query.where(*(Key(name) == value for name, value in where.items()))
        return [dict(row) async for row in query]

    async def call(self, path: str, command: str, **attrs: str) -> list[Row]:
        return [dict(row) async for row in self._path(path)(command, **attrs)]

    async def close(self) -> None:
        # The router may already have dropped the connection; closing is then a no-op.
        with contextlib.suppress(ConnectionError, LibRouterosError, TimeoutError):
            await self._api.close()
