from __future__ import annotations

import pytest

from provisiond.model.enums import RadiusKind
from provisiond.model.objects import RadiusAccount
from provisiond.policy.auth import Accept, Reject, RejectReason
from tests.unit.policy.factory import account, dataset, engine

MAC = RadiusAccount("AA:BB:CC:DD:EE:0F", kind=RadiusKind.MAC)
PASSWORD = RadiusAccount("alice")


@pytest.mark.parametrize(
    "username", ["aa:bb:cc:dd:ee:0f", "AA-BB-CC-DD-EE-0F", "aabb.ccdd.ee0f", "AABBCCDDEE0F"]
)
def test_mac_accounts_match_any_notation(username: str) -> None:
    policy = engine(dataset(accounts=(account(7, radius_accounts=(MAC,)),)))
    answer = policy.authorize(username, "core")
    assert isinstance(answer, Accept)
    assert answer.account_id == 7
    assert answer.radius_account == MAC


def test_password_accounts_match_exactly() -> None:
    looks_like_a_mac = RadiusAccount("aa:bb:cc:dd:ee:0f")
    policy = engine(dataset(accounts=(account(7, radius_accounts=(looks_like_a_mac,)),)))
    assert isinstance(policy.authorize("aa:bb:cc:dd:ee:0f", "core"), Accept)
    assert policy.authorize("AA:BB:CC:DD:EE:0F", "core") == Reject(RejectReason.UNKNOWN_USER)


def test_the_matched_radius_account_is_returned_for_the_password_check() -> None:
    second = RadiusAccount("alice-2")
    policy = engine(dataset(accounts=(account(7, radius_accounts=(PASSWORD, second)),)))
    answer = policy.authorize("alice-2", "core")
    assert isinstance(answer, Accept)
    assert answer.radius_account is second


def test_a_removed_username_is_unknown() -> None:
    policy = engine(dataset(accounts=(account(7, radius_accounts=(PASSWORD, MAC)),)))
    dirty = policy.put_account(account(7, radius_accounts=(MAC,)))
    assert "alice" in dirty.usernames
    assert policy.authorize("alice", "core") == Reject(RejectReason.UNKNOWN_USER)
    policy.remove_account(7)
    assert policy.authorize("aabbccddee0f", "core") == Reject(RejectReason.UNKNOWN_USER)


def test_usernames_are_case_sensitive() -> None:
    policy = engine(dataset(accounts=(account(7, radius_accounts=(RadiusAccount("Alice"),)),)))
    assert isinstance(policy.authorize("Alice", "core"), Accept)
    assert policy.authorize("alice", "core") == Reject(RejectReason.UNKNOWN_USER)
