"""What scheduled events and vacation steps share: their kinds, results and failure path.

Every step runs inside a write job (`Store.transact`), so the account change, the step's
own record and a `scheduled_event.failed` delivery commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from provisiond.model import objects
from provisiond.model.enums import TriggerEvent
from provisiond.schema import codec
from provisiond.store import kinds, mutations, outbox

if TYPE_CHECKING:
    from provisiond.store.context import WriteContext

ACCOUNTS: Final = kinds.spec_of(objects.Account)
EVENTS: Final = kinds.spec_of(objects.ScheduledEvent)
VACATIONS: Final = kinds.spec_of(objects.Vacation)


class StepKind(StrEnum):
    EVENT = "event"
    VACATION_START = "vacation_start"
    VACATION_END = "vacation_end"


@dataclass(frozen=True, slots=True)
class StepResult:
    """One step that ran (or failed); `disconnected`: a `disconnect` event moved the account."""

    kind: StepKind
    id: int
    account_id: int
    error: str | None = None
    disconnected: bool = False


async def raise_failed(
    ctx: WriteContext,
    before: objects.ScheduledEvent | objects.Vacation,
    after: objects.ScheduledEvent | objects.Vacation,
) -> None:
    """Queue `scheduled_event.failed`; `data` holds the event or vacation before and after."""
    await outbox.enqueue(
        ctx.conn,
        event=TriggerEvent.SCHEDULED_EVENT_FAILED,
        account_id=after.account_id,
        data={"before": codec.dump(before), "after": codec.dump(after)},
        occurred_at=ctx.at,
    )


async def move_account(ctx: WriteContext, account: objects.Account) -> None:
    """Write the account like any API write: checked, audited, announced on the feed."""
    await mutations.update(ctx, ACCOUNTS, account)
