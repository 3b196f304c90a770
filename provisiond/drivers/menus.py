"""The menus provisiond reads, declared as data: what each print asks for and how.

Address lists are printed one list at a time (`?list=NAME`), never the whole menu: a
router's address-list menu also holds other people's lists, often far larger than ours
(reference/protocols.md §1.9). Every print names its properties (`.proplist`), so the
router computes nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from provisiond.model.device_state import ADDRESS_LIST_PATH, QUEUE_PATH

if TYPE_CHECKING:
    from collections.abc import Sequence

RESOURCE_PATH: Final = "/system/resource"


@dataclass(frozen=True, slots=True)
class Menu:
    path: str
    proplist: tuple[str, ...]
    per_list: bool  # printed per `?list=NAME`

    @property
    def properties(self) -> str:
        return ",".join(self.proplist)


_ADDRESS_PROPS: Final = (".id", "list", "address", "comment", "dynamic", "disabled", "timeout")
_QUEUE_PROPS: Final = (
    ".id",
    "name",
    "target",
    "max-limit",
    "burst-limit",
    "burst-threshold",
    "burst-time",
    "comment",
    "dynamic",
    "disabled",
)

MENUS: Final = {
    **{path: Menu(path, _ADDRESS_PROPS, per_list=True) for path in ADDRESS_LIST_PATH.values()},
    QUEUE_PATH: Menu(QUEUE_PATH, _QUEUE_PROPS, per_list=False),
}


def menu(path: str) -> Menu:
    try:
        return MENUS[path]
    except KeyError:
        raise ValueError(f"provisiond does not observe {path}") from None


def selections(spec: Menu, lists: Sequence[str] | None) -> list[str | None]:
    """The prints one observe makes: a list name each, or None for the whole menu.

    Asking for an address-list menu without naming lists is a bug in the caller, not a
    device error: the whole menu is never printed.
    """
    if not spec.per_list:
        if lists is not None:
            raise ValueError(f"{spec.path} is not printed per list")
        return [None]
    if lists is None:
        raise ValueError(f"{spec.path} is printed per list: pass lists=")
    return list(dict.fromkeys(lists))
