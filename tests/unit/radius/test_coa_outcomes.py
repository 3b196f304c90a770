"""`coa_outcomes.judge`: every answer of DESIGN.md §5 "CoA outcomes"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from provisiond.config.settings import CoaFallback
from provisiond.radius.coa_outcomes import RequestKind, Result, Verdict, judge, last_coa
from provisiond.radius.wire import Code

COA, DISCONNECT = RequestKind.COA, RequestKind.DISCONNECT
FALL_BACK = CoaFallback.DISCONNECT


def test_an_ack_applies() -> None:
    assert judge(COA, Code.COA_ACK, None, FALL_BACK) == Verdict(Result.ACK)
    assert judge(DISCONNECT, Code.DISCONNECT_ACK, None, FALL_BACK).acked


@pytest.mark.parametrize("kind", [COA, DISCONNECT])
def test_a_nak_503_closes_the_session_without_a_fallback(kind: RequestKind) -> None:
    code = Code.COA_NAK if kind is COA else Code.DISCONNECT_NAK
    verdict = judge(kind, code, 503, FALL_BACK)
    assert verdict == Verdict(Result.NAK, 503, close_session=True)


@pytest.mark.parametrize("cause", [401, 404, 405, 407])
def test_a_nak_the_nas_cannot_take_falls_back(cause: int) -> None:
    assert judge(COA, Code.COA_NAK, cause, FALL_BACK) == Verdict(Result.NAK, cause, fallback=True)
    assert not judge(COA, Code.COA_NAK, cause, CoaFallback.NONE).fallback
    assert not judge(DISCONNECT, Code.DISCONNECT_NAK, cause, FALL_BACK).fallback


@pytest.mark.parametrize("cause", [None, 402, 501, 506])
def test_other_naks_are_only_recorded(cause: int | None) -> None:
    assert judge(COA, Code.COA_NAK, cause, FALL_BACK) == Verdict(Result.NAK, cause)


def test_a_timeout_falls_back_for_a_coa_only() -> None:
    assert judge(COA, None, None, FALL_BACK) == Verdict(Result.TIMEOUT, fallback=True)
    assert judge(COA, None, None, CoaFallback.NONE) == Verdict(Result.TIMEOUT)
    assert judge(DISCONNECT, None, None, FALL_BACK) == Verdict(Result.TIMEOUT)


def test_last_coa_is_the_contract_shape() -> None:
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert last_coa(at, Result.NAK, 503) == {
        "at": "2026-03-01T12:00:00Z",
        "result": "nak",
        "error_cause": 503,
    }


def test_request_codes() -> None:
    assert COA.code == Code.COA_REQUEST
    assert DISCONNECT.code == Code.DISCONNECT_REQUEST
