from __future__ import annotations

import pytest

from provisiond.model.secret import Secret
from provisiond.store.crypto import PREFIX, SecretBox, SecretColumns
from provisiond.store.errors import SecretKeyError

PURPOSE = "radius_accounts.password"


def test_sealed_values_open_with_the_same_key_only() -> None:
    box = SecretBox(Secret("key"))
    sealed = box.seal("hunter2", purpose=PURPOSE)
    assert sealed.startswith(PREFIX)
    assert "hunter2" not in sealed
    assert box.open(sealed, purpose=PURPOSE) == "hunter2"
    with pytest.raises(SecretKeyError, match="wrong"):
        SecretBox(Secret("other")).open(sealed, purpose=PURPOSE)


def test_every_seal_uses_a_fresh_nonce() -> None:
    box = SecretBox(Secret("key"))
    assert box.seal("same", purpose=PURPOSE) != box.seal("same", purpose=PURPOSE)


def test_a_value_moved_to_another_column_does_not_open() -> None:
    box = SecretBox(Secret("key"))
    sealed = box.seal("hunter2", purpose=PURPOSE)
    with pytest.raises(SecretKeyError):
        box.open(sealed, purpose="triggers.secret")


@pytest.mark.parametrize("stored", ["hunter2", "v1:not base64!", "v1:", "v1:AAAA"])
def test_damaged_or_foreign_values_are_key_errors(stored: str) -> None:
    with pytest.raises(SecretKeyError):
        SecretBox(Secret("key")).open(stored, purpose=PURPOSE)


def test_columns_without_a_key_keep_values_as_they_are() -> None:
    plain = SecretColumns(None)
    assert not plain.encrypted
    assert plain.store(Secret("pw"), purpose=PURPOSE) == "pw"
    assert plain.load("pw", purpose=PURPOSE) == Secret("pw")
    assert plain.store(None, purpose=PURPOSE) is None
    assert plain.load(None, purpose=PURPOSE) is None


def test_columns_with_a_key_round_trip() -> None:
    sealed = SecretColumns(SecretBox(Secret("key")))
    assert sealed.encrypted
    stored = sealed.store(Secret("pw"), purpose=PURPOSE)
    assert stored is not None
    assert stored != "pw"
    assert sealed.load(stored, purpose=PURPOSE) == Secret("pw")
