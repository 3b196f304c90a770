"""What the lab NAS decides: behaviours, and MikroTik-like `apply` on its sessions."""

from __future__ import annotations

import pytest

from provisiond.config.settings import CoaAction
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
    nak,
)
from provisiond.radius.wire import Code, ErrorCause

RATE = (("User-Name", "alice"), ("Mikrotik-Rate-Limit", "1M/1M"))


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

    assert decide(ACK, CoaAction.COA, nobody, RATE, state).code == Code.COA_ACK
    refused = decide(nak(401), CoaAction.DISCONNECT, nobody, RATE, state)
    assert (refused.code, refused.error_cause) == (Code.DISCONNECT_NAK, 401)
    assert decide(SILENCE, CoaAction.COA, nobody, RATE, state).code is None
    assert state.get("s1") == NasSession(
        "s1", "alice", "100.64.0.10", {"Mikrotik-Rate-Limit": "9M/9M"}
    )


def test_apply_sets_the_authorisation_of_the_one_session_named() -> None:
    state = sessions()

    decision = decide(APPLY, CoaAction.COA, Identification(framed_ip="100.64.0.10"), RATE, state)

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
    decision = decide(APPLY, CoaAction.COA, wanted, RATE, sessions())

    assert (decision.code, decision.error_cause) == (Code.COA_NAK, cause)


def test_apply_disconnect_ends_the_session_and_says_which() -> None:
    state = sessions()

    decision = decide(APPLY, CoaAction.DISCONNECT, Identification(acct_session_id="s2"), (), state)

    assert decision.code == Code.DISCONNECT_ACK
    assert decision.ended is not None
    assert decision.ended.acct_session_id == "s2"
    assert state.get("s2") is None
    assert len(state) == 2
