from __future__ import annotations

import tomllib

import pytest

from provisiond.config.positions import scan

TRICKY = '''\
# a comment with = and [brackets]
title = "x = [not a table]"   # trailing comment
a.b . c = 1
"quoted.key" = 2
'literal' = 3
"esc\\u0061ped" = 4
[server]
listen = ["127.0.0.1",
  "::1",   # a comment inside an array ]
  """multi
fake = 1
[not.a.table]
""",
]
inline = { host = "h", port = 1, nested = { deep = true } }
[ server . "tls.files" ]
cert = 'C:\\path'
[[device]]
name = "one"
[device.nas]
address = ["a", "b"]
[[device]]
name = "two"
[[device.queue]]
x = 1
[[device.queue]]
x = 2
[[device]]
notes = \'\'\'
[[device]]
\'\'\'
'''


@pytest.mark.parametrize(
    ("path", "line"),
    [
        (("title",), 2),
        (("a",), 3),
        (("a", "b", "c"), 3),
        (("quoted.key",), 4),
        (("literal",), 5),
        (("escaped",), 6),
        (("server",), 7),
        (("server", "listen"), 8),
        (("server", "listen", "0"), 8),
        (("server", "listen", "1"), 9),
        (("server", "listen", "2"), 10),
        (("server", "inline"), 15),
        (("server", "inline", "port"), 15),
        (("server", "inline", "nested", "deep"), 15),
        (("server", "tls.files"), 16),
        (("server", "tls.files", "cert"), 17),
        (("device",), 18),
        (("device", "0"), 18),
        (("device", "0", "name"), 19),
        (("device", "0", "nas"), 20),
        (("device", "0", "nas", "address", "1"), 21),
        (("device", "1"), 22),
        (("device", "1", "queue", "0"), 24),
        (("device", "1", "queue", "1", "x"), 27),
        (("device", "2"), 28),
        (("device", "2", "notes"), 29),
    ],
)
def test_tricky_document_keys_have_their_lines(path: tuple[str, ...], line: int) -> None:
    assert tomllib.loads(TRICKY)  # the fixture itself must be valid TOML
    assert scan(TRICKY).line_of(path) == line


def test_continuation_lines_are_not_keys() -> None:
    lines = scan(TRICKY)
    # `fake = 1` and `[not.a.table]` sit inside a multi-line string: they fall back to
    # their nearest real ancestor instead of getting lines of their own.
    assert lines.line_of(("server", "fake")) == 7
    assert lines.line_of(("not",)) == 1
    assert lines.line_of(("device", "3")) == 18


def test_unknown_path_falls_back_to_enclosing_table_or_line_one() -> None:
    lines = scan("x = 1\n\n[radius]\nauth_port = 1\n")
    assert lines.line_of(("radius", "missing")) == 3
    assert lines.line_of(("status", "listen")) == 1
    assert lines.line_of(()) == 1


def test_array_of_inline_tables_numbers_elements() -> None:
    text = 'device = [\n  { name = "a" },\n  { name = "b", port = 1 },\n]\n'
    lines = scan(text)
    assert lines.line_of(("device", "1", "port")) == 3
    assert lines.line_of(("device", "0")) == 2


def test_nested_arrays_of_tables_count_per_parent() -> None:
    text = "[[a]]\n[[a.b]]\n[[a]]\n[[a.b]]\n[[a.b]]\nk = 1\n"
    lines = scan(text)
    assert lines.line_of(("a", "1", "b", "0")) == 4
    assert lines.line_of(("a", "1", "b", "1", "k")) == 6


def test_quotes_and_escapes_inside_strings_do_not_end_them() -> None:
    text = 's = "a \\" # not a comment"\nt = \'\'\'it\'\'s\'\'\'\nu = """x""""\nv = 1\n'
    assert tomllib.loads(text)
    assert scan(text).line_of(("v",)) == 4
