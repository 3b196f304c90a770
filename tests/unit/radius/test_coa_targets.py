"""`coa_targets`: where each NAS takes CoA, from `[device.nas]`."""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import Any

from provisiond.config.settings import DeviceSettings, NasSettings, Platform
from provisiond.model.secret import Secret
from provisiond.radius.coa_requester import coa_targets


def device(name: str, *addresses: str, **nas: Any) -> DeviceSettings:
    settings = NasSettings(
        address=tuple(ipaddress.ip_network(a) for a in addresses),
        secret=Secret(f"{name}-secret"),
    )
    return DeviceSettings(
        name=name, platform=Platform.NONE, nas=dataclasses.replace(settings, **nas)
    )


def test_a_target_per_nas_with_a_coa_port() -> None:
    targets = coa_targets(
        [
            device("core", "192.0.2.1", coa_port=1700, coa_source="192.0.2.254"),
            device("edge", "198.51.100.0/24", coa_address="198.51.100.7"),
            device("quiet", "203.0.113.1", coa_port=0),
            DeviceSettings(name="router", platform=Platform.ROUTEROS, host="192.0.2.9"),
        ]
    )
    assert sorted(targets) == ["core", "edge"]
    core = targets["core"]
    assert (core.host, core.port, core.source) == ("192.0.2.1", 1700, "192.0.2.254")
    assert core.secret.value == b"core-secret"
    assert core.message_authenticator  # the NAS requires it, so it understands it
    assert (targets["edge"].host, targets["edge"].port) == ("198.51.100.7", 3799)


def test_a_prefix_without_coa_address_gets_no_target() -> None:
    assert coa_targets([device("nat", "198.51.100.0/24")]) == {}


def test_message_authenticator_follows_the_nas_setting() -> None:
    targets = coa_targets([device("old", "192.0.2.1", require_message_authenticator=False)])
    assert not targets["old"].message_authenticator


def test_the_secret_stays_out_of_the_repr() -> None:
    assert "secret" not in repr(coa_targets([device("core", "192.0.2.1")])["core"])


def test_the_nas_identifier_is_carried_for_sessions_that_named_no_nas() -> None:
    targets = coa_targets(
        [device("core", "192.0.2.1", nas_identifier="core-bras"), device("edge", "192.0.2.2")]
    )
    assert targets["core"].nas_identifier == "core-bras"
    assert targets["edge"].nas_identifier == ""  # none configured: no fallback
