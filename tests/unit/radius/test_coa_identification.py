"""`identification`: the session identity a CoA or Disconnect names (RFC 5176 §3), the
same for the CoA sender and the relay; the NAS's configured `nas_identifier` names the
NAS only when the session's accounting did not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from provisiond.radius.coa_dispatch import identification
from provisiond.store.sessions import SessionRow

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def session(**fields: object) -> SessionRow:
    return SessionRow(
        id=1,
        nas="core",
        acct_session_id="a1",
        username="alice",
        account_id=7,
        started_at=T0,
        updated_at=T0,
        **fields,  # type: ignore[arg-type]
    )


KEYS = [("User-Name", "alice"), ("Acct-Session-Id", "a1")]


@pytest.mark.parametrize("fallback", ["", "core-bras"])
def test_what_the_accounting_reported_is_sent_and_nothing_more(fallback: str) -> None:
    row = session(framed_ip="100.64.0.10", nas_ip_address="192.0.2.1", nas_identifier="bras-1")

    assert identification(row, fallback) == [
        *KEYS,
        ("Framed-IP-Address", "100.64.0.10"),
        ("NAS-IP-Address", "192.0.2.1"),
        ("NAS-Identifier", "bras-1"),
    ]


@pytest.mark.parametrize(
    ("reported", "named"),
    [
        ({"nas_ip_address": "192.0.2.1"}, ("NAS-IP-Address", "192.0.2.1")),
        ({"nas_identifier": "bras-1"}, ("NAS-Identifier", "bras-1")),
    ],
)
def test_one_nas_attribute_in_the_accounting_is_enough(
    reported: dict[str, str], named: tuple[str, str]
) -> None:
    assert identification(session(**reported), "core-bras") == [*KEYS, named]


def test_a_session_that_named_no_nas_gets_the_configured_identifier() -> None:
    row = session(framed_ip="100.64.0.10")

    assert identification(row, "core-bras") == [
        *KEYS,
        ("Framed-IP-Address", "100.64.0.10"),
        ("NAS-Identifier", "core-bras"),
    ]


def test_without_a_configured_identifier_nothing_is_made_up() -> None:
    row = session(framed_ip="100.64.0.10")

    assert identification(row, "") == [*KEYS, ("Framed-IP-Address", "100.64.0.10")]
    assert identification(row) == identification(row, "")  # "" is the default
