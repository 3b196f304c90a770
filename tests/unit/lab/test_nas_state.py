"""What the lab NAS decides: behaviours, and MikroTik-like `apply` on its sessions."""

from __future__ import annotations

import ipaddress

import pytest

from provisiond.config.settings import CoaAction
from provisiond.lab.nas_requests import NasIdentity
from provisiond.lab.nas_state import (
    ACK,
    APPLY,
    SILENCE,
    Action,
    Behaviour,
    Identification,
    NasSession,
    NasSessions,
    decide,
    known_source,
    nak,
    names_this_nas,
    source_addresses,
)
from provisiond.radius.wire import Code, ErrorCause

NAS = NasIdentity(nas_ip_address="192.0.2.1", nas_identifier="core")
ITS_ADDRESS = ("NAS-IP-Address", "192.0.2.1")
RATE = (("User-Name", "alice"), ITS_ADDRESS, ("Mikrotik-Rate-Limit", "1M/1M"))


def sessions() -> NasSessions:
    found = NasSessions()
    found.start(NasSession("s1", "alice", "100.64.0.10", {"Mikrotik-Rate-Limit": "9M/9M"}))
    found.start(NasSession("s2", "bob"))
    found.start(NasSession("s3", "bob"))
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ack", ACK),
        ("apply", APPLY),
        ("silence", SILENCE),
        ("nak", Behaviour(Action.NAK, ErrorCause.SESSION_CONTEXT_NOT_FOUND)),
        ("nak:404", nak(404)),
    ],
)
def test_behaviours_parse_from_text_and_print_back(text: str, expected: Behaviour) -> None:
    parsed = Behaviour.parse(text)

    assert parsed == expected
    assert Behaviour.parse(str(parsed)) == parsed


@pytest.mark.parametrize("text", ["", "maybe", "ack:401", "nak:four", "nak:"])
def test_other_behaviour_texts_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="nak"):
        Behaviour.parse(text)


def test_ack_nak_and_silence_ignore_the_sessions() -> None:
    state = sessions()
    nobody = Identification(username="nobody")

    assert decide(ACK, CoaAction.COA, nobody, RATE, state, nas=NAS).code == Code.COA_ACK
    refused = decide(nak(401), CoaAction.DISCONNECT, nobody, RATE, state, nas=NAS)
    assert (refused.code, refused.error_cause) == (Code.DISCONNECT_NAK, 401)
    assert decide(SILENCE, CoaAction.COA, nobody, RATE, state, nas=NAS).code is None
    # Scripted answers do not look at the request, its NAS identification included.
    anonymous = (("Mikrotik-Rate-Limit", "1M/1M"),)
    assert decide(ACK, CoaAction.COA, nobody, anonymous, state, nas=NAS).code == Code.COA_ACK
    assert state.get("s1") == NasSession(
        "s1", "alice", "100.64.0.10", {"Mikrotik-Rate-Limit": "9M/9M"}
    )


def test_apply_sets_the_authorisation_of_the_one_session_named() -> None:
    state = sessions()

    wanted = Identification(framed_ip="100.64.0.10")
    decision = decide(APPLY, CoaAction.COA, wanted, RATE, state, nas=NAS)

    assert decision.code == Code.COA_ACK
    session = state.get("s1")
    assert session is not None
    assert session.rate_limit == "1M/1M"
    assert "User-Name" not in session.attributes


@pytest.mark.parametrize(
    ("wanted", "cause"),
    [
        (Identification(), ErrorCause.SESSION_CONTEXT_NOT_FOUND),
        (Identification(acct_session_id="s9"), ErrorCause.SESSION_CONTEXT_NOT_FOUND),
        (Identification(acct_session_id="s1", username="bob"), 503),
        (Identification(username="bob"), ErrorCause.MULTIPLE_SESSION_SELECTION_UNSUPPORTED),
    ],
)
def test_apply_naks_what_names_no_single_session(wanted: Identification, cause: int) -> None:
    decision = decide(APPLY, CoaAction.COA, wanted, RATE, sessions(), nas=NAS)

    assert (decision.code, decision.error_cause) == (Code.COA_NAK, cause)


def test_apply_disconnect_ends_the_session_and_says_which() -> None:
    state = sessions()

    wanted = Identification(acct_session_id="s2")
    decision = decide(APPLY, CoaAction.DISCONNECT, wanted, (ITS_ADDRESS,), state, nas=NAS)

    assert decision.code == Code.DISCONNECT_ACK
    assert decision.ended is not None
    assert decision.ended.acct_session_id == "s2"
    assert state.get("s2") is None
    assert len(state) == 2


@pytest.mark.parametrize(
    "identification",
    [
        (("NAS-IP-Address", "192.0.2.1"),),
        (("NAS-Identifier", "core"),),
        (("NAS-IP-Address", "192.0.2.1"), ("NAS-Identifier", "core")),
    ],
)
def test_a_request_naming_this_nas_by_either_attribute_is_applied(
    identification: tuple[tuple[str, str], ...],
) -> None:
    assert names_this_nas(NAS, identification)


@pytest.mark.parametrize(
    "identification",
    [
        (),  # RFC 5176 §3: a request must name its NAS
        (("NAS-IP-Address", "192.0.2.9"),),
        (("NAS-Identifier", "edge"),),
        (("NAS-IP-Address", "192.0.2.1"), ("NAS-Identifier", "edge")),  # one wrong is enough
        (("NAS-Identifier", "core"), ("NAS-Identifier", "edge")),  # so is a second instance
        (("NAS-IPv6-Address", "2001:db8::1"),),  # the simulator has no IPv6 identity
        (("NAS-IP-Address", "bogus"),),
    ],
)
def test_apply_naks_a_request_that_does_not_name_this_nas_with_403(
    identification: tuple[tuple[str, str], ...],
) -> None:
    state = sessions()
    pairs = (("Acct-Session-Id", "s1"), *identification, ("Mikrotik-Rate-Limit", "1M/1M"))

    for kind, code in ((CoaAction.COA, Code.COA_NAK), (CoaAction.DISCONNECT, Code.DISCONNECT_NAK)):
        wanted = Identification(acct_session_id="s1")
        decision = decide(APPLY, kind, wanted, pairs, state, nas=NAS)
        assert (decision.code, decision.error_cause) == (code, 403)

    session = state.get("s1")
    assert session is not None  # neither changed nor ended
    assert session.rate_limit == "9M/9M"


def test_a_nas_without_an_address_is_named_by_its_identifier_only() -> None:
    nameless = NasIdentity(nas_ip_address=None, nas_identifier="core")

    assert names_this_nas(nameless, (("NAS-Identifier", "core"),))
    assert not names_this_nas(nameless, (("NAS-IP-Address", "192.0.2.1"),))
    assert not names_this_nas(NasIdentity(nas_identifier=None), (("NAS-Identifier", ""),))


def test_coa_is_taken_only_from_the_configured_sources() -> None:
    allowed = source_addresses(["127.0.0.1", "2001:db8::5"])

    assert allowed == {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("2001:db8::5")}
    assert known_source(allowed, "127.0.0.1")
    assert known_source(allowed, "::ffff:127.0.0.1")  # a dual-stack socket's view of it
    assert known_source(allowed, "2001:db8::5")
    assert not known_source(allowed, "127.0.0.2")
    assert not known_source(allowed, "not-an-address")
    assert known_source(None, "198.51.100.7")  # no list: any source


def test_a_source_that_is_not_an_address_is_refused() -> None:
    with pytest.raises(ValueError, match="'core-1' is not an IP address"):
        source_addresses(["127.0.0.1", "core-1"])
