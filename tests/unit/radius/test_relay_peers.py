"""Who may talk to the CoA relay: peers by source address, told apart by their secrets."""

from __future__ import annotations

import ipaddress

from provisiond.config.settings import CoaAction, CoaClient
from provisiond.model.secret import Secret
from provisiond.radius.digest import SharedSecret
from provisiond.radius.packet import parse
from provisiond.radius.relay_peers import PeerTable, sender
from provisiond.radius.request import build_request
from provisiond.radius.wire import Code


def client(*addresses: str, shared: str = "s", **fields: object) -> CoaClient:
    return CoaClient(
        address=tuple(ipaddress.ip_network(address) for address in addresses),
        secret=Secret(shared),
        **fields,  # type: ignore[arg-type]
    )


def test_sources_resolve_to_their_peers_most_specific_prefix_first() -> None:
    table = PeerTable([client("10.0.0.0/8", shared="wide"), client("10.1.2.3/32", shared="host")])

    assert [peer.index for peer in table.candidates("10.1.2.3")] == [1, 0]
    assert [peer.index for peer in table.candidates("10.9.9.9")] == [0]
    assert [peer.index for peer in table.candidates("::ffff:10.1.2.3")] == [1, 0]
    assert table.candidates("192.0.2.1") == ()
    assert table.candidates("not-an-address") == ()
    assert len(table) == 2


def test_one_peer_with_several_prefixes_is_one_candidate() -> None:
    table = PeerTable([client("10.0.0.0/8", "10.1.0.0/16")])

    assert len(table.candidates("10.1.0.1")) == 1


def test_the_sender_is_the_peer_whose_secret_verifies_the_request() -> None:
    table = PeerTable([client("127.0.0.1/32", shared="one"), client("127.0.0.1/32", shared="two")])
    request = parse(build_request(Code.COA_REQUEST, 1, SharedSecret(b"two"), b""))
    forged = parse(build_request(Code.COA_REQUEST, 1, SharedSecret(b"three"), b""))

    found = sender(table.candidates("127.0.0.1"), request)

    assert found is not None
    assert found.index == 1
    assert sender(table.candidates("127.0.0.1"), forged) is None


def test_permissions_come_from_the_config() -> None:
    (peer,) = PeerTable(
        [client("127.0.0.1/32", allow=frozenset({CoaAction.COA}), nas=("core",))]
    ).candidates("127.0.0.1")

    assert peer.allow == {CoaAction.COA}
    assert peer.may_reach("core")
    assert not peer.may_reach("edge")
    assert repr(peer) == "CoaPeer(#0)"  # names it without the secret
    (anyone,) = PeerTable([client("127.0.0.1/32")]).candidates("127.0.0.1")
    assert anyone.may_reach("edge")
