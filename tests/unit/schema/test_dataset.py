"""`parse_dataset` / `dump_dataset`: the §3 import document, and the shipped sample data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from provisiond.model.enums import RadiusKind
from provisiond.model.errors import InvalidError
from provisiond.model.objects import AccountStatus, Dataset
from provisiond.schema import KINDS, dump_dataset, parse_dataset

EXAMPLE = Path(__file__).parents[3] / "config" / "example-data.json"


def account(account_id: int, **fields: object) -> dict[str, Any]:
    return {"id": account_id, "name": f"a{account_id}", "status_id": 1, **fields}


def error_of(document: object, **options: bool) -> InvalidError:
    with pytest.raises(InvalidError) as info:
        parse_dataset(document, **options)
    return info.value


def test_every_key_is_optional() -> None:
    assert parse_dataset({}) == Dataset()


def test_errors_are_prefixed_with_kind_and_index() -> None:
    document = {
        "accounts": [
            account(1),
            account(2),
            account(3),
            account(4, ip_assignments=["100.64.0.1/24"]),
        ]
    }
    assert error_of(document).field == "accounts.3.ip_assignments.0"
    nested = {"accounts": [account(1, radius_accounts=[{"username": ""}])]}
    assert error_of(nested).field == "accounts.0.radius_accounts.0.username"


def test_ids_are_required() -> None:
    document = {"account_types": [{"id": 1, "name": "a"}, {"name": "b"}]}
    assert error_of(document).field == "account_types.1.id"


def test_duplicate_ids_within_a_kind() -> None:
    document = {"account_types": [{"id": 1, "name": "a"}, {"id": 1, "name": "b"}]}
    assert error_of(document).field == "account_types.1.id"
    # The same id in two kinds is fine: ids are per kind.
    ok = parse_dataset(
        {"account_types": [{"id": 1, "name": "a"}], "account_groups": [{"id": 1, "name": "g"}]}
    )
    assert ok.account_types[0].id == ok.account_groups[0].id == 1


def test_unknown_top_level_key() -> None:
    assert error_of({"account_types": [], "devices": []}).field == "devices"


def test_shape_errors() -> None:
    assert error_of([]).field is None
    assert error_of({"accounts": {"id": 1}}).field == "accounts"
    assert error_of({"accounts": [account(1), 7]}).field == "accounts.1"


def test_import_takes_read_only_fields_and_missing_passwords() -> None:
    document = {
        "accounts": [
            account(
                1,
                activated_at="2024-01-01T00:00:00Z",
                radius_accounts=[{"username": "u", "kind": "password"}],
            )
        ],
        "scheduled_events": [
            {
                "id": 1,
                "account_id": 1,
                "at": "2024-01-01T00:00:00Z",
                "action": "set_delinquent",
                "complete": True,
            }
        ],
    }
    ds = parse_dataset(document)
    assert ds.accounts[0].radius_accounts[0].password is None
    assert ds.scheduled_events[0].complete
    # Validated as API creates instead, the same document is refused.
    assert error_of(document, importing=False).field == "accounts.0.activated_at"
    del document["accounts"][0]["activated_at"]
    assert error_of(document, importing=False).field == "accounts.0.radius_accounts.0.password"


def test_dump_dataset_has_every_kind_in_order_and_hides_secrets() -> None:
    ds = parse_dataset(json.loads(EXAMPLE.read_text()))
    hidden = dump_dataset(ds, include_secrets=False)
    assert list(hidden) == list(KINDS)
    entries = [r for a in hidden["accounts"] for r in a["radius_accounts"]]
    assert entries
    assert all("password" not in r for r in entries)
    shown = dump_dataset(ds, include_secrets=True)
    assert any("password" in r for a in shown["accounts"] for r in a["radius_accounts"])
    assert parse_dataset(json.loads(json.dumps(shown))) == ds
    assert dump_dataset(Dataset(), include_secrets=False) == {kind: [] for kind in KINDS}


def test_example_data_parses_and_is_what_make_run_promises() -> None:
    raw = json.loads(EXAMPLE.read_text())
    ds = parse_dataset(raw)
    statuses = {s.name: s for s in ds.account_statuses}
    assert statuses == {
        "Active": AccountStatus(1, "Active", activates_account=True),
        "Inactive": AccountStatus(2, "Inactive", activates_account=False),
        "Lead": AccountStatus(3, "Lead", activates_account=False),
        "Vacation": AccountStatus(4, "Vacation", activates_account=True),
    }
    assert [a.id for a in ds.accounts] == list(range(1001, 1013))
    assert {s.name for s in ds.services} == {"Home 25", "Home 100", "Business 500", "Vacation 1M"}
    assert {a.name for a in ds.address_lists} == {"active", "delinquent", "vacation", "inactive"}
    assert {g.name for g in ds.radius_groups} == {
        "rate-by-service",
        "delinquent-redirect",
        "vacation",
    }
    assert len(ds.scheduled_events) == 1
    assert ds.triggers == ()
    assert ds.vacations == ()
    kinds = {r.kind for a in ds.accounts for r in a.radius_accounts}
    assert kinds == {RadiusKind.PASSWORD, RadiusKind.MAC}
    # Every id is explicit, so a re-import is an idempotent upsert.
    assert all("id" in obj for kind in KINDS for obj in raw.get(kind, []))
