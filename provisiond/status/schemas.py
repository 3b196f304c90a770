"""The `components/schemas` of the OpenAPI document, built from the same pydantic models
that validate the requests, so the description cannot drift from what is enforced.

pydantic puts nested models in `$defs`; they are lifted into `components/schemas` and
every `$ref` points there (`ref_template`). The shapes pydantic does not describe (errors,
lists, `/effective`, audit entries, import counts) are written out here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from provisiond.schema.parsing import PAYLOADS
from provisiond.status.resources import RESOURCES

if TYPE_CHECKING:
    from collections.abc import Iterable

JsonSchema = dict[str, Any]

REF_TEMPLATE: Final = "#/components/schemas/{model}"
AUDIT_ACTIONS: Final = ("create", "update", "delete", "import")


def ref(name: str) -> JsonSchema:
    return {"$ref": REF_TEMPLATE.format(model=name)}


def nullable(type_name: str) -> JsonSchema:
    return {"type": [type_name, "null"]}


def _strings() -> JsonSchema:
    return {"type": "array", "items": {"type": "string"}}


def _object(properties: dict[str, JsonSchema], *, open_: bool = False) -> JsonSchema:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": open_,
    }


ERROR: Final = _object(
    {"error": _object({"message": {"type": "string"}, "field": nullable("string")})}
)

EFFECTIVE: Final = _object(
    {
        "address_lists": {"type": "object", "additionalProperties": _strings()},
        "radius_groups": _strings(),
        "rate_limit": nullable("string"),
        "addresses": _strings(),
        "clashes": {
            "type": "array",
            "items": _object(
                {
                    "device": {"type": "string"},
                    "family": {"type": "integer", "enum": [4, 6]},
                    "list": {"type": "string"},
                    "address": {"type": "string"},
                    "owner_account_id": {"type": "integer"},
                    "loser_account_id": {"type": "integer"},
                }
            ),
        },
        "out_of_scope": {
            "type": "array",
            "items": _object({"device": {"type": "string"}, "prefix": {"type": "string"}}),
        },
    }
)

AUDIT_ENTRY: Final = _object(
    {
        "id": {"type": "integer"},
        "at": {"type": "string", "format": "date-time"},
        "actor": {"type": "string"},
        "action": {"type": "string", "enum": list(AUDIT_ACTIONS)},
        "kind": {"type": "string"},
        "object_id": nullable("integer"),
        "before": {"type": ["object", "null"]},
        "after": {"type": ["object", "null"]},
    }
)

READINESS: Final = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["ready", "waiting"]},
        "devices": _strings(),
    },
    "required": ["status"],
}


def page_of(item: JsonSchema) -> JsonSchema:
    return _object({"items": {"type": "array", "items": item}, "next_after": nullable("integer")})


def _lift(schemas: dict[str, JsonSchema], name: str, schema: JsonSchema) -> None:
    existing = schemas.setdefault(name, schema)
    if existing != schema:
        raise ValueError(f"two different schemas are both named {name}")


def model_schemas(kinds: Iterable[str]) -> tuple[dict[str, str], dict[str, JsonSchema]]:
    """(kind → component name, components) for the pydantic payload of each kind."""
    names: dict[str, str] = {}
    schemas: dict[str, JsonSchema] = {}
    for kind in kinds:
        schema = PAYLOADS[kind].model_json_schema(ref_template=REF_TEMPLATE)
        for name, nested in schema.pop("$defs", {}).items():
            _lift(schemas, name, nested)
        # `AccountIn` validates the request, but the component is the object: `Account`.
        names[kind] = schema["title"].removesuffix("In")
        _lift(schemas, names[kind], schema)
    return names, schemas


def import_document(names: dict[str, str]) -> JsonSchema:
    """The import document: each kind optional, each a list of whole objects."""
    return {
        "type": "object",
        "properties": {kind: {"type": "array", "items": ref(name)} for kind, name in names.items()},
        "additionalProperties": False,
    }


def components() -> tuple[dict[str, str], dict[str, JsonSchema]]:
    """(kind → component name, every component schema) for the whole API."""
    kinds = [resource.kind for resource in RESOURCES]
    # The import document carries scheduled events and vacations too.
    kinds += [kind for kind in PAYLOADS if kind not in kinds]
    names, schemas = model_schemas(kinds)
    fixed = {
        "Error": ERROR,
        "Effective": EFFECTIVE,
        "AuditEntry": AUDIT_ENTRY,
        "AuditPage": page_of(ref("AuditEntry")),
        "Readiness": READINESS,
        "ImportDocument": import_document(names),
        "ImportCounts": {"type": "object", "additionalProperties": {"type": "integer"}},
    }
    for resource in RESOURCES:
        fixed[f"{names[resource.kind]}Page"] = page_of(ref(names[resource.kind]))
    for name, schema in fixed.items():
        _lift(schemas, name, schema)
    return names, schemas
