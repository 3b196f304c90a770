from __future__ import annotations

from provisiond.model import objects
from provisiond.model.enums import RadiusKind, TriggerEvent
from provisiond.model.secret import Secret
from provisiond.schema import codec
from provisiond.store.writeonly import CHANGED, keep_stored, mark_changes


def _account(*entries: objects.RadiusAccount) -> objects.Account:
    return objects.Account(1, "a", status_id=1, radius_accounts=entries)


def _trigger(secret: Secret | None) -> objects.Trigger:
    return objects.Trigger(1, "t", TriggerEvent.ACCOUNT_DELINQUENT, "https://x", secret=secret)


def test_an_omitted_password_keeps_the_stored_one_by_username() -> None:
    stored = _account(objects.RadiusAccount("u", password=Secret("old")))
    new = _account(objects.RadiusAccount("u"), objects.RadiusAccount("v"))
    kept = keep_stored(new, stored)
    assert [e.password for e in kept.radius_accounts] == [Secret("old"), None]
    assert keep_stored(new, None) == new


def test_a_mac_entry_gets_no_password_back() -> None:
    stored = _account(objects.RadiusAccount("u", password=Secret("old")))
    new = _account(objects.RadiusAccount("u", kind=RadiusKind.MAC))
    assert keep_stored(new, stored) == new


def test_an_omitted_trigger_secret_keeps_the_stored_one() -> None:
    assert keep_stored(_trigger(None), _trigger(Secret("s"))) == _trigger(Secret("s"))
    assert keep_stored(_trigger(Secret("n")), _trigger(Secret("s"))) == _trigger(Secret("n"))


def test_changes_are_marked_and_values_never_shown() -> None:
    before = _account(
        objects.RadiusAccount("u", password=Secret("old")),
        objects.RadiusAccount("v", password=Secret("same")),
    )
    after = _account(
        objects.RadiusAccount("u", password=Secret("new")),
        objects.RadiusAccount("v", password=Secret("same")),
        objects.RadiusAccount("w", password=Secret("fresh")),
    )
    rendered = codec.dump(after)
    mark_changes(rendered, before=before, after=after)
    assert [e.get("password") for e in rendered["radius_accounts"]] == [CHANGED, None, CHANGED]
    assert "new" not in str(rendered)
    assert "fresh" not in str(rendered)


def test_trigger_secret_marked_only_when_changed() -> None:
    same = codec.dump(_trigger(Secret("s")))
    mark_changes(same, before=_trigger(Secret("s")), after=_trigger(Secret("s")))
    assert "secret" not in same
    changed = codec.dump(_trigger(Secret("n")))
    mark_changes(changed, before=_trigger(Secret("s")), after=_trigger(Secret("n")))
    assert changed["secret"] == CHANGED
