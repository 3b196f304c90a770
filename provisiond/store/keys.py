"""Setting up encryption at rest when the store opens, before anything is read.

The store records whether its secrets are encrypted: `store_meta` holds a key check (a
known text sealed with the key) once a key has been configured. At open:

- a key check and no key configured: `SecretKeyError`, as nothing could be decrypted;
- a key check that the configured key cannot open, or any stored secret it cannot
  open: `SecretKeyError` naming the problem, before the daemon starts serving;
- a key configured for the first time: every plaintext secret is encrypted in place
  and the key check written, in one transaction; then the SQLite file is vacuumed so
  the plaintext does not linger in free pages.

So the store is never half encrypted, and a wrong key is found at start-up, never in
the middle of answering a RADIUS request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import sqlalchemy as sa

from provisiond.store import account_shape, shapes, tables
from provisiond.store import engine as engines
from provisiond.store.crypto import SecretBox, SecretColumns
from provisiond.store.errors import SecretKeyError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

    from provisiond.model.secret import Secret

KEY_CHECK: Final = "secret_key_check"
_CHECK_TEXT: Final = "provisiond secret key check"
_CHECK_PURPOSE: Final = "store_meta.secret_key_check"

# (table, key columns, secret column, AEAD purpose) of every encrypted column.
_COLUMNS: Final = (
    (
        tables.radius_accounts,
        ("account_id", "position"),
        "password",
        account_shape.RADIUS_PASSWORD,
    ),
    (tables.triggers, ("id",), "secret", shapes.TRIGGER_SECRET),
)


async def prepare(engine: AsyncEngine, secret_key: Secret | None) -> SecretColumns:
    """How secret columns are to be written and read; verifies or sets up the key."""
    secrets, encrypted = await _prepare(engine, secret_key)
    if encrypted:
        await engines.scrub(engine)
    return secrets


async def _prepare(engine: AsyncEngine, secret_key: Secret | None) -> tuple[SecretColumns, int]:
    async with engine.begin() as conn:
        query = sa.select(tables.store_meta.c.value).where(tables.store_meta.c.key == KEY_CHECK)
        check = (await conn.execute(query)).scalar_one_or_none()
        if secret_key is None:
            if check is not None:
                raise SecretKeyError(
                    "the store's RADIUS passwords and trigger secrets are encrypted: "
                    "configure the key ([store] secret_key_file) to open it"
                )
            return SecretColumns(None), 0
        box = SecretBox(secret_key)
        encrypted = 0
        if check is None:
            encrypted = await _encrypt_plaintext(conn, box)
            sealed = box.seal(_CHECK_TEXT, purpose=_CHECK_PURPOSE)
            await conn.execute(tables.store_meta.insert().values(key=KEY_CHECK, value=sealed))
        else:
            _verify_key(box, str(check))
            await _verify_values(conn, box)
        return SecretColumns(box), encrypted


def _verify_key(box: SecretBox, check: str) -> None:
    try:
        opened = box.open(check, purpose=_CHECK_PURPOSE)
    except SecretKeyError as exc:
        raise SecretKeyError(
            "the configured secret key is not the one this store's secrets were "
            "encrypted with ([store] secret_key_file)"
        ) from exc
    if opened != _CHECK_TEXT:
        raise SecretKeyError("the store's secret key check is damaged")


async def _verify_values(conn: AsyncConnection, box: SecretBox) -> None:
    for table, _, column, purpose in _COLUMNS:
        values = await conn.execute(sa.select(table.c[column]).where(table.c[column].is_not(None)))
        for stored in values.scalars():
            box.open(str(stored), purpose=purpose)


async def _encrypt_plaintext(conn: AsyncConnection, box: SecretBox) -> int:
    """Seal every plaintext secret in place; how many there were."""
    count = 0
    for table, keys, column, purpose in _COLUMNS:
        selected = await conn.execute(
            sa.select(*(table.c[k] for k in keys), table.c[column]).where(
                table.c[column].is_not(None)
            )
        )
        updates = [
            {**{f"key_{k}": row[k] for k in keys}, column: box.seal(row[column], purpose=purpose)}
            for row in selected.mappings()
        ]
        if updates:
            where = sa.and_(*(table.c[k] == sa.bindparam(f"key_{k}") for k in keys))
            await conn.execute(table.update().where(where), updates)
        count += len(updates)
    return count
