"""Where a relayed CoA or Disconnect goes, and the packets on both sides; no I/O.

**Finding the session.** A request names its session by User-Name, Acct-Session-Id
and/or Framed-IP-Address; every one present must match the session. NAS-IP-Address and
NAS-Identifier then narrow the candidates, each in turn: a session whose accounting
carried another value is out; those that carried the same value are kept, and only when
there are none, those whose accounting carried no value at all (unknown is no mismatch,
but a match beats it). Then, in this order (DESIGN.md §5; RFC 5176 §3.6 for the causes):

| situation | answer |
|---|---|
| none of the three identification attributes | NAK 402 Missing Attribute |
| no open session matches | NAK 503 Session Context Not Found |
| matches only on NAS the peer may not reach (`nas`) | NAK 502 Request Not Routable (Proxy) |
| several reachable matches | NAK 508 Multiple Session Selection Unsupported |
| the one match's NAS takes no CoA (`coa_port = 0`) | NAK 502 Request Not Routable (Proxy) |

Sessions on NAS the peer may not reach are out of its view before the ambiguity test,
so they can neither make a request ambiguous nor be chosen.

Every lookup is a dict read in the session book, by the most selective attribute the
request carries (a Framed-IP-Address has one holder at most; then Acct-Session-Id; then
User-Name), filtered by the others: never a scan of the open sessions, which at 100,000
of them would hold the auth path up for ~11 ms (`candidates`, `choose`).

**Forwarding.** The request's attributes minus the peer's Message-Authenticator and
Proxy-State (hop-by-hop: RFC 2865 §5.33, RFC 5176 §3.3), plus each identification
attribute the session's accounting carried that the request lacks (User-Name,
Acct-Session-Id, Framed-IP-Address, NAS-IP-Address, NAS-Identifier, or the NAS's
configured `nas_identifier` when the accounting named no NAS: the CoA sender's
`coa_dispatch.identification`, so both send a NAS the same identity), plus an
Event-Timestamp of now when the request has none, re-signed for the NAS by the
requester. RFC 5176 §3 has the NAS match the NAS identification attributes (a NAS may
NAK 403 without them), and the peer cannot know which NAS holds the session, so the
relay supplies them. A peer's own Event-Timestamp is kept: it passed the window check
and says when the peer asked; one of ours lets a NAS that checks timestamps (§4.2) see
the request as fresh, and costs nothing, the request being re-signed anyway.
**Answering.** The NAS's answer code and attributes (its Error-Cause included, minus its
own Message-Authenticator and Proxy-State) go back re-signed with the peer's secret:
Response Authenticator over the peer's Request Authenticator, the peer's Proxy-State
copied back, and a Message-Authenticator when the peer's request carried one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Final, Protocol

from provisiond.radius.attributes import encode_attributes
from provisiond.radius.coa_dispatch import NAS_IDENTIFICATION, identification
from provisiond.radius.decoding import AttributeDecoder
from provisiond.radius.dynamic_authorization import NAK_CODES, authorisation
from provisiond.radius.reply import build_reply
from provisiond.radius.wire import (
    ERROR_CAUSE,
    MESSAGE_AUTHENTICATOR,
    PROXY_STATE,
    USER_NAME,
    ErrorCause,
    encode_attribute,
)
from provisiond.schema.fields import render_timestamp

if TYPE_CHECKING:
    from collections.abc import Callable, Container
    from datetime import datetime

    from pyrad.dictionary import Dictionary

    from provisiond.config.settings import CoaAction
    from provisiond.radius.decoding import Pair
    from provisiond.radius.digest import SharedSecret
    from provisiond.radius.packet import Packet
    from provisiond.radius.relay_peers import CoaPeer
    from provisiond.store.sessions import JsonObject, SessionRow

HOP_BY_HOP: Final = frozenset({MESSAGE_AUTHENTICATOR, PROXY_STATE})
EVENT_TIMESTAMP: Final = "Event-Timestamp"

AttributePair = tuple[str, str | int]


class SessionLookup(Protocol):
    """What routing reads of the open sessions (`session_book.SessionBook`)."""

    def holder_of(self, address: str) -> SessionRow | None: ...

    def with_username(self, username: str) -> list[SessionRow]: ...

    def with_session_id(self, acct_session_id: str) -> list[SessionRow]: ...


class Result(StrEnum):
    """What became of a relayed request (the `result` label of its metric)."""

    ACK = "ack"  # the NAS ACKed; its answer was relayed
    NAK = "nak"  # the NAS NAKed; its answer was relayed
    PROHIBITED = "prohibited"  # 501: the peer may not send this kind
    MISSING_ATTRIBUTE = "missing_attribute"  # 402
    NOT_FOUND = "not_found"  # 503
    AMBIGUOUS = "ambiguous"  # 508
    NOT_ROUTABLE = "not_routable"  # 502
    TIMEOUT = "timeout"  # the NAS never answered: nor does the relay
    ERROR = "error"  # 505: the request could not be forwarded (socket, encoding)
    DUPLICATE = "duplicate"  # a retransmission answered from the cache


REFUSALS: Final = {
    Result.PROHIBITED: ErrorCause.ADMINISTRATIVELY_PROHIBITED,
    Result.MISSING_ATTRIBUTE: ErrorCause.MISSING_ATTRIBUTE,
    Result.NOT_FOUND: ErrorCause.SESSION_CONTEXT_NOT_FOUND,
    Result.AMBIGUOUS: ErrorCause.MULTIPLE_SESSION_SELECTION_UNSUPPORTED,
    Result.NOT_ROUTABLE: ErrorCause.REQUEST_NOT_ROUTABLE_PROXY,
    Result.ERROR: ErrorCause.OTHER_PROXY_PROCESSING_ERROR,
}


@dataclass(frozen=True, slots=True)
class SessionQuery:
    """The identification attributes of a request (None: absent)."""

    username: str | None = None
    acct_session_id: str | None = None
    framed_ip: str | None = None
    nas_ip_address: str | None = None
    nas_identifier: str | None = None

    @classmethod
    def of(cls, packet: Packet) -> SessionQuery:
        return cls(
            username=packet.string(USER_NAME),
            acct_session_id=packet.acct_session_id,
            framed_ip=packet.framed_ip_address,
            nas_ip_address=packet.nas_ip_address,
            nas_identifier=packet.nas_identifier,
        )

    @property
    def names_a_session(self) -> bool:
        return (self.username, self.acct_session_id, self.framed_ip) != (None, None, None)

    def matches(self, row: SessionRow) -> bool:
        """Every session identification attribute present agrees."""
        return (
            self.username in (None, row.username)
            and self.acct_session_id in (None, row.acct_session_id)
            and self.framed_ip in (None, row.framed_ip)
        )


def _narrow(
    rows: list[SessionRow], asked: str | None, recorded: Callable[[SessionRow], str | None]
) -> list[SessionRow]:
    """The rows whose recorded value is `asked`, else those that recorded none."""
    if asked is None:
        return rows
    exact = [row for row in rows if recorded(row) == asked]
    return exact or [row for row in rows if recorded(row) is None]


@dataclass(frozen=True, slots=True)
class Route:
    """The session to forward to, or the refusal (a `REFUSALS` result) to answer with."""

    session: SessionRow | None = None
    refusal: Result | None = None


def candidates(query: SessionQuery, book: SessionLookup) -> list[SessionRow]:
    """The open sessions the request names: looked up by the most selective attribute
    it carries (a Framed-IP-Address has one holder at most, a claim being global), then
    filtered by every other one. No scan of the open sessions."""
    if query.framed_ip is not None:
        holder = book.holder_of(query.framed_ip)
        found = [] if holder is None else [holder]
    elif query.acct_session_id is not None:
        found = book.with_session_id(query.acct_session_id)
    elif query.username is not None:
        found = book.with_username(query.username)
    else:
        return []
    return [row for row in found if query.matches(row)]


def choose(
    query: SessionQuery, found: list[SessionRow], peer: CoaPeer, targets: Container[str]
) -> Route:
    """The session for a request from `peer` among those it names (`found`, before the
    NAS attributes narrow them); `targets` are the NAS that take CoA."""
    if not query.names_a_session:
        return Route(refusal=Result.MISSING_ATTRIBUTE)
    found = _narrow(found, query.nas_ip_address, lambda row: row.nas_ip_address)
    found = _narrow(found, query.nas_identifier, lambda row: row.nas_identifier)
    if not found:
        return Route(refusal=Result.NOT_FOUND)
    reachable = [row for row in found if peer.may_reach(row.nas)]
    if not reachable:
        return Route(refusal=Result.NOT_ROUTABLE)
    if len(reachable) > 1:
        return Route(refusal=Result.AMBIGUOUS)
    (session,) = reachable
    if session.nas not in targets:
        return Route(refusal=Result.NOT_ROUTABLE)
    return Route(session=session)


def route(
    query: SessionQuery, book: SessionLookup, peer: CoaPeer, targets: Container[str]
) -> Route:
    """`choose` over `candidates`: the whole decision in one synchronous call."""
    return choose(query, candidates(query, book), peer, targets)


class Forwarding:
    """What the NAS gets for a relayed request (module docstring, "Forwarding"): the
    session's identification is added by attribute name, so it needs the dictionary."""

    def __init__(self, dictionary: Dictionary) -> None:
        self._dictionary = dictionary
        self.decoder = AttributeDecoder(dictionary)

    def attributes(
        self, request: Packet, session: SessionRow, now: datetime, fallback_identifier: str = ""
    ) -> bytes:
        """The request's attributes, hop-by-hop ones dropped, then what `added` gives.

        Raises `MalformedPacket` for a Vendor-Specific whose framing is broken and
        `EncodingError` for a recorded value that cannot be sent (both `RadiusError`).
        """
        kept = request.attributes_except(HOP_BY_HOP)
        present = {name for name, _ in self.decoder.pairs(kept)}
        pairs = added(present, session, now, fallback_identifier)
        return kept + encode_attributes(self._dictionary, pairs)


def added(
    present: Container[str], session: SessionRow, now: datetime, fallback_identifier: str = ""
) -> list[AttributePair]:
    """The session's identification attributes not `present` in the request, and an
    Event-Timestamp of `now` (Unix seconds) when the request has none.

    Like the CoA sender, the NAS's configured `fallback_identifier` names it when the
    session's accounting named no NAS, unless the peer's request names one already.
    """
    if any(name in present for name in NAS_IDENTIFICATION):
        fallback_identifier = ""  # the NAS is named; nothing to make up for
    identity = identification(session, fallback_identifier)
    pairs = [pair for pair in identity if pair[0] not in present]
    if EVENT_TIMESTAMP not in present:
        pairs.append((EVENT_TIMESTAMP, int(now.timestamp())))
    return pairs


def relayed_answer(request: Packet, secret: SharedSecret, answer: Packet) -> bytes:
    """The NAS's answer, re-signed for the peer that asked."""
    return build_reply(
        request,
        answer.code,
        secret,
        answer.attributes_except(HOP_BY_HOP),
        message_authenticator=request.message_authenticator_at >= 0,
    )


def refusal_answer(
    request: Packet, kind: CoaAction, secret: SharedSecret, refusal: Result
) -> bytes:
    """The relay's own NAK, with the Error-Cause for `refusal`."""
    cause = encode_attribute(ERROR_CAUSE, int(REFUSALS[refusal]).to_bytes(4))
    return build_reply(
        request,
        NAK_CODES[kind],
        secret,
        cause,
        message_authenticator=request.message_authenticator_at >= 0,
    )


def external_override(at: datetime, pairs: tuple[Pair, ...]) -> JsonObject:
    """The session's `external_override`: when, and what the ACKed CoA set on it."""
    return {"at": render_timestamp(at), "attributes": [list(pair) for pair in authorisation(pairs)]}
