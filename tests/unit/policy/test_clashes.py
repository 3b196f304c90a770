"""Two accounts claiming one (family, list, address) key: the lowest id owns it."""

from __future__ import annotations

from provisiond.model.device_state import AddressClash, DeviceScope
from provisiond.model.objects import AddressList
from tests.unit.policy.factory import account, dataset, engine

EVERYONE = AddressList(1, "subscribers")
KEY = (4, "subscribers", "100.64.0.10")


def owners(policy: object, device: str = "core") -> dict[tuple[int, str, str], int]:
    from provisiond.policy.engine import PolicyEngine  # noqa: PLC0415 - typing only

    assert isinstance(policy, PolicyEngine)
    return {key: entry.account_id for key, entry in policy.desired(device).addresses.items()}


def test_the_lowest_account_id_owns_a_shared_key() -> None:
    data = dataset(
        address_lists=(EVERYONE,),
        accounts=(account(7, "100.64.0.10/32"), account(3, "100.64.0.10/32")),
    )
    policy = engine(data)
    assert owners(policy) == {KEY: 3}
    clash = AddressClash("core", KEY, owner_account_id=3, loser_account_id=7)
    assert policy.clashes("core") == (clash,)
    assert policy.effective(3).clashes == (clash,)
    assert policy.effective(7).clashes == (clash,)


def test_the_next_lowest_takes_over_when_the_owner_lets_go() -> None:
    data = dataset(
        address_lists=(EVERYONE,),
        accounts=(
            account(3, "100.64.0.10/32"),
            account(5, "100.64.0.10/32"),
            account(9, "100.64.0.10/32"),
        ),
    )
    policy = engine(data)
    dirty = policy.put_account(account(3, "100.64.0.99/32"))
    assert owners(policy) == {KEY: 5, (4, "subscribers", "100.64.0.99"): 3}
    assert dirty.devices == {"core"}
    assert {3, 5, 9} <= dirty.account_ids
    assert policy.clashes("core") == (AddressClash("core", KEY, 5, 9),)
    policy.remove_account(5)
    assert owners(policy)[KEY] == 9
    assert policy.clashes("core") == ()
    assert policy.effective(9).clashes == ()


def test_a_lower_id_arriving_takes_the_key_and_the_device_is_dirty() -> None:
    policy = engine(dataset(address_lists=(EVERYONE,), accounts=(account(8, "100.64.0.10/32"),)))
    dirty = policy.put_account(account(2, "100.64.0.10/32"))
    assert dirty.devices == {"core"}
    assert dirty.account_ids == {2, 8}
    assert owners(policy) == {KEY: 2}
    # A higher id arriving changes no entry: the device needs no sync.
    dirty = policy.put_account(account(9, "100.64.0.10/32"))
    assert dirty.devices == frozenset()
    assert owners(policy) == {KEY: 2}


def test_clashes_are_per_device() -> None:
    devices = (DeviceScope("a"), DeviceScope("b"))
    scoped = AddressList(2, "only-a", devices=("a",))
    data = dataset(
        address_lists=(scoped,),
        accounts=(account(1, "100.64.0.10/32"), account(2, "100.64.0.10/32")),
    )
    policy = engine(data, devices=devices)
    assert policy.clashes("a") == (AddressClash("a", (4, "only-a", "100.64.0.10"), 1, 2),)
    assert policy.clashes("b") == ()
