"""The CRUD resources of DESIGN.md §7, one generic implementation over the model kinds.

`/api/v1/<segment>` lists and creates, `/api/v1/<segment>/{id}` reads, merge-patches and
deletes. Write-only fields never leave: responses are `schema.dump` without secrets, the
one exception being a trigger secret the API generated, shown once in the 201.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from provisiond.model.objects import Trigger
from provisiond.schema import codec
from provisiond.status import inputs, keys, writes

if TYPE_CHECKING:
    from collections.abc import Mapping

    from provisiond.schema.kinds import ModelObject

API_ROOT: Final = "/api/v1"
SECRET_BYTES: Final = 32  # of randomness in a generated trigger secret (43 URL-safe chars)
CREATED: Final = 201
NO_CONTENT: Final = 204

# Path segment → plural kind of §1, in the order of the §7 table.
SEGMENTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "account-statuses": "account_statuses",
        "account-types": "account_types",
        "account-groups": "account_groups",
        "usage-policies": "usage_policies",
        "services": "services",
        "address-lists": "address_lists",
        "radius-groups": "radius_groups",
        "triggers": "triggers",
        "accounts": "accounts",
    }
)


@dataclass(frozen=True, slots=True)
class Resource:
    segment: str
    kind: str

    @property
    def cls(self) -> type[ModelObject]:
        return codec.KINDS[self.kind]

    @property
    def collection(self) -> str:
        return f"{API_ROOT}/{self.segment}"

    @property
    def item(self) -> str:
        return f"{self.collection}/{{id}}"

    async def list(self, request: web.Request) -> web.Response:
        page = inputs.page(request)
        store = request.app[keys.API].store
        found = await store.list(self.cls, after=page.after, limit=page.limit)
        items = [codec.dump(obj) for obj in found]
        return web.json_response(
            {"items": items, "next_after": inputs.next_after([o.id for o in found], page)}
        )

    async def create(self, request: web.Request) -> web.Response:
        payload = await inputs.json_object(request)
        generated = _generate_secret(payload) if self.cls is Trigger else None
        obj = codec.parse_create(self.kind, payload)
        writes.check(obj, hooks=writes.webhook_settings(request))
        store = request.app[keys.API].store
        created = await writes.commit(
            request, lambda: store.create(obj, actor=writes.actor(request))
        )
        body = codec.dump(created)
        if generated is not None:
            body["secret"] = generated  # the only time it is ever shown
        location = f"{self.collection}/{created.id}"
        return web.json_response(body, status=CREATED, headers={"Location": location})

    async def get(self, request: web.Request) -> web.Response:
        found = await request.app[keys.API].store.get(self.cls, inputs.path_id(request))
        return web.json_response(codec.dump(found))

    async def patch(self, request: web.Request) -> web.Response:
        object_id = inputs.path_id(request)
        patch = await inputs.json_object(request)
        store = request.app[keys.API].store

        async def write() -> ModelObject:
            # Read inside the write lock: the merge must start from what is stored now.
            updated = codec.apply_patch(await store.get(self.cls, object_id), patch)
            writes.check(updated, hooks=writes.webhook_settings(request))
            return await store.update(updated, actor=writes.actor(request))

        return web.json_response(codec.dump(await writes.commit(request, write)))

    async def delete(self, request: web.Request) -> web.Response:
        object_id = inputs.path_id(request)
        store = request.app[keys.API].store
        await writes.commit(
            request, lambda: store.delete(self.cls, object_id, actor=writes.actor(request))
        )
        return web.Response(status=NO_CONTENT)


def _generate_secret(payload: dict[str, Any]) -> str | None:
    """A trigger created without a secret gets one (DESIGN.md §1), made here."""
    if payload.get("secret") is not None:
        return None
    generated = secrets.token_urlsafe(SECRET_BYTES)
    payload["secret"] = generated
    return generated


RESOURCES: Final = tuple(Resource(segment, kind) for segment, kind in SEGMENTS.items())


def add_routes(app: web.Application) -> None:
    for resource in RESOURCES:
        app.router.add_get(resource.collection, resource.list)
        app.router.add_post(resource.collection, resource.create)
        app.router.add_get(resource.item, resource.get)
        app.router.add_patch(resource.item, resource.patch)
        app.router.add_delete(resource.item, resource.delete)
