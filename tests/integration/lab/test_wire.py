"""The RouterOS API word and sentence codec (pure; lives beside the lab it serves)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provisiond.lab.errors import WireError
from provisiond.lab.wire import (
    MAX_LENGTH,
    SentenceDecoder,
    decode_length,
    encode_length,
    encode_sentence,
    encode_word,
)

# (smallest length, largest length, prefix bytes) of each of the five forms.
FORMS = [
    (0, 0x7F, 1),
    (0x80, 0x3FFF, 2),
    (0x4000, 0x1FFFFF, 3),
    (0x200000, 0xFFFFFFF, 4),
    (0x10000000, MAX_LENGTH, 5),
]


def _form_size(length: int) -> int:
    return next(size for low, high, size in FORMS if low <= length <= high)


lengths = st.one_of(
    st.sampled_from([bound for low, high, _ in FORMS for bound in (low, high)]),
    *(st.integers(low, high) for low, high, _ in FORMS),
)


@given(lengths)
def test_every_length_round_trips_in_its_shortest_form(length: int) -> None:
    encoded = encode_length(length)
    assert len(encoded) == _form_size(length)
    assert decode_length(encoded) == (length, len(encoded))
    assert decode_length(b"junk" + encoded, 4) == (length, len(encoded))


@pytest.mark.parametrize(
    ("length", "encoded"),
    [
        (0x7F, b"\x7f"),
        (0x80, b"\x80\x80"),
        (0x3FFF, b"\xbf\xff"),
        (0x4000, b"\xc0\x40\x00"),
        (0x1FFFFF, b"\xdf\xff\xff"),
        (0x200000, b"\xe0\x20\x00\x00"),
        (0xFFFFFFF, b"\xef\xff\xff\xff"),
        (0x10000000, b"\xf0\x10\x00\x00\x00"),
    ],
)
def test_boundaries_match_the_manual(length: int, encoded: bytes) -> None:
    assert encode_length(length) == encoded
    assert decode_length(encoded) == (length, len(encoded))


@given(lengths)
def test_a_truncated_prefix_asks_for_more(length: int) -> None:
    encoded = encode_length(length)
    for cut in range(len(encoded)):
        assert decode_length(encoded[:cut]) is None


def test_the_five_byte_form_is_read_for_any_length() -> None:
    # RouterOS decodes by the first byte, so 0xF0 + four bytes may carry a short length.
    assert decode_length(b"\xf0\x00\x00\x00\x05") == (5, 5)
    decoder = SentenceDecoder()
    assert decoder.feed(b"\xf0\x00\x00\x00\x05/quit\x00") == [["/quit"]]


@pytest.mark.parametrize("control", range(0xF8, 0x100))
def test_reserved_control_bytes_are_rejected(control: int) -> None:
    with pytest.raises(WireError, match="control byte"):
        decode_length(bytes([control, 0, 0, 0, 0]))
    with pytest.raises(WireError):
        SentenceDecoder().feed(encode_word("/login") + bytes([control]))


def test_lengths_outside_the_wire_range_are_refused() -> None:
    with pytest.raises(WireError):
        encode_length(-1)
    with pytest.raises(WireError):
        encode_length(MAX_LENGTH + 1)


words = st.text(st.characters(codec="utf-8"), min_size=1, max_size=40)
sentences = st.lists(st.lists(words, min_size=1, max_size=6), min_size=1, max_size=5)


@given(sentences, st.lists(st.integers(min_value=0, max_value=10_000), max_size=8))
def test_sentences_survive_any_chunking(batch: list[list[str]], cuts: list[int]) -> None:
    stream = b"".join(encode_sentence(sentence) for sentence in batch)
    points = sorted({cut % (len(stream) + 1) for cut in cuts} | {0, len(stream)})
    decoder = SentenceDecoder()
    decoded: list[list[str]] = []
    for start, end in itertools.pairwise(points):
        decoded.extend(decoder.feed(stream[start:end]))
    assert decoded == batch
    assert not decoder.pending


@pytest.mark.parametrize("size", [0x7F, 0x80, 0x3FFF, 0x4000, 0x1FFFFF, 0x200000])
def test_long_words_decode_byte_by_byte_around_each_boundary(size: int) -> None:
    sentence = ["/ip/firewall/address-list/add", "=" + "x" * (size - 1)]
    stream = encode_sentence(sentence)
    decoder = SentenceDecoder()
    # Byte by byte through the command word and the long word's length prefix.
    out = [s for byte in stream[:40] for s in decoder.feed(bytes([byte]))]
    out += decoder.feed(stream[40:])
    assert out == [sentence]


def test_an_empty_word_ends_the_sentence_and_empty_sentences_come_through() -> None:
    assert SentenceDecoder().feed(b"\x00" + encode_sentence(["!done"])) == [[], ["!done"]]


def test_a_sentence_over_the_limit_fails_before_it_is_buffered() -> None:
    decoder = SentenceDecoder(max_sentence_bytes=100)
    with pytest.raises(WireError, match="longer than 100"):
        decoder.feed(encode_length(0x10000000))
    decoder = SentenceDecoder(max_sentence_bytes=100)
    with pytest.raises(WireError):
        decoder.feed(encode_word("a" * 60) + encode_word("b" * 60))


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    assert SentenceDecoder().feed(b"\x02\xff\xfe\x00") == [["\ufffd\ufffd"]]
