"""The API codec: librouteros' encoder, our incremental decoder."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provisiond.drivers import PermanentDriverError, UnexpectedReplyError
from provisiond.drivers.codec import SentenceDecoder, encode


@pytest.mark.parametrize("length", [0x7F, 0x80, 0x3FFF, 0x4000, 0x1FFFFF, 0x200000])
def test_every_length_form_round_trips(length: int) -> None:
    sentence = ["!re", "=comment=" + "x" * length, ".tag=1"]
    assert SentenceDecoder().feed(encode(sentence)) == [sentence]


@given(st.lists(st.lists(st.text(min_size=1), min_size=1), max_size=5), st.integers(1, 7))
def test_sentences_split_anywhere_decode_whole(sentences: list[list[str]], step: int) -> None:
    data = b"".join(encode(sentence) for sentence in sentences)
    decoder = SentenceDecoder()
    decoded = []
    for start in range(0, len(data), step):
        decoded += decoder.feed(data[start : start + step])
    assert decoded == sentences


def test_invalid_utf8_is_visible_not_dropped() -> None:
    assert SentenceDecoder().feed(b"\x03a\xffb\x00") == [["a\ufffdb"]]


@pytest.mark.parametrize("first", [0xF0, 0xF8, 0xFF])
def test_an_unreadable_length_byte(first: int) -> None:
    with pytest.raises(UnexpectedReplyError):
        SentenceDecoder().feed(bytes((first, 0, 0, 0, 1)))


def test_a_word_that_cannot_be_encoded() -> None:
    with pytest.raises(PermanentDriverError, match="cannot encode"):
        encode(["/x", "\udc80"])
