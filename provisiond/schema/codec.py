"""The public face of `provisiond.schema`: model objects to and from the JSON of §1/§3/§7.

Every validation failure is an `InvalidError` whose `field` is a dotted path relative to
the object (`radius_accounts.0.username`), or, in a dataset, prefixed with the kind and
index (`accounts.3.ip_assignments.0`); input that is not a JSON object has field None.
"""

from __future__ import annotations

from provisiond.schema.dataset import dump_dataset, parse_dataset
from provisiond.schema.kinds import KINDS, ModelObject, kind_of
from provisiond.schema.parsing import parse_object
from provisiond.schema.patch import apply_patch
from provisiond.schema.payloads import Mode
from provisiond.schema.rendering import dump

__all__ = [
    "KINDS",
    "ModelObject",
    "apply_patch",
    "dump",
    "dump_dataset",
    "kind_of",
    "parse_create",
    "parse_dataset",
]


def parse_create(
    kind: str, payload: object, *, id_optional: bool = True, importing: bool = False
) -> ModelObject:
    """Validate a create payload of `kind` (a key of `KINDS`); a missing id is built as 0.

    `importing` accepts the read-only fields (import carries whole objects) and a
    "password" RADIUS entry without its password (see `parse_dataset`).
    """
    mode = Mode(read_only_allowed=importing, passwords_required=not importing)
    return parse_object(kind, payload, mode=mode, id_optional=id_optional)
