"""The per-user answer cache: filled once, emptied by the change feed's usernames."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from provisiond.model.enums import ReplyOp
from provisiond.model.objects import Account, RadiusGroup, RadiusReply
from provisiond.radius import decisions
from provisiond.radius.decisions import DecisionCache
from tests.unit.radius import world

if TYPE_CHECKING:
    import pytest
    from pyrad.dictionary import Dictionary

    from provisiond.policy.auth import Accept, Reject


class CountingEngine:
    """The engine, counting the questions it is asked."""

    def __init__(self, *accounts: Account) -> None:
        self.engine = world.engine(world.dataset(*accounts))
        self.asked = 0

    def authorize(self, username: str, nas: str) -> Accept | Reject:
        self.asked += 1
        return self.engine.authorize(username, nas)


def test_a_decision_is_worked_out_once_per_user_and_nas(dictionary: Dictionary) -> None:
    engine = CountingEngine()
    cache = DecisionCache(engine, dictionary)
    first = cache.get("core", b"alice")
    assert cache.get("core", b"alice") is first
    assert engine.asked == 1
    assert first.accepted
    assert first.account_id == world.ALICE.id
    assert first.password == world.ALICE_PASSWORD
    assert ("Framed-IP-Address", "100.64.0.10") in first.pairs
    assert first.attributes  # encoded once, reused for every Access-Accept


def test_each_nas_has_its_own_answers(dictionary: Dictionary) -> None:
    engine = CountingEngine()
    cache = DecisionCache(engine, dictionary)
    cache.get("core", b"alice")
    cache.get("edge", b"alice")
    assert engine.asked == 2


def test_unknown_users_are_not_cached(dictionary: Dictionary) -> None:
    engine = CountingEngine()
    cache = DecisionCache(engine, dictionary)
    for _ in range(3):
        assert cache.get("core", b"nobody").reason == "unknown_user"
    assert engine.asked == 3
    assert len(cache) == 0


def test_rejects_of_known_users_are_cached(dictionary: Dictionary) -> None:
    cache = DecisionCache(CountingEngine(), dictionary)
    carol = cache.get("core", b"carol")
    assert carol.reason == "inactive"
    assert cache.get("core", b"carol") is carol


def test_invalidate_forgets_the_user_on_every_nas(dictionary: Dictionary) -> None:
    engine = CountingEngine()
    cache = DecisionCache(engine, dictionary)
    for nas in ("core", "edge"):
        cache.get(nas, b"alice")
        cache.get(nas, b"bob")
    cache.invalidate({"alice"})
    assert len(cache) == 2
    cache.get("core", b"alice")
    assert engine.asked == 5


def test_invalidate_reaches_every_spelling_of_a_mac(dictionary: Dictionary) -> None:
    cache = DecisionCache(CountingEngine(), dictionary)
    for spelling in (b"aa-bb-cc-dd-ee-0f", b"aabbccddee0f", b"AA:BB:CC:DD:EE:0F"):
        assert cache.get("core", spelling).accepted
    assert len(cache) == 3
    cache.invalidate({world.MAC})
    assert len(cache) == 0


def test_clear_answers_from_a_new_engine(dictionary: Dictionary) -> None:
    cache = DecisionCache(CountingEngine(), dictionary)
    cache.get("core", b"alice")
    replacement = CountingEngine(world.BOB)
    cache.clear(replacement)
    assert cache.get("core", b"alice").reason == "unknown_user"
    assert replacement.asked == 1


def test_a_reply_the_dictionary_cannot_encode_rejects_and_logs_once(
    dictionary: Dictionary, caplog: pytest.LogCaptureFixture
) -> None:
    broken = RadiusGroup(
        1, "broken", replies=(RadiusReply("Session-Timeout", ReplyOp.REPLACE, "x"),)
    )
    engine = world.engine(dataclasses.replace(world.dataset(), radius_groups=(broken,)))
    cache = DecisionCache(engine, dictionary)
    decision = cache.get("core", b"alice")
    assert cache.get("core", b"alice") is decision
    assert decision.reason == decisions.REPLY_ERROR
    assert decision.account_id == world.ALICE.id
    logged = [r for r in caplog.records if "cannot be encoded" in r.getMessage()]
    assert len(logged) == 1
    # Structured context: the line can be found by account and NAS in a JSON log.
    assert logged[0].account_id == world.ALICE.id  # type: ignore[attr-defined]  # from `extra`
    assert logged[0].nas == "core"  # type: ignore[attr-defined]
    assert world.ALICE_PASSWORD not in caplog.text


def test_the_nt_hash_is_computed_once(dictionary: Dictionary) -> None:
    decision = DecisionCache(CountingEngine(), dictionary).get("core", b"bob")
    first = decision.nt_hash()
    assert first is not None
    assert decision.nt_hash() is first


def test_a_full_nas_cache_starts_over(
    dictionary: Dictionary, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(decisions, "MAX_ENTRIES_PER_NAS", 2)
    cache = DecisionCache(CountingEngine(), dictionary)
    for username in (b"alice", b"bob", b"carol"):
        cache.get("core", username)
    assert len(cache) == 1


def test_a_decision_prepares_its_answer_and_password_once(dictionary: Dictionary) -> None:
    cache = DecisionCache(world.engine(), dictionary)
    alice = cache.get("core", b"alice")
    assert (alice.prepared.code, alice.prepared.reason) == (2, "")  # Access-Accept
    assert alice.prepared.attributes == alice.attributes
    assert alice.pap_block == int.from_bytes(world.ALICE_PASSWORD.encode().ljust(16, b"\x00"))
    carol = cache.get("core", b"carol")
    assert (carol.prepared.code, carol.prepared.reason) == (3, "inactive")  # Access-Reject
    assert carol.prepared.attributes == b""
    mac = cache.get("core", world.MAC.encode())
    assert mac.pap_block is None  # no password
    assert decisions.Decision(password="p" * 17).pap_block is None  # more than one block
