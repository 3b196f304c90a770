"""Reply value templates: one RADIUS group serves every speed tier (DESIGN.md §1).

A value may name `{rate_limit}`, `{download_kbps}`, `{upload_kbps}`, `{download_bps}`,
`{upload_bps}`, `{username}` and `{account_id}`. Braces follow `str.format`: `{{` and `}}`
are a literal `{` and `}`. Format specs (`{username:>8}`), conversions (`{username!r}`),
attribute and index access are refused: a template is data from an admin, not code.

A template is checked once, when its group is defined (`validate_template`), and compiled
into literal and placeholder parts, so rendering on the auth path is a string join.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import TYPE_CHECKING

from provisiond.policy.errors import TemplateError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from provisiond.policy.rates import Rate

RATE_PLACEHOLDERS = frozenset(
    {"rate_limit", "download_kbps", "upload_kbps", "download_bps", "upload_bps"}
)
PLACEHOLDERS = RATE_PLACEHOLDERS | {"username", "account_id"}

_FORMATTER = string.Formatter()


@dataclass(frozen=True, slots=True)
class Template:
    """A compiled value: `(literal, placeholder or None)` parts in order."""

    parts: tuple[tuple[str, str | None], ...]
    needs_rate: bool

    def render(self, values: Mapping[str, str]) -> str:
        return "".join(literal + (values[name] if name else "") for literal, name in self.parts)


def compile_template(text: str) -> Template:
    """Compile `text`, raising `TemplateError` (a ValueError) naming what is wrong."""
    if "{" not in text and "}" not in text:
        return Template(((text, None),), needs_rate=False)
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError as exc:
        raise TemplateError(f"{text!r}: {exc} (write {{{{ or }}}} for a literal brace)") from exc
    parts = tuple(
        (literal, _placeholder(text, name, spec, conv)) for literal, name, spec, conv in parsed
    )
    return Template(parts, needs_rate=any(name in RATE_PLACEHOLDERS for _, name in parts))


def validate_template(text: str) -> None:
    """Raise `TemplateError` (a ValueError) for an unknown placeholder or stray brace."""
    compile_template(text)


def template_values(*, username: str, account_id: int, rate: Rate | None) -> dict[str, str]:
    """The placeholder values for one reply; the rate ones only when there is a rate."""
    values = {"username": username, "account_id": str(account_id)}
    if rate is not None:
        values["rate_limit"] = rate.mikrotik()
        values["download_kbps"] = str(rate.download_kbps)
        values["upload_kbps"] = str(rate.upload_kbps)
        values["download_bps"] = str(rate.download_kbps * 1000)
        values["upload_bps"] = str(rate.upload_kbps * 1000)
    return values


def _placeholder(
    text: str, name: str | None, spec: str | None, conversion: str | None
) -> str | None:
    if name is None:
        return None
    if name not in PLACEHOLDERS:
        known = ", ".join(sorted(PLACEHOLDERS))
        raise TemplateError(f"{text!r}: unknown placeholder {{{name}}}; known: {known}")
    if spec or conversion:
        raise TemplateError(f"{text!r}: {{{name}}} takes no format spec or conversion")
    return name
