"""pydantic shapes of scheduled events and vacations (DESIGN.md §1, §6).

Their outcome fields (`complete`, `error`, a vacation's `saved_*` and `state`) are written
by the daemon; an API create may not set them, an import may (`Payload.read_only`).
No `from __future__ import annotations`: pydantic reads these annotations.
"""

from typing import Annotated, ClassVar, Final

from pydantic import Field, StrictBool, StrictStr

from provisiond.model.enums import EventAction, VacationState
from provisiond.model.errors import InvalidError
from provisiond.model.objects import ScheduledEvent, Vacation
from provisiond.schema.fields import Id, Timestamp
from provisiond.schema.payloads import Mode, Payload

# The actions that act on a status or a service, which `object_id` names.
_NEEDS_OBJECT: Final = frozenset(
    {
        EventAction.CHANGE_STATUS,
        EventAction.ADD_SERVICE,
        EventAction.REMOVE_SERVICE,
        EventAction.SWAP_SERVICE,
        EventAction.DISCONNECT,
    }
)


class ScheduledEventIn(Payload):
    read_only: ClassVar[frozenset[str]] = frozenset({"complete", "error"})

    account_id: Id
    at: Timestamp
    action: Annotated[EventAction, Field(strict=False)]
    object_id: Id | None = None
    replacement_id: Id | None = None
    complete: StrictBool = False
    error: StrictStr | None = None

    def build(self, mode: Mode) -> ScheduledEvent:  # noqa: ARG002 - one signature for all kinds
        if self.action in _NEEDS_OBJECT and self.object_id is None:
            raise InvalidError(f"required for {self.action.value}", field="object_id")
        swap = self.action is EventAction.SWAP_SERVICE
        if swap and self.replacement_id is None:
            raise InvalidError("required for swap_service", field="replacement_id")
        if not swap and self.replacement_id is not None:
            raise InvalidError("only swap_service takes a replacement_id", field="replacement_id")
        return ScheduledEvent(
            id=self.id_or_zero,
            account_id=self.account_id,
            at=self.at,
            action=self.action,
            object_id=self.object_id,
            replacement_id=self.replacement_id,
            complete=self.complete,
            error=self.error,
        )


class VacationIn(Payload):
    read_only: ClassVar[frozenset[str]] = frozenset(
        {"saved_status_id", "saved_service_id", "state", "error"}
    )

    account_id: Id
    start: Timestamp
    end: Timestamp
    status_id: Id
    service_id: Id
    saved_status_id: Id | None = None
    saved_service_id: Id | None = None
    state: Annotated[VacationState, Field(strict=False)] = VacationState.SCHEDULED
    error: StrictStr | None = None

    def build(self, mode: Mode) -> Vacation:  # noqa: ARG002 - one signature for all kinds
        if self.end <= self.start:
            raise InvalidError("must be after start", field="end")
        return Vacation(
            id=self.id_or_zero,
            account_id=self.account_id,
            start=self.start,
            end=self.end,
            status_id=self.status_id,
            service_id=self.service_id,
            saved_status_id=self.saved_status_id,
            saved_service_id=self.saved_service_id,
            state=self.state,
            error=self.error,
        )
