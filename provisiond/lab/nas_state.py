"""What the lab's NAS simulator knows and decides, without I/O.

The simulator answers each CoA-Request / Disconnect-Request per a `Behaviour` set for
that request kind:

- `ack`: CoA-ACK / Disconnect-ACK, whatever the request says, and nothing changes;
- `apply` (the default): what a NAS does. The request must name this NAS (RFC 5176 §3:
  at least one of NAS-IP-Address, NAS-IPv6-Address, NAS-Identifier, and each one
  present equal to the simulator's own), else NAK with Error-Cause 403. It must then
  name exactly one of the simulator's sessions (every identification attribute present
  must agree); a CoA replaces the session's attributes it carries (its rate limit, say)
  and a Disconnect ends the session. No such session: NAK 503; several: NAK 508;
- `nak`: NAK with the behaviour's Error-Cause;
- `silence`: no answer at all, like a NAS that is down or drops the request.

Sessions come from the simulator's own accounting (`Start` opens one, with the
attributes of its Access-Accept when it had one; `Stop` ends it).

The NAS identification check is strict, as the RFC puts it: a request without any NAS
identification names no NAS, so it is refused too. reference/protocols.md §4.4 leaves
what RouterOS itself checks to be verified on a CHR; provisiond's CoA sender and relay
both send the identity the NAS gave in its accounting, or the `[device.nas]
nas_identifier` when it gave none, so they pass either way.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from provisiond.config.settings import CoaAction
from provisiond.radius.auth import (
    verify_request_authenticator,
    verify_request_message_authenticator,
)
from provisiond.radius.dynamic_authorization import (
    ACK_CODES,
    NAK_CODES,
    authorisation,
    request_kind,
    timestamp_current,
)
from provisiond.radius.reply import build_reply
from provisiond.radius.wire import ERROR_CAUSE, ErrorCause, encode_attribute

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from datetime import datetime

    from provisiond.lab.nas_requests import NasIdentity
    from provisiond.radius.decoding import Pair
    from provisiond.radius.digest import SharedSecret
    from provisiond.radius.packet import Packet

RATE_LIMIT = "Mikrotik-Rate-Limit"
NAS_IP_ADDRESS: Final = "NAS-IP-Address"
NAS_IDENTIFIER: Final = "NAS-Identifier"
# RFC 5176 §3 "NAS identification": the attributes that say which NAS a request is for.
NAS_IDENTIFICATION: Final = frozenset({NAS_IP_ADDRESS, "NAS-IPv6-Address", NAS_IDENTIFIER})

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Action(StrEnum):
    ACK = "ack"
    APPLY = "apply"
    NAK = "nak"
    SILENCE = "silence"


@dataclass(frozen=True, slots=True)
class Behaviour:
    """How the simulator answers one request kind; `error_cause` is for `nak` only."""

    action: Action = Action.APPLY
    error_cause: int = ErrorCause.SESSION_CONTEXT_NOT_FOUND

    @classmethod
    def parse(cls, text: str) -> Behaviour:
        """`ack`, `apply`, `silence`, `nak` (Error-Cause 503) or `nak:CAUSE` (e.g. `nak:404`)."""
        name, colon, cause = text.partition(":")
        try:
            action = Action(name)
        except ValueError:
            raise ValueError(f"{text!r}: expected ack, apply, silence, nak or nak:CAUSE") from None
        if not colon:
            return cls(action)
        if action is not Action.NAK or not cause.isdigit():
            raise ValueError(f"{text!r}: only nak takes an Error-Cause number, as nak:404")
        return cls(action, int(cause))

    def __str__(self) -> str:
        return f"nak:{self.error_cause}" if self.action is Action.NAK else str(self.action)


ACK = Behaviour(Action.ACK)
APPLY = Behaviour(Action.APPLY)
SILENCE = Behaviour(Action.SILENCE)


def nak(error_cause: int) -> Behaviour:
    return Behaviour(Action.NAK, error_cause)


@dataclass(slots=True)
class NasSession:
    """A live session on the simulated NAS and the authorisation it runs with now."""

    acct_session_id: str
    username: str
    framed_ip: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def rate_limit(self) -> str | None:
        return self.attributes.get(RATE_LIMIT)


@dataclass(frozen=True, slots=True)
class Identification:
    """The session a request names (None: the attribute was not in the request)."""

    username: str | None = None
    acct_session_id: str | None = None
    framed_ip: str | None = None

    def matches(self, session: NasSession) -> bool:
        return (
            self.username in (None, session.username)
            and self.acct_session_id in (None, session.acct_session_id)
            and self.framed_ip in (None, session.framed_ip)
        )

    @property
    def empty(self) -> bool:
        return self.username is None and self.acct_session_id is None and self.framed_ip is None


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer: a reply code (None = silence), its Error-Cause, and what changed."""

    code: int | None
    error_cause: int | None = None
    ended: NasSession | None = None  # the session a Disconnect ended


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    """One request the simulator accepted (verified), as it decoded it, and its answer."""

    kind: CoaAction
    identifier: int
    source: tuple[str, int]
    attributes: tuple[Pair, ...]
    answer: int | None  # the reply code sent; None when it stayed silent
    error_cause: int | None = None

    def get(self, name: str) -> str | None:
        """The first value of attribute `name`, or None."""
        return next((value for key, value in self.attributes if key == name), None)


class NasSessions:
    """The simulator's live sessions, by Acct-Session-Id."""

    def __init__(self) -> None:
        self._sessions: dict[str, NasSession] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    def __iter__(self) -> Iterator[NasSession]:
        return iter(list(self._sessions.values()))

    def get(self, acct_session_id: str) -> NasSession | None:
        return self._sessions.get(acct_session_id)

    def start(self, session: NasSession) -> None:
        """A new session (a Start for a live id replaces it, as a NAS reusing an id would)."""
        self._sessions[session.acct_session_id] = session

    def end(self, acct_session_id: str) -> NasSession | None:
        return self._sessions.pop(acct_session_id, None)

    def clear(self) -> None:
        self._sessions.clear()

    def matching(self, wanted: Identification) -> list[NasSession]:
        if wanted.empty:
            return []
        if wanted.acct_session_id is not None:
            found = self._sessions.get(wanted.acct_session_id)
            return [found] if found is not None and wanted.matches(found) else []
        return [session for session in self._sessions.values() if wanted.matches(session)]


def rejection(
    packet: Packet,
    secret: SharedSecret,
    *,
    now: datetime,
    window: float,
    require_message_authenticator: bool,
) -> str:
    """Why a NAS drops a parsed datagram (a `dropped` key), or "" for a request to answer."""
    if request_kind(packet.code) is None:
        return "unexpected_code"
    if not verify_request_authenticator(packet, secret):
        return "bad_authenticator"
    if packet.message_authenticator_at >= 0:
        if not verify_request_message_authenticator(packet, secret):
            return "bad_message_authenticator"
    elif require_message_authenticator:
        return "missing_message_authenticator"
    if not timestamp_current(packet.event_timestamp, now, window):
        return "stale_timestamp"
    return ""


def answer(packet: Packet, decision: Decision, secret: SharedSecret) -> bytes | None:
    """The reply datagram for a decision (None: silence), with its Error-Cause, and a
    Message-Authenticator when the request had one."""
    if decision.code is None:
        return None
    cause = decision.error_cause
    attributes = b"" if cause is None else encode_attribute(ERROR_CAUSE, cause.to_bytes(4))
    return build_reply(
        packet,
        decision.code,
        secret,
        attributes,
        message_authenticator=packet.message_authenticator_at >= 0,
    )


def decide(
    behaviour: Behaviour,
    kind: CoaAction,
    wanted: Identification,
    pairs: tuple[Pair, ...],
    sessions: NasSessions,
    *,
    nas: NasIdentity,
) -> Decision:
    """The answer to a verified request, applying it to `sessions` under `apply`; `nas`
    is the simulator's own identity, which the request must name under `apply`."""
    if behaviour.action is Action.SILENCE:
        return Decision(None)
    if behaviour.action is Action.ACK:
        return Decision(ACK_CODES[kind])
    if behaviour.action is Action.NAK:
        return Decision(NAK_CODES[kind], behaviour.error_cause)
    if not names_this_nas(nas, pairs):
        return Decision(NAK_CODES[kind], ErrorCause.NAS_IDENTIFICATION_MISMATCH)
    return _apply(kind, wanted, pairs, sessions)


def names_this_nas(nas: NasIdentity, pairs: Iterable[Pair]) -> bool:
    """Whether a request's NAS identification attributes name `nas`: at least one is
    present, and each one present is the NAS's own. The simulator has no IPv6 identity,
    so a NAS-IPv6-Address never is."""
    named = [(name, value) for name, value in pairs if name in NAS_IDENTIFICATION]
    return bool(named) and all(_is_own(nas, name, value) for name, value in named)


def _is_own(nas: NasIdentity, name: str, value: str) -> bool:
    if name == NAS_IDENTIFIER:
        return value == nas.nas_identifier
    if name == NAS_IP_ADDRESS and nas.nas_ip_address is not None:
        own = _address(nas.nas_ip_address)
        return own is not None and _address(value) == own
    return False


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def source_addresses(texts: Iterable[str]) -> frozenset[Address]:
    """The addresses CoA may come from; `ValueError` names one that is not an address."""
    found = set()
    for text in texts:
        address = _address(text)
        if address is None:
            raise ValueError(f"{text!r} is not an IP address")
        found.add(address)
    return frozenset(found)


def known_source(allowed: frozenset[Address] | None, host: str) -> bool:
    """Whether a datagram from `host` may be a request: a NAS takes CoA only from the
    RADIUS servers it is configured with (None: from anywhere)."""
    if allowed is None:
        return True
    address = _address(host)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address in allowed


def _apply(
    kind: CoaAction, wanted: Identification, pairs: tuple[Pair, ...], sessions: NasSessions
) -> Decision:
    """What a MikroTik does: act on the one session the request names."""
    found = sessions.matching(wanted)
    if not found:
        return Decision(NAK_CODES[kind], ErrorCause.SESSION_CONTEXT_NOT_FOUND)
    if len(found) > 1:
        return Decision(NAK_CODES[kind], ErrorCause.MULTIPLE_SESSION_SELECTION_UNSUPPORTED)
    (session,) = found
    if kind is CoaAction.DISCONNECT:
        sessions.end(session.acct_session_id)
        return Decision(ACK_CODES[kind], ended=session)
    session.attributes.update(authorisation(pairs))
    return Decision(ACK_CODES[kind])
