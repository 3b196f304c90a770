from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provisiond.radius.digest import SharedSecret, md5_digest


def reference_md5(data: bytes) -> bytes:
    return hashlib.md5(data, usedforsecurity=False).digest()


@given(
    key=st.binary(min_size=1, max_size=100),
    parts=st.lists(st.binary(max_size=80), min_size=1, max_size=4),
)
def test_hmac_md5_matches_the_standard_library(key: bytes, parts: list[bytes]) -> None:
    # Keys longer than the 64-octet block are hashed first (RFC 2104 §2).
    expected = hmac.new(key, b"".join(parts), "md5").digest()
    assert SharedSecret(key).hmac_md5(*parts) == expected


@given(key=st.binary(min_size=1, max_size=40), data=st.binary(max_size=80))
def test_md5_around_the_secret(key: bytes, data: bytes) -> None:
    secret = SharedSecret(key)
    assert secret.md5_after_secret(data) == reference_md5(key + data)
    assert secret.md5_before_secret(data, b"x") == reference_md5(data + b"x" + key)
    assert md5_digest(data) == reference_md5(data)


def test_a_secret_never_shows_in_its_repr() -> None:
    assert "s3cret" not in repr(SharedSecret(b"s3cret"))


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        SharedSecret(b"")
