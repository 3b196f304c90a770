"""Bearer tokens of `[status]` (DESIGN.md §2, §7): who is calling, and may they write.

Every configured token is compared with the presented one, in constant time, and the loop
never stops at the first match: how long a check takes must not tell which entry (or how
many entries) a guess got past. The table is replaced whole on SIGHUP, so a request sees
either the old tokens or the new ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from provisiond.config.settings import TokenRole

if TYPE_CHECKING:
    from provisiond.config.settings import StatusSettings
    from provisiond.model.secret import Secret

ADMIN_ACTOR: Final = "admin"
READ_ACTOR: Final = "read"
_SCHEME: Final = "bearer"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: `actor` is the audit name, `role` what it may do."""

    actor: str
    role: TokenRole

    @property
    def may_write(self) -> bool:
        return self.role is TokenRole.ADMIN


@dataclass(frozen=True, slots=True)
class _Entry:
    token: Secret
    principal: Principal


def _entries(settings: StatusSettings) -> tuple[_Entry, ...]:
    found: list[_Entry] = []
    if settings.admin_token is not None:
        found.append(_Entry(settings.admin_token, Principal(ADMIN_ACTOR, TokenRole.ADMIN)))
    if settings.read_token is not None:
        found.append(_Entry(settings.read_token, Principal(READ_ACTOR, TokenRole.READ)))
    found.extend(
        _Entry(named.token, Principal(named.name, named.role)) for named in settings.tokens
    )
    return tuple(found)


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (scheme case-insensitive)."""
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != _SCHEME or not token:
        return None
    return token


class Authenticator:
    """The token table; `update` swaps it in one assignment (SIGHUP)."""

    def __init__(self, settings: StatusSettings) -> None:
        self._entries = _entries(settings)

    def update(self, settings: StatusSettings) -> None:
        self._entries = _entries(settings)

    def identify(self, token: str) -> Principal | None:
        """The first entry (admin, read, then named ones in order) the token matches."""
        found: Principal | None = None
        for entry in self._entries:
            # Compare every entry, even after a match: no early exit to time.
            if entry.token.matches(token) and found is None:
                found = entry.principal
        return found
