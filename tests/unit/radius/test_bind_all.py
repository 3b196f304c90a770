"""`endpoint.bind_all`: every address bound, in order, or none."""

from __future__ import annotations

import pytest

from provisiond.radius.endpoint import bind, bind_all
from provisiond.radius.errors import RadiusBindError


def test_every_address_is_bound_in_the_order_given() -> None:
    sockets = bind_all([("::1", 0), ("127.0.0.1", 0)])
    try:
        assert [sock.getsockname()[0] for sock in sockets] == ["::1", "127.0.0.1"]
    finally:
        for sock in sockets:
            sock.close()


def test_a_failed_address_closes_the_ones_already_bound() -> None:
    probe = bind("127.0.0.1", 0)
    free_port = probe.getsockname()[1]
    probe.close()
    taken = bind("127.0.0.1", 0)
    try:
        taken_port = taken.getsockname()[1]
        # `failure` keeps the traceback, and so bind_all's frame: a socket it did not
        # close itself would still be open below.
        with pytest.raises(
            RadiusBindError, match=rf":{taken_port}: the address is in use"
        ) as failure:
            bind_all([("127.0.0.1", free_port), ("127.0.0.1", taken_port)])
        bind("127.0.0.1", free_port).close()  # released: it can be bound again
        assert failure.value.__traceback__ is not None
    finally:
        taken.close()
