"""Finding the NAS that sent a datagram: address, prefix, NAS-Identifier."""

from __future__ import annotations

import ipaddress

import pytest

from provisiond.radius import clients
from provisiond.radius.clients import NasClient, NasEntry, NasTable, select
from provisiond.radius.digest import SharedSecret
from tests.unit.radius import world


def client(name: str, identifier: str = "") -> NasClient:
    return NasClient(name, SharedSecret(b"s"), nas_identifier=identifier)


def entry(nas: NasClient, *prefixes: str) -> NasEntry:
    return NasEntry(nas, tuple(ipaddress.ip_network(p) for p in prefixes))


CORE, EDGE, POP = client("core"), client("edge"), client("pop")
TABLE = NasTable(
    [
        entry(CORE, "192.0.2.1"),
        entry(EDGE, "198.51.100.0/24", "2001:db8::/64"),
        entry(POP, "198.51.100.128/25"),
    ]
)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("192.0.2.1", (CORE,)),
        ("198.51.100.7", (EDGE,)),
        ("198.51.100.200", (POP,)),  # the longest prefix wins
        ("2001:db8::5", (EDGE,)),
        ("::ffff:192.0.2.1", (CORE,)),  # an IPv4-mapped source on a dual-stack socket
        ("192.0.2.2", ()),
        ("not an address", ()),
    ],
)
def test_sources_map_to_clients(host: str, expected: tuple[NasClient, ...]) -> None:
    assert TABLE.candidates(host) == expected


def test_resolved_sources_are_remembered_within_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clients, "MAX_REMEMBERED", 2)
    table = NasTable([entry(EDGE, "10.0.0.0/8")])
    for last in range(1, 6):
        assert table.candidates(f"10.0.0.{last}") == (EDGE,)
    assert len(table._memo) <= 2


def test_one_candidate_is_the_client_whatever_it_sends() -> None:
    assert select((CORE,), "anything") is CORE
    assert select((CORE,), None) is CORE


def test_nas_sharing_an_address_are_told_apart_by_nas_identifier() -> None:
    north, south, plain = client("north", "n"), client("south", "s"), client("plain")
    assert select((north, south), "s") is south
    assert select((north, south), "x") is None
    assert select((north, south), None) is None
    assert select((north, south, plain), "x") is plain  # the one without an identifier


def test_the_table_is_built_from_the_nas_devices() -> None:
    devices = (
        world.nas_device("core", "127.0.0.1", require_message_authenticator=False),
        world.nas_device("edge", "10.0.0.0/8", nas_identifier="edge-1"),
    )
    table = NasTable.from_devices(devices)
    (core,) = table.candidates("127.0.0.1")
    assert core.name == "core"
    assert not core.require_message_authenticator
    assert core.secret.value == world.NAS_SECRET.encode()
    (edge,) = table.candidates("10.1.2.3")
    assert edge.nas_identifier == "edge-1"
    assert [c.name for c in table.clients] == ["core", "edge"]
    assert world.NAS_SECRET not in repr(core)
