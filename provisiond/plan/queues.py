"""Simple queues: identity `name` (`<prefix>-<account_id>`), compared: rates, target, comment.

RouterOS reads rates back in bit/s and host targets with `/32`, and shows a queue without
burst as `0/0`; both sides are normalised before comparing (protocols.md §1.8), so a queue
written as `2M/10M` is not rewritten on every sync. A set carries only what differs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from provisiond.model.device_state import QUEUE_PATH
from provisiond.plan import matching, normalise, ownership
from provisiond.plan.changes import Reason

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from provisiond.model.device_state import ObservedEntry, QueueEntry

_NORMALISE: Final[Mapping[str, Callable[[str | None], str]]] = {
    "target": normalise.target,
    "max-limit": normalise.rates,
    "burst-limit": normalise.rates,
    "burst-threshold": normalise.rates,
    "burst-time": normalise.durations,
    "comment": normalise.text,
}
COMPARED: Final = tuple(_NORMALISE)
# What a set writes to clear a burst the desired queue does not have.
_CLEARED: Final = {"burst-limit": "0/0", "burst-threshold": "0/0", "burst-time": "0s/0s"}


def _updates(entry: ObservedEntry, attrs: Mapping[str, str]) -> dict[str, str]:
    written = {attr: attrs.get(attr, _CLEARED.get(attr, "")) for attr in COMPARED}
    differ = {
        attr: value
        for attr, value in written.items()
        if _NORMALISE[attr](value) != _NORMALISE[attr](entry.attrs.get(attr))
    }
    return differ | matching.enable(entry)


KIND: Final = matching.Kind(identity=("name",), updates=_updates)


def attrs(queue: QueueEntry, prefix: str) -> dict[str, str]:
    """Every attribute an add writes; burst fields only when the service has a burst."""
    burst = {
        "burst-limit": queue.burst_limit,
        "burst-threshold": queue.burst_threshold,
        "burst-time": queue.burst_time,
    }
    return {
        "name": queue.name,
        "target": queue.target,
        "max-limit": queue.max_limit,
        **{attr: value for attr, value in burst.items() if value is not None},
        "comment": ownership.comment(prefix, queue.account_id),
    }


def wanted(queues: Iterable[QueueEntry], prefix: str) -> dict[str, matching.Wanted]:
    return {
        queue.name: matching.Wanted(
            path=QUEUE_PATH, attrs=attrs(queue, prefix), account_id=queue.account_id
        )
        for queue in queues
    }


def _name(entry: ObservedEntry) -> str:
    return entry.attrs.get("name", "")


def diff(
    desired: Iterable[QueueEntry], observed: Iterable[ObservedEntry], *, prefix: str
) -> matching.Outcome:
    want = wanted(desired, prefix)
    table = matching.partition(
        (e for e in observed if e.path == QUEUE_PATH), key=_name, prefix=prefix
    )
    handled = [
        matching.removal(entry, KIND, Reason.NOT_DESIRED)
        for entry in matching.leftovers(want, table)
    ]
    return matching.outcome(want, table, KIND, handled=handled)
