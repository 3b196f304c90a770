"""JSON shapes of DESIGN.md §1/§7: validation of API and import payloads, and dumping."""

from provisiond.schema.codec import (
    KINDS,
    ModelObject,
    apply_patch,
    dump,
    dump_dataset,
    kind_of,
    parse_create,
    parse_dataset,
)

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
