"""What one write job carries along: its connection, who writes, and what it changed.

Mutations add audit records and changed ids as they go; `finish` writes the audit rows
into the same transaction and hands the writer the changes to publish after COMMIT.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from provisiond.model import objects
from provisiond.store import audit, kinds
from provisiond.store.feed import Change
from provisiond.store.writer import Outcome

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncConnection

    from provisiond.store.crypto import SecretColumns
    from provisiond.store.kinds import Model

R = TypeVar("R")


def account_of(obj: Model) -> int | None:
    """The account a change of `obj` concerns directly, if any."""
    if isinstance(obj, objects.Account):
        return obj.id
    if isinstance(obj, objects.ScheduledEvent | objects.Vacation):
        return obj.account_id
    return None


@dataclass(slots=True)
class ChangeSet:
    ids: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    account_ids: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    # The committed version of each object noted (None: deleted), so a subscriber can
    # apply the change without reading the object back.
    committed: dict[str, dict[int, object | None]] = field(
        default_factory=lambda: defaultdict(dict)
    )

    def add(self, kind: str, *versions: Model | None) -> None:
        """Note a change of one object, given its versions before and after."""
        for obj in versions:
            if obj is None:
                continue
            self.ids[kind].add(obj.id)
            account_id = account_of(obj)
            if account_id is not None:
                self.account_ids[kind].add(account_id)

    def freeze(self) -> tuple[Change, ...]:
        return tuple(
            Change(
                kind=spec.name,
                ids=frozenset(self.ids[spec.name]),
                account_ids=frozenset(self.account_ids.get(spec.name, ())),
                committed=dict(self.committed.get(spec.name, {})),
            )
            for spec in kinds.SPECS
            if self.ids.get(spec.name)
        )


@dataclass(slots=True)
class WriteContext:
    conn: AsyncConnection
    secrets: SecretColumns
    actor: str
    at: datetime
    allow_multiple_data_services: bool
    records: list[audit.Record] = field(default_factory=list)
    changes: ChangeSet = field(default_factory=ChangeSet)

    def note(self, action: str, kind: str, *, before: Model | None, after: Model | None) -> None:
        """Record one object's change for the audit log and the change feed."""
        subject = after if after is not None else before
        if subject is None:
            raise ValueError("a change needs a before or an after")
        self.records.append(audit.Record(action, kind, subject.id, before, after))
        self.changes.add(kind, before, after)
        self.changes.committed[kind][subject.id] = after

    async def finish(self, value: R) -> Outcome[R]:
        await audit.write(self.conn, self.records, at=self.at, actor=self.actor)
        return Outcome(value, self.changes.freeze())
