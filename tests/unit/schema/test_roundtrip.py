"""Property: every valid object survives dump → JSON text → parse unchanged."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provisiond.model.objects import Account, Dataset, Service
from provisiond.schema import KINDS, dump, dump_dataset, parse_create, parse_dataset
from tests.unit.schema import strategies
from tests.unit.schema.strategies import STRATEGIES

if TYPE_CHECKING:
    from provisiond.schema.kinds import ModelObject


def test_every_kind_has_a_strategy() -> None:
    assert set(STRATEGIES) == set(KINDS)


@pytest.mark.parametrize("kind", list(KINDS))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_round_trip(kind: str, data: st.DataObject) -> None:
    obj: ModelObject = data.draw(STRATEGIES[kind])
    shape = dump(obj, include_secrets=True)
    assert parse_create(kind, shape, importing=True) == obj
    # Through real JSON text, as the API and `provisiond import` see it.
    assert parse_create(kind, json.loads(json.dumps(shape)), importing=True) == obj


@settings(max_examples=25, deadline=None)
@given(
    accounts=st.lists(strategies.accounts(), max_size=3, unique_by=lambda a: a.id),
    services=st.lists(strategies.services(), max_size=3, unique_by=lambda s: s.id),
)
def test_dataset_round_trip(accounts: list[Account], services: list[Service]) -> None:
    ds = Dataset(accounts=tuple(accounts), services=tuple(services))
    text = json.dumps(dump_dataset(ds, include_secrets=True))
    assert parse_dataset(json.loads(text)) == ds
