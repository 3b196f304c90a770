"""A small subscriber world for the RADIUS server tests: accounts, a NAS, an engine."""

from __future__ import annotations

import ipaddress

from provisiond.config.settings import DeviceSettings, NasSettings, Platform
from provisiond.model.device_state import DeviceScope
from provisiond.model.enums import RadiusKind
from provisiond.model.objects import Account, AddressList, Dataset, RadiusAccount
from provisiond.model.secret import Secret
from provisiond.policy.engine import PolicyEngine, PolicySettings
from tests.unit.policy.factory import STATUSES, TIER_100, TIER_SLOW

NAS_SECRET = "testing123"
ALICE_PASSWORD = "alice-secret"
BOB_PASSWORD = "bob-secret"
MAC = "AA:BB:CC:DD:EE:0F"
EVERYONE = AddressList(1, "everyone")


def radius_account(username: str, password: str | None = None, **fields: object) -> RadiusAccount:
    secret = None if password is None else Secret(password)
    return RadiusAccount(username, password=secret, **fields)  # type: ignore[arg-type]


ALICE = Account(
    1,
    "Alice",
    status_id=1,
    service_ids=(1,),
    radius_accounts=(
        radius_account("alice", ALICE_PASSWORD, framed_ip=ipaddress.IPv4Address("100.64.0.10")),
    ),
)
BOB = Account(
    2, "Bob", status_id=1, service_ids=(2,), radius_accounts=(radius_account("bob", BOB_PASSWORD),)
)
CAMERA = Account(
    3,
    "Camera",
    status_id=1,
    service_ids=(2,),
    radius_accounts=(RadiusAccount(MAC, kind=RadiusKind.MAC),),
)
CAROL = Account(
    4, "Carol", status_id=2, service_ids=(1,), radius_accounts=(radius_account("carol", "c"),)
)


def dataset(*accounts: Account) -> Dataset:
    return Dataset(
        account_statuses=STATUSES,
        services=(TIER_100, TIER_SLOW),
        address_lists=(EVERYONE,),
        accounts=accounts or (ALICE, BOB, CAMERA, CAROL),
    )


def engine(data: Dataset | None = None, *, devices: tuple[str, ...] = ("core",)) -> PolicyEngine:
    policy = PolicyEngine(
        settings=PolicySettings(interim_interval_s=300),
        devices=[DeviceScope(name) for name in devices],
    )
    policy.load(data or dataset())
    return policy


def nas_device(
    name: str = "core",
    *addresses: str,
    secret: str = NAS_SECRET,
    require_message_authenticator: bool = True,
    nas_identifier: str = "",
) -> DeviceSettings:
    return DeviceSettings(
        name=name,
        platform=Platform.NONE,
        nas=NasSettings(
            address=tuple(ipaddress.ip_network(a) for a in addresses or ("127.0.0.1",)),
            secret=Secret(secret),
            nas_identifier=nas_identifier,
            require_message_authenticator=require_message_authenticator,
        ),
    )
