"""RFC 7396 merge patch of a model object, as PATCH in DESIGN.md §1/§7 applies it.

The patch is merged into the object's full dump (secrets included, so an untouched
password or trigger secret survives) and the result is validated as a whole object.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provisiond.model.enums import RadiusKind
from provisiond.model.errors import InvalidError
from provisiond.model.objects import Account
from provisiond.schema.kinds import kind_of
from provisiond.schema.parsing import parse_object, payload_class
from provisiond.schema.payloads import Mode
from provisiond.schema.rendering import dump

if TYPE_CHECKING:
    from collections.abc import Mapping

    from provisiond.model.secret import Secret
    from provisiond.schema.kinds import ModelObject

# Read-only fields ride along from the current object; a new password must still be given.
_PATCH_MODE = Mode(read_only_allowed=True, passwords_required=True)


def merge(target: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """RFC 7396 §2: objects merge key by key, `null` removes, anything else replaces."""
    merged = dict(target)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict):
            existing = merged.get(key)
            merged[key] = merge(existing if isinstance(existing, dict) else {}, value)
        else:
            merged[key] = value
    return merged


def _check_fixed_fields(current: ModelObject, base: dict[str, Any], patch: dict[str, Any]) -> None:
    if "id" in patch and patch["id"] != current.id:
        raise InvalidError("the id of an object cannot change", field="id")
    # A client may send back what it read; only a change to a daemon-owned field is refused.
    cls = payload_class(kind_of(current))
    for name in cls.model_fields:
        if name in cls.read_only and name in patch and patch[name] != base.get(name):
            raise InvalidError("read-only field", field=name)


def _keep_passwords(current: Account, merged: dict[str, Any]) -> None:
    """Give each password entry without a password the stored one of the same username.

    `radius_accounts` is an array, so the patch replaces it whole, and a client cannot send
    back a password it never sees: matching by username is how §1 keeps it. Entries are
    copied, never changed in place: they belong to the caller's patch.
    """
    entries = merged.get("radius_accounts")
    if not isinstance(entries, list):
        return
    stored = {r.username: r.password for r in current.radius_accounts if r.password is not None}
    merged["radius_accounts"] = [_with_password(entry, stored) for entry in entries]


def _with_password(entry: object, stored: Mapping[str, Secret]) -> object:
    if not isinstance(entry, dict) or entry.get("password") is not None:
        return entry
    if entry.get("kind", RadiusKind.PASSWORD.value) != RadiusKind.PASSWORD.value:
        return entry
    username = entry.get("username")
    password = stored.get(username) if isinstance(username, str) else None
    if password is None:
        return entry
    return {**entry, "password": password.reveal()}


def apply_patch(current: ModelObject, patch: object) -> ModelObject:
    """`current` with the merge patch applied, validated as a whole object."""
    if not isinstance(patch, dict):
        raise InvalidError("expected a JSON object")
    base = dump(current, include_secrets=True)
    _check_fixed_fields(current, base, patch)
    merged = merge(base, patch)
    if isinstance(current, Account):
        _keep_passwords(current, merged)
    return parse_object(kind_of(current), merged, mode=_PATCH_MODE, id_optional=False)
