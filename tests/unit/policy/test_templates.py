from __future__ import annotations

import pytest

from provisiond.policy.errors import TemplateError
from provisiond.policy.rates import Rate
from provisiond.policy.templates import compile_template, template_values, validate_template

VALUES = template_values(username="alice", account_id=42, rate=Rate(100_000, 20_000))


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("{rate_limit}", "20M/100M"),
        ("{download_kbps}/{upload_kbps}", "100000/20000"),
        ("{download_bps} {upload_bps}", "100000000 20000000"),
        ("user-{username}-{account_id}", "user-alice-42"),
        ("plain", "plain"),
        ("{{literal}} {username}", "{literal} alice"),
        ("}}{{", "}{"),
    ],
)
def test_render(text: str, rendered: str) -> None:
    assert compile_template(text).render(VALUES) == rendered


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{speed}", "unknown placeholder {speed}"),
        ("{}", "unknown placeholder"),
        ("{username.upper}", "unknown placeholder"),
        ("{username[0]}", "unknown placeholder"),
        ("{username:>10}", "no format spec"),
        ("{username!r}", "no format spec"),
        ("{username", "literal brace"),
        ("username}", "literal brace"),
    ],
)
def test_invalid_templates_are_refused_at_definition_time(text: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        validate_template(text)
    with pytest.raises(ValueError, match=message):
        validate_template(text)


def test_needs_rate_only_for_rate_placeholders() -> None:
    assert compile_template("{rate_limit}").needs_rate
    assert compile_template("x{upload_bps}").needs_rate
    assert not compile_template("{username} {account_id}").needs_rate
    assert not compile_template("{{rate_limit}}").needs_rate


def test_no_rate_leaves_out_the_rate_values() -> None:
    values = template_values(username="bob", account_id=1, rate=None)
    assert values == {"username": "bob", "account_id": "1"}
