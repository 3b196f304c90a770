"""The summing upsert of usage rows on a real SQLite store: on the driver, in statements of
`ROWS_PER_STATEMENT` rows with the last one padded, or through SQLAlchemy (the path of
every other dialect); both add exactly the rows' bytes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from provisiond.model.errors import ConflictError
from provisiond.store import usage_totals
from provisiond.store.usage_totals import ROWS_PER_STATEMENT, UsageRow, UsageStore
from tests.integration.usage.conftest import APRIL, MARCH

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncConnection

    from provisiond.store import Store


@pytest.fixture(params=["driver", "sqlalchemy"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which way `add` writes: SQLite's own, or the one other dialects take."""
    if request.param == "sqlalchemy":
        monkeypatch.setattr(usage_totals, "driver_upsert", lambda _dialect: None)
    return str(request.param)


async def add(store: Store, rows: Sequence[UsageRow]) -> None:
    async def job(conn: AsyncConnection) -> None:
        await usage_totals.add(conn, rows)

    await store.write(job)


async def stored(store: Store) -> dict[tuple[int, object], UsageRow]:
    found = await UsageStore(store).of_period(MARCH) + await UsageStore(store).of_period(APRIL)
    return {(row.account_id, row.period_start): row for row in found}


SIZES = [1, ROWS_PER_STATEMENT - 1, ROWS_PER_STATEMENT, ROWS_PER_STATEMENT + 1, 100]


@pytest.mark.parametrize("accounts", SIZES)
async def test_a_batch_adds_its_bytes_to_each_account_and_period(
    store: Store, path: str, accounts: int
) -> None:
    del path
    earlier = [UsageRow(account, MARCH, 1, 2, 3, 4) for account in range(1, 100, 3)]
    await add(store, earlier)
    batch = [UsageRow(account, MARCH, 10 * account, account, 0, 1)
             for account in range(1, accounts + 1)]  # fmt: skip
    await add(store, [*batch, UsageRow(accounts, APRIL, 5, 0, 0, 0)])

    expected = {(row.account_id, row.period_start): row for row in earlier}
    for row in batch:
        before = expected.get((row.account_id, MARCH), UsageRow(row.account_id, MARCH))
        expected[row.account_id, MARCH] = UsageRow(
            row.account_id, MARCH, *(a + b for a, b in zip(before[2:], row[2:], strict=True))
        )
    expected[accounts, APRIL] = UsageRow(accounts, APRIL, 5, 0, 0, 0)
    assert await stored(store) == expected  # the padding added nothing, anywhere


async def test_a_key_twice_in_one_batch_adds_both(store: Store, path: str) -> None:
    del path
    await add(store, [UsageRow(5, MARCH, 1, 0, 0, 0), UsageRow(5, MARCH, 2, 0, 0, 7)])
    assert await stored(store) == {(5, MARCH): UsageRow(5, MARCH, 3, 0, 0, 7)}


async def test_sqlite_is_written_on_the_driver_and_other_dialects_through_sqlalchemy(
    store: Store,
) -> None:
    async def job(conn: AsyncConnection) -> usage_totals.DriverUpsert | None:
        return usage_totals.driver_upsert(conn.dialect)

    driver = await store.write(job)
    assert driver is not None  # a changed table or SQLAlchemy would lose the fast way here
    assert driver.rows == ROWS_PER_STATEMENT
    assert driver.stored_period is not None
    assert driver.stored_period(MARCH) == "2026-02-28 23:00:00.000000"  # as SQLAlchemy binds
    # SQLAlchemy's PostgreSQL dialects are not annotated; this one needs no driver.
    other = postgresql.psycopg.dialect()  # type: ignore[no-untyped-call]
    assert usage_totals.driver_upsert(other) is None


async def test_a_database_error_reaches_the_caller_translated(store: Store, path: str) -> None:
    del path
    # A row no caller makes (the meter never has a None account): NOT NULL refuses it.
    broken = UsageRow(None, MARCH, 1)  # type: ignore[arg-type]
    with pytest.raises(ConflictError) as caught:
        await add(store, [UsageRow(1, MARCH, 1), broken])
    assert isinstance(caught.value.__cause__, sa.exc.IntegrityError)
    assert await stored(store) == {}  # the transaction was rolled back whole
    await add(store, [UsageRow(1, MARCH, 1)])  # and the store goes on
    assert await stored(store) == {(1, MARCH): UsageRow(1, MARCH, 1)}
