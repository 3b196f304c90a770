"""RADIUS reply assembly (DESIGN.md §1 and §5 Auth), as pure functions.

Matching groups apply in ascending (`priority`, `id`) order; evaluation stops after the
first group without `fall_through`. Operators merge as in FreeRADIUS:

- `=`  adds the attribute if no instance is present;
- `:=` replaces every instance (in the place of the first) unless an earlier group set it
  with `:=` (a lower priority wins); within one group the last `:=` stands;
- `+=` appends another instance.

Attribute names compare case-insensitively, as in FreeRADIUS dictionaries.

The RADIUS account's own Framed-IP-Address, Framed-IPv6-Prefix and Delegated-IPv6-Prefix
come first and count as set with `:=` before any group: the account's addresses are more
specific than any group. Acct-Interim-Interval follows as if set with `=`, so a group may
override it with `:=`. A reply whose template needs a rate is skipped when the account has
none. Last, `rate_limit_attribute` is added from the rate when no instance is present.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from provisiond.model.enums import ReplyOp
from provisiond.policy.templates import compile_template, template_values

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from provisiond.model.objects import RadiusAccount, RadiusGroup
    from provisiond.policy.rates import Rate
    from provisiond.policy.templates import Template

Attributes = tuple[tuple[str, str], ...]
"""Ordered (attribute name, value) pairs; the radius layer encodes them."""


@dataclass(frozen=True, slots=True)
class CompiledReply:
    attribute: str
    op: ReplyOp
    template: Template


@dataclass(frozen=True, slots=True)
class CompiledGroup:
    """A RADIUS group with its reply templates compiled once, at definition time."""

    group: RadiusGroup
    replies: tuple[CompiledReply, ...]
    has_placeholders: bool

    @property
    def order(self) -> tuple[int, int]:
        return (self.group.priority, self.group.id)

    def serves(self, nas: str) -> bool:
        devices = self.group.devices
        return not devices or nas in devices


def compile_group(group: RadiusGroup) -> CompiledGroup:
    """Raises `TemplateError` for a reply value that is not a valid template."""
    replies = tuple(
        CompiledReply(reply.attribute, reply.op, compile_template(reply.value))
        for reply in group.replies
    )
    placeholders = any(name for reply in replies for _, name in reply.template.parts)
    return CompiledGroup(group, replies, has_placeholders=placeholders)


def applicable(groups: Iterable[CompiledGroup], nas: str) -> list[CompiledGroup]:
    """The groups (already matched and in order) that answer `nas`, up to the first stop."""
    chosen: list[CompiledGroup] = []
    for group in groups:
        if not group.serves(nas):
            continue
        chosen.append(group)
        if not group.group.fall_through:
            break
    return chosen


def account_attributes(radius: RadiusAccount) -> Attributes:
    """The RADIUS account's own addresses, in the order RouterOS documents them."""
    pairs: list[tuple[str, str]] = []
    if radius.framed_ip is not None:
        pairs.append(("Framed-IP-Address", str(radius.framed_ip)))
    if radius.framed_ipv6_prefix is not None:
        pairs.append(("Framed-IPv6-Prefix", str(radius.framed_ipv6_prefix)))
    if radius.delegated_ipv6_prefix is not None:
        pairs.append(("Delegated-IPv6-Prefix", str(radius.delegated_ipv6_prefix)))
    return tuple(pairs)


def assemble(
    *,
    radius: RadiusAccount,
    account_id: int,
    groups: Sequence[CompiledGroup],
    rate: Rate | None,
    rate_attribute: str,
    interim_interval_s: int,
) -> Attributes:
    """The Access-Accept attributes for `groups` (already filtered by `applicable`)."""
    merge = _Merge(account_attributes(radius))
    if interim_interval_s > 0:
        merge.set_if_absent("Acct-Interim-Interval", str(interim_interval_s))
    values: dict[str, str] = {}
    if any(group.has_placeholders for group in groups):
        values = template_values(username=radius.username, account_id=account_id, rate=rate)
    for group in groups:
        merge.apply(group, values, has_rate=rate is not None)
    if rate_attribute and rate is not None:
        merge.set_if_absent(rate_attribute, rate.mikrotik())
    return tuple(merge.pairs)


class _Merge:
    """The FreeRADIUS merge of group replies into one attribute list."""

    __slots__ = ("locked", "pairs")

    def __init__(self, base: Attributes) -> None:
        self.pairs = list(base)
        # Attribute names are case-insensitive, as in FreeRADIUS dictionaries.
        self.locked = {name.lower() for name, _ in base}

    def apply(self, group: CompiledGroup, values: dict[str, str], *, has_rate: bool) -> None:
        replaced: set[str] = set()
        for reply in group.replies:
            if reply.template.needs_rate and not has_rate:
                continue
            value = reply.template.render(values)
            if reply.op is ReplyOp.SET_IF_ABSENT:
                self.set_if_absent(reply.attribute, value)
            elif reply.op is ReplyOp.REPLACE:
                self._replace(reply.attribute, value, replaced)
            else:
                self.pairs.append((reply.attribute, value))
        # Locks take effect after the group: a later group's `:=` cannot undo this one's.
        self.locked |= replaced

    def set_if_absent(self, attribute: str, value: str) -> None:
        key = attribute.lower()
        if all(name.lower() != key for name, _ in self.pairs):
            self.pairs.append((attribute, value))

    def _replace(self, attribute: str, value: str, replaced: set[str]) -> None:
        key = attribute.lower()
        if key in self.locked:
            return
        replaced.add(key)
        positions = [i for i, (name, _) in enumerate(self.pairs) if name.lower() == key]
        if not positions:
            self.pairs.append((attribute, value))
            return
        self.pairs[positions[0]] = (attribute, value)
        for i in reversed(positions[1:]):
            del self.pairs[i]
