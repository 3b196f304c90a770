"""What `apply` reports per change, and the RouterOS trap texts that mean "already done".

RouterOS gives the traps for a duplicate entry and a missing `.id` no category of their
own, so their words are the only signal. They are matched here, as data, and nowhere
else (STYLE.md §5.5-5.6). Such a trap is not a failure: the device already is the way the
change wanted it (an add whose key exists, a remove of an entry that is gone), or the
entry a set aimed at has gone. Either way the driver's picture of the device was stale,
so the outcome asks for a re-observe.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from provisiond.drivers.errors import (
    ApplyInterruptedError,
    RejectedChange,
    TemporaryDriverError,
    Trap,
)
from provisiond.plan import Change, Op

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence


class OutcomeKind(StrEnum):
    APPLIED = "applied"
    PRESENT = "present"  # an add found its key taken: `already have such entry` / `name`
    GONE = "gone"  # a set or remove found no such `.id`
    REJECTED = "rejected"  # any other trap


# (op, words the trap message contains, what it means). The only message matching in the
# drivers: RouterOS signals these outcomes by text alone (reference/protocols.md §1.7-1.8).
KNOWN_TRAPS: Final[tuple[tuple[Op, str, OutcomeKind], ...]] = (
    (Op.ADD, "already have such entry", OutcomeKind.PRESENT),
    (Op.ADD, "already have such name", OutcomeKind.PRESENT),
    (Op.SET, "no such item", OutcomeKind.GONE),
    (Op.REMOVE, "no such item", OutcomeKind.GONE),
)


def trap_kind(op: Op, message: str) -> OutcomeKind:
    """What a trap on a change of `op` means: an idempotent outcome, or a rejection."""
    for known_op, words, kind in KNOWN_TRAPS:
        if op is known_op and words in message:
            return kind
    return OutcomeKind.REJECTED


@dataclass(frozen=True, slots=True)
class ChangeOutcome:
    """One change's fate. `entry_id`: the new `.id` of an add, the target of a set/remove."""

    change: Change
    kind: OutcomeKind
    entry_id: str | None = None
    trap: Trap | None = None

    @property
    def needs_reobserve(self) -> bool:
        """The device was not as observed: the mirror of its entries is stale."""
        return self.kind in (OutcomeKind.PRESENT, OutcomeKind.GONE)

    @property
    def error(self) -> RejectedChange | None:
        if self.kind is not OutcomeKind.REJECTED or self.trap is None:
            return None
        return RejectedChange(self.change, self.trap)


def outcome_of(change: Change, trap: Trap | None, new_id: str | None) -> ChangeOutcome:
    """The outcome of a change the device answered: no trap, or a classified trap."""
    if trap is None:
        entry_id = new_id if change.op is Op.ADD else change.target_id
        return ChangeOutcome(change, OutcomeKind.APPLIED, entry_id=entry_id or None)
    return ChangeOutcome(change, trap_kind(change.op, trap.message), change.target_id, trap)


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """Every change's outcome, in the order the changes were given."""

    outcomes: tuple[ChangeOutcome, ...] = ()

    @property
    def applied(self) -> tuple[ChangeOutcome, ...]:
        return self._of(OutcomeKind.APPLIED)

    @property
    def rejected(self) -> tuple[RejectedChange, ...]:
        return tuple(o.error for o in self.outcomes if o.error is not None)

    @property
    def needs_reobserve(self) -> bool:
        """True when any change found the device other than observed, or was refused."""
        return any(o.needs_reobserve or o.kind is OutcomeKind.REJECTED for o in self.outcomes)

    def _of(self, kind: OutcomeKind) -> tuple[ChangeOutcome, ...]:
        return tuple(o for o in self.outcomes if o.kind is kind)


def phases(changes: Sequence[Change]) -> Iterator[list[Change]]:
    """Runs of consecutive changes with the same op, in order.

    A plan orders sets, then adds, then removes so that a renamed entry has moved before
    anything else and a new entry exists before the old one goes (docs/plan.md). Changes of
    one phase are independent and may be pipelined; the next phase starts only once the
    device has answered every change of the previous one.
    """
    for _, run in itertools.groupby(changes, key=lambda change: change.op):
        yield list(run)


async def apply_phases(
    changes: Sequence[Change],
    apply_phase: Callable[[list[Change], list[ChangeOutcome]], Awaitable[None]],
) -> ApplyResult:
    """Apply `changes` phase by phase; `apply_phase(phase, done)` appends what the device
    answered to `done`. A failed connection is an `ApplyInterruptedError` that carries
    what was confirmed before it."""
    done: list[ChangeOutcome] = []
    try:
        for phase in phases(changes):
            await apply_phase(phase, done)
    except TemporaryDriverError as exc:
        raise ApplyInterruptedError(str(exc), result=ApplyResult(tuple(done))) from exc
    return ApplyResult(tuple(done))


def merged(results: Iterable[ApplyResult]) -> ApplyResult:
    return ApplyResult(tuple(o for result in results for o in result.outcomes))
