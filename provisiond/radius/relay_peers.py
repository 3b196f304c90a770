"""The CoA relay's peers (`[[radius.coa_client]]`): who may send, and what they may do.

A peer is known by the source address of its datagrams (an address or a prefix); the
secret then has to verify the Request Authenticator (RFC 5176 §3.3). Where several
entries cover one source, the most specific prefix is tried first, and the first whose
secret verifies the request is the sender, so two peers behind one NAT address can
still be told apart by their secrets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from provisiond.radius.auth import verify_request_authenticator
from provisiond.radius.clients import SourceMemo, source_address
from provisiond.radius.digest import SharedSecret

if TYPE_CHECKING:
    from collections.abc import Iterable

    from provisiond.config.settings import CoaAction, CoaClient
    from provisiond.model.network import Prefix
    from provisiond.radius.packet import Packet

MAX_REMEMBERED: Final = 4096  # resolved sources kept; cleared when full (spoofed sources)


@dataclass(frozen=True, slots=True, eq=False)
class CoaPeer:
    """One `[[radius.coa_client]]` with its secret ready for packet checks."""

    index: int  # its position in the config, to name it in logs without the secret
    secret: SharedSecret
    allow: frozenset[CoaAction]
    nas: frozenset[str]  # device names it may reach; empty = every device
    require_message_authenticator: bool

    def __repr__(self) -> str:
        return f"CoaPeer(#{self.index})"

    def may_reach(self, device: str) -> bool:
        return not self.nas or device in self.nas


class PeerTable:
    """Source address → the peers that may send from it, most specific prefix first."""

    def __init__(self, clients: Iterable[CoaClient] = ()) -> None:
        entries: list[tuple[Prefix, CoaPeer]] = []
        for index, client in enumerate(clients):
            peer = CoaPeer(
                index=index,
                secret=SharedSecret(client.secret.reveal().encode()),
                allow=client.allow,
                nas=frozenset(client.nas),
                require_message_authenticator=client.require_message_authenticator,
            )
            entries.extend((prefix, peer) for prefix in client.address)
        # Longest prefix first; equal prefixes keep the config's order (a stable sort).
        self._entries = tuple(sorted(entries, key=lambda entry: -entry[0].prefixlen))
        self._memo = SourceMemo(self._resolve, MAX_REMEMBERED)

    def __len__(self) -> int:
        return len({peer.index for _, peer in self._entries})

    def candidates(self, host: str) -> tuple[CoaPeer, ...]:
        """The peers configured for this source address; empty for a stranger."""
        return self._memo[host]

    def _resolve(self, host: str) -> tuple[CoaPeer, ...]:
        address = source_address(host)
        if address is None:
            return ()
        found: list[CoaPeer] = []
        for prefix, peer in self._entries:
            if address.version == prefix.version and address in prefix and peer not in found:
                found.append(peer)
        return tuple(found)


def sender(candidates: Iterable[CoaPeer], packet: Packet) -> CoaPeer | None:
    """The candidate whose secret verifies the request's authenticator, if any."""
    return next(
        (peer for peer in candidates if verify_request_authenticator(packet, peer.secret)),
        None,
    )
