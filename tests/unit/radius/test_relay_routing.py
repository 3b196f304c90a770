"""The CoA relay's pure parts: session selection, and the packets on both sides."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from provisiond.config.settings import CoaAction, CoaClient
from provisiond.model.secret import Secret
from provisiond.radius.attributes import encode_attributes
from provisiond.radius.decoding import AttributeDecoder
from provisiond.radius.digest import SharedSecret
from provisiond.radius.errors import EncodingError
from provisiond.radius.packet import parse
from provisiond.radius.relay_peers import PeerTable
from provisiond.radius.relay_routing import (
    Forwarding,
    Result,
    SessionQuery,
    added,
    external_override,
    refusal_answer,
    relayed_answer,
    route,
)
from provisiond.radius.reply import build_reply, parse_reply
from provisiond.radius.request import build_request
from provisiond.radius.session_book import SessionBook
from provisiond.radius.wire import (
    MESSAGE_AUTHENTICATOR,
    PROXY_STATE,
    USER_NAME,
    Code,
    ErrorCause,
)
from provisiond.store.sessions import SessionRow

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pyrad.dictionary import Dictionary

    from provisiond.radius.packet import Packet
    from provisiond.radius.relay_peers import CoaPeer

T0 = datetime(2026, 1, 1, tzinfo=UTC)
T0_UNIX = 1_767_225_600  # T0 in Unix seconds, as an Event-Timestamp carries it
PEER_SECRET = SharedSecret(b"relaysecret")
NAS_SECRET = SharedSecret(b"nas-secret")
TARGETS = frozenset({"core", "edge"})


def row(session_id: int, nas: str, sid: str, user: str, **fields: object) -> SessionRow:
    return SessionRow(
        id=session_id,
        nas=nas,
        acct_session_id=sid,
        username=user,
        account_id=session_id,
        started_at=T0,
        updated_at=T0,
        **fields,  # type: ignore[arg-type]
    )


ALICE = row(1, "core", "a1", "alice", framed_ip="100.64.0.10", nas_ip_address="192.0.2.1")
ALICE_EDGE = row(2, "edge", "a2", "alice", nas_identifier="edge-1")
BOB = row(3, "core", "b1", "bob", framed_ip="100.64.0.11")
CAROL_ELSEWHERE = row(4, "far", "c1", "carol")


@pytest.fixture
def book() -> SessionBook:
    sessions = SessionBook()
    sessions.load([ALICE, ALICE_EDGE, BOB, CAROL_ELSEWHERE], last_id=4)
    return sessions


def peer(*, nas: Sequence[str] = ()) -> CoaPeer:
    client = CoaClient(
        address=(ipaddress.ip_network("127.0.0.1/32"),),
        secret=Secret("relaysecret"),
        nas=tuple(nas),
    )
    (found,) = PeerTable([client]).candidates("127.0.0.1")
    return found


def routed(book: SessionBook, *, nas: Sequence[str] = (), **query: str) -> SessionRow | Result:
    result = route(SessionQuery(**query), book, peer(nas=nas), TARGETS)
    if result.session is not None:
        return result.session
    assert result.refusal is not None
    return result.refusal


def test_a_request_naming_no_session_lacks_an_attribute(book: SessionBook) -> None:
    assert routed(book) is Result.MISSING_ATTRIBUTE
    assert routed(book, nas_ip_address="192.0.2.1") is Result.MISSING_ATTRIBUTE


@pytest.mark.parametrize(
    "query",
    [
        {"acct_session_id": "b1"},
        {"username": "bob"},
        {"framed_ip": "100.64.0.11"},
        {"username": "bob", "acct_session_id": "b1", "framed_ip": "100.64.0.11"},
    ],
)
def test_any_identification_attribute_finds_the_session(
    book: SessionBook, query: dict[str, str]
) -> None:
    assert routed(book, **query) == BOB


@pytest.mark.parametrize(
    "query",
    [
        {"username": "nobody"},
        {"username": "bob", "acct_session_id": "a1"},  # both exist, not together
        {"framed_ip": "100.64.0.10", "username": "bob"},
        {"framed_ip": "100.64.9.9"},
        {"username": "alice", "nas_ip_address": "203.0.113.9", "nas_identifier": "other"},
    ],
)
def test_every_present_attribute_must_agree_else_503(
    book: SessionBook, query: dict[str, str]
) -> None:
    assert routed(book, **query) is Result.NOT_FOUND


def test_a_nas_attribute_does_not_exclude_a_session_whose_accounting_had_none(
    book: SessionBook,
) -> None:
    assert routed(book, username="bob", nas_ip_address="198.51.100.1") == BOB


def test_several_matches_are_ambiguous_unless_the_nas_attributes_settle_it(
    book: SessionBook,
) -> None:
    assert routed(book, username="alice") is Result.AMBIGUOUS
    assert routed(book, username="alice", nas_ip_address="192.0.2.1") == ALICE
    assert routed(book, username="alice", nas_identifier="edge-1") == ALICE_EDGE
    assert routed(book, username="alice", nas_ip_address="203.0.113.9") == ALICE_EDGE


def test_the_peers_nas_list_limits_what_it_sees(book: SessionBook) -> None:
    assert routed(book, username="alice", nas=["edge"]) == ALICE_EDGE
    assert routed(book, username="bob", nas=["edge"]) is Result.NOT_ROUTABLE
    assert routed(book, username="nobody", nas=["edge"]) is Result.NOT_FOUND


def test_a_nas_that_takes_no_coa_is_not_routable(book: SessionBook) -> None:
    assert routed(book, username="carol") is Result.NOT_ROUTABLE


def request(
    dictionary: Dictionary,
    pairs: Sequence[tuple[str, str | int]],
    *,
    code: int = Code.COA_REQUEST,
    message_authenticator: bool = False,
) -> Packet:
    attributes = encode_attributes(dictionary, pairs)
    datagram = build_request(
        code, 5, PEER_SECRET, attributes, message_authenticator=message_authenticator
    )
    return parse(datagram)


def read_by_peer(answer: bytes, asked: Packet) -> Packet:
    """The answer as the peer reads it: verified against its request and secret."""
    return parse_reply(
        answer,
        PEER_SECRET,
        request_code=asked.code,
        request_identifier=asked.identifier,
        request_authenticator=asked.authenticator,
    )


def forwarded(dictionary: Dictionary, asked: Packet, session: SessionRow) -> bytes:
    return Forwarding(dictionary).attributes(asked, session, T0)


def pairs_of(dictionary: Dictionary, attributes: bytes) -> list[tuple[str, str]]:
    return list(AttributeDecoder(dictionary).pairs(attributes))


def test_forwarding_drops_hop_by_hop_attributes_and_adds_the_session_keys(
    dictionary: Dictionary,
) -> None:
    asked = request(
        dictionary,
        [("Framed-IP-Address", "100.64.0.11"), ("Proxy-State", "0x01"), ("Filter-Id", "x")],
        message_authenticator=True,
    )

    sent = parse(build_request(Code.COA_REQUEST, 1, NAS_SECRET, forwarded(dictionary, asked, BOB)))

    assert sent.message_authenticator_at < 0
    assert sent.proxy_state == ()
    assert (sent.string(USER_NAME), sent.acct_session_id) == ("bob", "b1")
    assert sent.framed_ip_address == "100.64.0.11"


def test_forwarding_adds_the_nas_identification_and_a_timestamp_the_peer_left_out(
    dictionary: Dictionary,
) -> None:
    asked = request(dictionary, [("User-Name", "alice"), ("Mikrotik-Rate-Limit", "1M/1M")])

    to_core = pairs_of(dictionary, forwarded(dictionary, asked, ALICE))
    to_edge = pairs_of(dictionary, forwarded(dictionary, asked, ALICE_EDGE))

    # The peer's attributes first, as sent; then what the session's accounting said.
    assert to_core == [
        ("User-Name", "alice"),
        ("Mikrotik-Rate-Limit", "1M/1M"),
        ("Acct-Session-Id", "a1"),
        ("Framed-IP-Address", "100.64.0.10"),
        ("NAS-IP-Address", "192.0.2.1"),
        ("Event-Timestamp", str(T0_UNIX)),
    ]
    assert ("NAS-Identifier", "edge-1") in to_edge
    assert not any(name == "NAS-IP-Address" for name, _ in to_edge)  # it reported none


def test_forwarding_keeps_the_peers_own_identification_and_timestamp(
    dictionary: Dictionary,
) -> None:
    own: list[tuple[str, str | int]] = [
        ("User-Name", "alice"),
        ("Acct-Session-Id", "a1"),
        ("Framed-IP-Address", "100.64.0.10"),
        ("NAS-IP-Address", "192.0.2.1"),
        ("Event-Timestamp", T0_UNIX - 30),
    ]
    asked = request(dictionary, own)

    sent = forwarded(dictionary, asked, ALICE)

    assert sent == asked.attributes_except({MESSAGE_AUTHENTICATOR, PROXY_STATE})
    assert pairs_of(dictionary, sent) == [(name, str(value)) for name, value in own]


def test_added_is_what_the_request_lacks_of_the_sessions_identity() -> None:
    everything = {
        "User-Name",
        "Acct-Session-Id",
        "Framed-IP-Address",
        "NAS-IP-Address",
        "NAS-Identifier",
        "Event-Timestamp",
    }

    assert added(everything, ALICE, T0) == []
    assert added({"Event-Timestamp", "Acct-Session-Id"}, BOB, T0) == [
        ("User-Name", "bob"),
        ("Framed-IP-Address", "100.64.0.11"),
    ]
    assert added(set(), CAROL_ELSEWHERE, T0) == [
        ("User-Name", "carol"),
        ("Acct-Session-Id", "c1"),
        ("Event-Timestamp", T0_UNIX),
    ]


def test_the_configured_identifier_names_the_nas_only_when_nothing_else_does(
    dictionary: Dictionary,
) -> None:
    asked = request(dictionary, [("User-Name", "bob"), ("Mikrotik-Rate-Limit", "1M/1M")])

    sent = Forwarding(dictionary).attributes(asked, BOB, T0, "core-bras")

    # BOB's accounting named no NAS: the NAS's own nas_identifier stands in (RFC 5176 §3).
    assert ("NAS-Identifier", "core-bras") in pairs_of(dictionary, sent)
    # ALICE's accounting did, and a peer that names the NAS itself needs nothing more.
    assert ("NAS-Identifier", "core-bras") not in added(set(), ALICE, T0, "core-bras")
    assert added({"User-Name", "Acct-Session-Id", "NAS-IPv6-Address"}, BOB, T0, "core-bras") == [
        ("Framed-IP-Address", "100.64.0.11"),
        ("Event-Timestamp", T0_UNIX),
    ]


def test_a_recorded_value_that_cannot_be_sent_is_an_encoding_error(
    dictionary: Dictionary,
) -> None:
    broken = ALICE._replace(nas_ip_address="not-an-address")
    asked = request(dictionary, [("User-Name", "alice")])

    with pytest.raises(EncodingError, match="NAS-IP-Address"):
        forwarded(dictionary, asked, broken)


def test_the_nas_answer_goes_back_signed_for_the_peer(dictionary: Dictionary) -> None:
    asked = request(
        dictionary, [("User-Name", "bob"), ("Proxy-State", "0x0a0b")], message_authenticator=True
    )
    sent = parse(build_request(Code.COA_REQUEST, 9, NAS_SECRET, forwarded(dictionary, asked, BOB)))
    nak = build_reply(
        sent,
        Code.COA_NAK,
        NAS_SECRET,
        encode_attributes(dictionary, [("Error-Cause", "Unsupported-Attribute")]),
        message_authenticator=True,
    )

    reply = read_by_peer(relayed_answer(asked, PEER_SECRET, parse(nak)), asked)
    assert reply.code == Code.COA_NAK
    assert reply.error_cause == ErrorCause.UNSUPPORTED_ATTRIBUTE
    assert reply.proxy_state == (b"\x0a\x0b",)
    assert reply.message_authenticator_at == 22  # first, and verified by parse_reply


@pytest.mark.parametrize(
    ("refusal", "cause"),
    [
        (Result.PROHIBITED, 501),
        (Result.MISSING_ATTRIBUTE, 402),
        (Result.NOT_FOUND, 503),
        (Result.AMBIGUOUS, 508),
        (Result.NOT_ROUTABLE, 502),
        (Result.ERROR, 505),
    ],
)
def test_refusals_are_naks_of_the_requests_kind(
    dictionary: Dictionary, refusal: Result, cause: int
) -> None:
    asked = request(dictionary, [("User-Name", "x")], code=Code.DISCONNECT_REQUEST)

    reply = read_by_peer(refusal_answer(asked, CoaAction.DISCONNECT, PEER_SECRET, refusal), asked)
    assert (reply.code, reply.error_cause) == (Code.DISCONNECT_NAK, cause)
    assert reply.message_authenticator_at < 0  # the request had none


def test_the_external_override_keeps_only_what_the_coa_changed() -> None:
    pairs = (("User-Name", "bob"), ("Mikrotik-Rate-Limit", "1M/1M"), ("Event-Timestamp", "1"))

    assert external_override(T0, pairs) == {
        "at": "2026-01-01T00:00:00Z",
        "attributes": [["Mikrotik-Rate-Limit", "1M/1M"]],
    }
