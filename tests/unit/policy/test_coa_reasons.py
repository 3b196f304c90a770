from __future__ import annotations

import dataclasses
import ipaddress

import pytest

from provisiond.config.settings import CoaTrigger
from provisiond.model.enums import RadiusKind
from provisiond.model.objects import Account, RadiusAccount
from provisiond.model.secret import Secret
from provisiond.policy import coa_reasons as r

BASE = Account(
    id=7,
    name="Ann",
    status_id=1,
    service_ids=(10,),
    group_ids=frozenset({3}),
    ip_assignments=(ipaddress.ip_network("100.64.0.0/30"),),
    radius_accounts=(
        RadiusAccount("ann", password=Secret("pw1"), framed_ip=ipaddress.IPv4Address("100.64.1.1")),
        RadiusAccount("AA:BB:CC:DD:EE:FF", kind=RadiusKind.MAC),
    ),
)


def test_new_account_has_no_sessions_to_change() -> None:
    assert r.account_reasons(None, BASE) == frozenset()


def test_deleted_account() -> None:
    assert r.account_reasons(BASE, None) == {r.DELETED}


def test_unchanged_account_gives_nothing() -> None:
    same = dataclasses.replace(BASE, name="Ann B.")  # a name is not seen by the network
    assert r.account_reasons(BASE, same) == frozenset()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"status_id": 2}, {r.STATUS}),
        ({"delinquent": True}, {r.DELINQUENCY}),
        ({"service_ids": (11,)}, {r.SERVICE}),
        ({"group_ids": frozenset()}, {r.GROUPS}),
        ({"type_id": 4}, {r.GROUPS}),
        ({"status_id": 2, "service_ids": ()}, {r.STATUS, r.SERVICE}),
        ({"ip_assignments": ()}, {r.CREDENTIALS}),
    ],
)
def test_each_field_maps_to_its_reason(changes: dict[str, object], expected: set[str]) -> None:
    after = dataclasses.replace(BASE, **changes)  # type: ignore[arg-type]  # test table
    assert r.account_reasons(BASE, after) == expected


def _with_login(**changes: object) -> Account:
    first = dataclasses.replace(BASE.radius_accounts[0], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(BASE, radius_accounts=(first, BASE.radius_accounts[1]))


@pytest.mark.parametrize(
    "after",
    [
        _with_login(password=Secret("pw2")),
        _with_login(framed_ip=ipaddress.IPv4Address("100.64.1.2")),
        _with_login(framed_ip=None),
        _with_login(delegated_ipv6_prefix=ipaddress.ip_network("2001:db8::/56")),
        dataclasses.replace(BASE, radius_accounts=BASE.radius_accounts[1:]),  # username removed
    ],
)
def test_credential_changes_are_forced(after: Account) -> None:
    reasons = r.account_reasons(BASE, after)
    assert reasons == {r.CREDENTIALS}
    assert reasons <= r.FORCED


def test_an_added_username_is_not_a_credential_change() -> None:
    extra = RadiusAccount("ann2", password=Secret("x"))
    after = dataclasses.replace(BASE, radius_accounts=(*BASE.radius_accounts, extra))
    assert r.account_reasons(BASE, after) == frozenset()


def test_configurable_reasons_are_the_coa_on_vocabulary() -> None:
    assert {trigger.value for trigger in CoaTrigger} == r.ALL_CONFIGURABLE
