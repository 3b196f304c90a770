"""The import/export document of DESIGN.md §3: one JSON object, a list per kind."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provisiond.model.errors import InvalidError
from provisiond.model.objects import Dataset
from provisiond.schema.kinds import KINDS
from provisiond.schema.parsing import parse_object
from provisiond.schema.payloads import Mode
from provisiond.schema.rendering import dump

if TYPE_CHECKING:
    from provisiond.schema.kinds import ModelObject


def _prefixed(exc: InvalidError, prefix: str) -> InvalidError:
    field = prefix if exc.field is None else f"{prefix}.{exc.field}"
    return InvalidError(exc.message, field=field)


def _parse_kind(kind: str, items: object, mode: Mode) -> tuple[ModelObject, ...]:
    if not isinstance(items, list):
        raise InvalidError("must be a list", field=kind)
    parsed: list[ModelObject] = []
    seen: set[int] = set()
    for index, item in enumerate(items):
        try:
            obj = parse_object(kind, item, mode=mode, id_optional=False)
        except InvalidError as exc:
            raise _prefixed(exc, f"{kind}.{index}") from exc
        if obj.id in seen:
            raise InvalidError(f"id {obj.id} appears twice", field=f"{kind}.{index}.id")
        seen.add(obj.id)
        parsed.append(obj)
    return tuple(parsed)


def parse_dataset(payload: object, *, importing: bool = True) -> Dataset:
    """Validate a whole import document; every object must carry its id.

    With `importing`, read-only fields are accepted and a "password" RADIUS entry may come
    without its password (an export made without secrets): the store then keeps the stored
    password of that username, or refuses a username it does not know.
    """
    if not isinstance(payload, dict):
        raise InvalidError("expected a JSON object")
    for key in payload:
        if key not in KINDS:
            raise InvalidError("unknown kind", field=str(key))
    mode = Mode(read_only_allowed=importing, passwords_required=not importing)
    # Each `_parse_kind` result holds only its own kind's class; KINDS pairs them.
    parts: dict[str, Any] = {
        kind: _parse_kind(kind, payload[kind], mode) for kind in KINDS if kind in payload
    }
    return Dataset(**parts)


def dump_dataset(ds: Dataset, *, include_secrets: bool) -> dict[str, Any]:
    """Every kind's key, in import order, each a list of API-shaped objects."""
    return {
        kind: [dump(obj, include_secrets=include_secrets) for obj in getattr(ds, kind)]
        for kind in KINDS
    }
