"""One object's JSON → its model value, with pydantic's errors turned into `InvalidError`."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from pydantic import ValidationError

from provisiond.model.errors import InvalidError
from provisiond.schema.accounts import AccountIn
from provisiond.schema.events import ScheduledEventIn, VacationIn
from provisiond.schema.membership import AddressListIn, RadiusGroupIn
from provisiond.schema.payloads import (
    AccountGroupIn,
    AccountStatusIn,
    AccountTypeIn,
    Mode,
    Payload,
    ServiceIn,
    TriggerIn,
    UsagePolicyIn,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from provisiond.schema.kinds import ModelObject

PAYLOADS: Final[Mapping[str, type[Payload]]] = MappingProxyType(
    {
        "account_statuses": AccountStatusIn,
        "account_types": AccountTypeIn,
        "account_groups": AccountGroupIn,
        "usage_policies": UsagePolicyIn,
        "services": ServiceIn,
        "address_lists": AddressListIn,
        "radius_groups": RadiusGroupIn,
        "triggers": TriggerIn,
        "accounts": AccountIn,
        "scheduled_events": ScheduledEventIn,
        "vacations": VacationIn,
    }
)

# pydantic's wording names its own classes ("instance of BurstIn"); say it in JSON terms.
_MESSAGES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "missing": "required",
        "extra_forbidden": "unknown field",
        "model_type": "must be an object",
        "model_attributes_type": "must be an object",
        "dict_type": "must be an object",
        "list_type": "must be a list",
        "string_type": "must be a string",
        "int_type": "must be an integer",
        "float_type": "must be a number",
        "bool_type": "must be true or false",
    }
)


def payload_class(kind: str) -> type[Payload]:
    try:
        return PAYLOADS[kind]
    except KeyError:
        raise ValueError(f"unknown kind {kind!r}") from None


def translate(exc: ValidationError) -> InvalidError:
    """The first error, at its dotted path (`radius_accounts.0.username`)."""
    first = exc.errors(include_url=False)[0]
    path = ".".join(str(part) for part in first["loc"])
    if first["type"] == "enum":
        message = f"must be one of {first.get('ctx', {}).get('expected', '')}"
    else:
        message = _MESSAGES.get(first["type"], first["msg"])
    return InvalidError(message, field=path or None)


def parse_object(kind: str, payload: object, *, mode: Mode, id_optional: bool) -> ModelObject:
    cls = payload_class(kind)
    if not isinstance(payload, dict):
        raise InvalidError("expected a JSON object")
    try:
        parsed = cls.model_validate(payload)
    except ValidationError as exc:
        raise translate(exc) from exc
    if parsed.id is None and not id_optional:
        raise InvalidError("required", field="id")
    if not mode.read_only_allowed:
        for name in cls.model_fields:
            if name in cls.read_only and name in parsed.model_fields_set:
                raise InvalidError("read-only field", field=name)
    return parsed.build(mode)
