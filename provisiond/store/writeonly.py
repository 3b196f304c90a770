"""Write-only fields (RADIUS `password`, trigger `secret`): kept when omitted, never shown.

The API never returns these values, so a client that edits an account cannot send the
password back; DESIGN.md §1 says an entry without one keeps the stored one. The store
applies that rule itself (for updates and imports alike), so an export without secrets
can be imported again without wiping every password. RADIUS entries are matched by
username within the account.

The audit log shows that such a field changed, as `"<changed>"`, and never its value.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Final, TypeVar

from provisiond.model import objects
from provisiond.model.enums import RadiusKind

if TYPE_CHECKING:
    from provisiond.store.kinds import Model

CHANGED: Final = "<changed>"
M = TypeVar("M", bound="Model")


def keep_stored(new: M, stored: M | None) -> M:
    """`new` with each omitted write-only field filled from `stored`."""
    if isinstance(new, objects.Account) and isinstance(stored, objects.Account):
        passwords = {entry.username: entry.password for entry in stored.radius_accounts}
        entries = tuple(
            dataclasses.replace(entry, password=passwords.get(entry.username))
            if entry.password is None and entry.kind is RadiusKind.PASSWORD
            else entry
            for entry in new.radius_accounts
        )
        return dataclasses.replace(new, radius_accounts=entries)
    if isinstance(new, objects.Trigger) and isinstance(stored, objects.Trigger):
        return new if new.secret is not None else dataclasses.replace(new, secret=stored.secret)
    return new


def mark_changes(after_json: dict[str, object], *, before: Model | None, after: Model) -> None:
    """Put `"<changed>"` where a write-only field differs from `before` (in place)."""
    if isinstance(after, objects.Trigger):
        old_secret = before.secret if isinstance(before, objects.Trigger) else None
        if after.secret != old_secret:
            after_json["secret"] = CHANGED
    if isinstance(after, objects.Account):
        old = before.radius_accounts if isinstance(before, objects.Account) else ()
        passwords = {entry.username: entry.password for entry in old}
        changed = {
            entry.username
            for entry in after.radius_accounts
            if entry.password != passwords.get(entry.username)
        }
        entries = after_json.get("radius_accounts")
        if changed and isinstance(entries, list):
            for entry_json in entries:
                if isinstance(entry_json, dict) and entry_json.get("username") in changed:
                    entry_json["password"] = CHANGED
