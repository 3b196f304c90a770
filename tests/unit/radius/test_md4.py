from __future__ import annotations

import pytest

from provisiond.radius.md4 import md4


# RFC 1320 appendix A.5: the complete test suite.
@pytest.mark.parametrize(
    ("message", "digest"),
    [
        (b"", "31d6cfe0d16ae931b73c59d7e0c089c0"),
        (b"a", "bde52cb31de33e46245e05fbdbd6fb24"),
        (b"abc", "a448017aaf21d8525fc10ae87aa6729d"),
        (b"message digest", "d9130a8164549fe818874806e1c7014b"),
        (b"abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"),
        (
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            "043f8582f241db351ce627e153e7f0e4",
        ),
        (b"1234567890" * 8, "e33b4ddc9c38f2199c3e7b164fcc0536"),
    ],
)
def test_rfc_1320_test_suite(message: bytes, digest: str) -> None:
    assert md4(message).hex() == digest


@pytest.mark.parametrize("size", [55, 56, 63, 64, 65, 119, 120, 128])
def test_padding_boundaries_give_distinct_16_octet_digests(size: int) -> None:
    # One block holds up to 55 octets of message; 56 forces a second padding block.
    digest = md4(b"x" * size)
    assert len(digest) == 16
    assert digest != md4(b"x" * (size - 1))
