"""The per-user answer cache of the auth hot path (DESIGN.md §8).

For each (User-Name, NAS) the policy engine's verdict is worked out once and kept: the
account, the password to check and the Access-Accept's attributes already encoded to
bytes. A request then costs a dict lookup, the password check and the reply's digests.
The daemon calls `invalidate` with the usernames of every change (`Dirty.usernames`), and
`clear` on a reload.

Usernames arrive in the packet's own spelling. A MAC account (`kind = "mac"`) answers to
any common MAC notation while the change feed names it in the stored form
(`AA:BB:CC:DD:EE:FF`), so every cached spelling that reads as a MAC is also indexed
under that form. Unknown users are not cached: a flood of made-up names must not grow
the cache, and answering them costs no more than a cache miss.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final, Protocol

from provisiond.model.network import normalise_mac
from provisiond.policy.auth import Accept, Reject, RejectReason
from provisiond.radius.attributes import encode_attributes
from provisiond.radius.authenticate import PreparedAnswer
from provisiond.radius.errors import EncodingError
from provisiond.radius.mschap import nt_password_hash
from provisiond.radius.passwords import pap_block
from provisiond.radius.wire import Code

if TYPE_CHECKING:
    from collections.abc import Iterable

    from pyrad.dictionary import Dictionary

    from provisiond.model.enums import RadiusKind
    from provisiond.policy.replies import Attributes

log = logging.getLogger(__name__)

MAX_ENTRIES_PER_NAS: Final = 1_000_000  # a NAS's cache is dropped whole beyond this
REPLY_ERROR: Final = "reply_error"  # an Accept whose attributes cannot be encoded


class Authorizer(Protocol):
    """The part of the policy engine the RADIUS server asks (`PolicyEngine` is one)."""

    def authorize(self, username: str, nas: str) -> Accept | Reject: ...


class Decision:
    """What to answer a user on one NAS, minus the per-request password check.

    Besides the verdict, what every request of the user would otherwise recompute:
    `prepared`, the Access-Accept (or the Access-Reject) with its attributes ready for
    `PreparedReply.build`, and `pap_block`, the password as `passwords.pap_block` gives
    it for the one-block PAP check.
    """

    __slots__ = (
        "_nt_hash",
        "account_id",
        "attributes",
        "kind",
        "pairs",
        "pap_block",
        "password",
        "prepared",
        "reason",
    )

    def __init__(
        self,
        *,
        reason: str = "",
        account_id: int | None = None,
        kind: RadiusKind | None = None,
        password: str | None = None,
        attributes: bytes = b"",
        pairs: Attributes = (),
    ) -> None:
        self.reason = reason  # "" for an Accept, else why the user is rejected
        self.account_id = account_id
        self.kind = kind
        self.password = password
        self.attributes = attributes  # the Access-Accept's attributes, encoded
        self.pairs = pairs  # the same as (name, value) pairs: a session's `last_applied`
        self._nt_hash: bytes | None = None
        self.pap_block = None if password is None else pap_block(password.encode())
        self.prepared = (
            PreparedAnswer(Code.ACCESS_REJECT, b"", reason)
            if reason
            else PreparedAnswer(Code.ACCESS_ACCEPT, attributes)
        )

    def __repr__(self) -> str:
        return f"Decision(reason={self.reason!r}, account_id={self.account_id})"

    @property
    def accepted(self) -> bool:
        return not self.reason

    def nt_hash(self) -> bytes | None:
        """The password's NT hash for MS-CHAPv2, computed once (pure-Python MD4 is slow)."""
        if self._nt_hash is None and self.password is not None:
            self._nt_hash = nt_password_hash(self.password)
        return self._nt_hash


UNKNOWN_USER: Final = Decision(reason=RejectReason.UNKNOWN_USER.value)


def decide(engine: Authorizer, dictionary: Dictionary, username: str, nas: str) -> Decision:
    """Ask the engine and encode the Accept's attributes."""
    verdict = engine.authorize(username, nas)
    if isinstance(verdict, Reject):
        return Decision(reason=verdict.reason.value, account_id=None)
    try:
        encoded = encode_attributes(dictionary, verdict.attributes)
    except EncodingError as exc:
        # A RADIUS group's reply that the dictionary cannot encode: a configuration error.
        # Logged when the answer is worked out (once per change), not per request.
        log.warning(
            "account %d: Access-Reject, its reply cannot be encoded: %s",
            verdict.account_id,
            exc,
            extra={"account_id": verdict.account_id, "nas": nas},
        )
        return Decision(reason=REPLY_ERROR, account_id=verdict.account_id)
    radius = verdict.radius_account
    return Decision(
        account_id=verdict.account_id,
        kind=radius.kind,
        password=None if radius.password is None else radius.password.reveal(),
        attributes=encoded,
        pairs=verdict.attributes,
    )


class DecisionCache:
    """Decisions by NAS name and raw User-Name."""

    __slots__ = ("_aliases", "_by_nas", "_dictionary", "engine")

    def __init__(self, engine: Authorizer, dictionary: Dictionary) -> None:
        self.engine = engine
        self._dictionary = dictionary
        self._by_nas: dict[str, dict[bytes, Decision]] = {}
        self._aliases: dict[str, set[bytes]] = {}

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._by_nas.values())

    def get(self, nas: str, username: bytes) -> Decision:
        """The cached decision, or a fresh one (cached unless the user is unknown)."""
        entries = self._by_nas.get(nas)
        if entries is not None:
            found = entries.get(username)
            if found is not None:
                return found
        return self._miss(nas, username)

    def _miss(self, nas: str, username: bytes) -> Decision:
        name = username.decode("utf-8", "backslashreplace")
        decision = decide(self.engine, self._dictionary, name, nas)
        if decision.reason == RejectReason.UNKNOWN_USER:
            return UNKNOWN_USER
        entries = self._by_nas.setdefault(nas, {})
        if len(entries) >= MAX_ENTRIES_PER_NAS:
            entries.clear()
        entries[username] = decision
        mac = normalise_mac(name)
        if mac is not None:
            self._aliases.setdefault(mac, set()).add(username)
        return decision

    def invalidate(self, usernames: Iterable[str]) -> None:
        """Forget every cached spelling of these (stored) usernames, on every NAS."""
        for username in usernames:
            spellings = {username.encode()}
            mac = normalise_mac(username)
            if mac is not None:
                spellings |= self._aliases.pop(mac, set())
            for entries in self._by_nas.values():
                for spelling in spellings:
                    entries.pop(spelling, None)

    def clear(self, engine: Authorizer | None = None) -> None:
        """Forget everything (a reload), optionally answering from a new engine from now."""
        if engine is not None:
            self.engine = engine
        self._by_nas.clear()
        self._aliases.clear()
