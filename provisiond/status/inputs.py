"""Reading a request: the JSON body (bounded), pagination, ids in the path, flags.

Everything here raises `ApiError` with the status §7 fixes, before any write happens.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, NoReturn

from provisiond.status.errors import BAD_REQUEST, NOT_FOUND, TOO_LARGE, UNPROCESSABLE, ApiError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aiohttp import web

MIB: Final = 1024 * 1024
BODY_LIMIT: Final = 1 * MIB  # bytes; one object is a few KiB
IMPORT_LIMIT: Final = 16 * MIB  # bytes; ~50,000 accounts of a typical export
DEFAULT_LIMIT: Final = 100
MAX_LIMIT: Final = 1000
MAX_ID: Final = 2**63 - 1  # ids are 64-bit (docs/store.md)

# Strict decimal: `int()` would also take " 7", "+7" and "7_000".
_INTEGER = re.compile(r"-?[0-9]{1,19}")
_FLAGS: Final = {"true": True, "1": True, "false": False, "0": False}


@dataclass(frozen=True, slots=True)
class Page:
    after: int | None
    limit: int


def _reject_constant(name: str) -> NoReturn:
    # Python's json takes NaN and Infinity, which are not JSON and which no field accepts.
    raise ValueError(f"{name} is not JSON")


async def _read(request: web.Request, limit: int) -> bytes:
    too_large = ApiError(TOO_LARGE, f"the request body exceeds {limit} bytes")
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    # Read in chunks rather than trust Content-Length: a chunked body has none.
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


async def json_object(request: web.Request, *, limit: int = BODY_LIMIT) -> dict[str, Any]:
    """The body as a JSON object: 413 over `limit` bytes, 400 when not a JSON object."""
    raw = await _read(request, limit)
    try:
        value = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(BAD_REQUEST, f"malformed JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise ApiError(BAD_REQUEST, "the body must be a JSON object")
    return value


def _integer(request: web.Request, name: str) -> int | None:
    text = request.query.get(name)
    if text is None:
        return None
    # Beyond 64 bits the database driver could not even bind the value.
    if not _INTEGER.fullmatch(text) or abs(int(text)) > MAX_ID:
        raise ApiError(UNPROCESSABLE, "must be an integer", field=name)
    return int(text)


def page(request: web.Request) -> Page:
    """`?after=<id>&limit=<n>` of a list (DESIGN.md §7: default 100, at most 1000)."""
    limit = _integer(request, "limit")
    if limit is None:
        limit = DEFAULT_LIMIT
    elif not 1 <= limit <= MAX_LIMIT:
        raise ApiError(UNPROCESSABLE, f"must be from 1 to {MAX_LIMIT}", field="limit")
    return Page(after=_integer(request, "after"), limit=limit)


def next_after(ids: list[int], page: Page) -> int | None:
    """Keyset pagination: the last id when the page is full (there may be more), else null."""
    return ids[-1] if ids and len(ids) >= page.limit else None


def path_id(request: web.Request) -> int:
    """The `{id}` of the path; anything that cannot be an id names nothing (404)."""
    text = request.match_info["id"]
    digits = len(text) <= len(str(MAX_ID)) and text.isascii() and text.isdigit()
    value = int(text) if digits else 0
    if not 1 <= value <= MAX_ID:
        raise ApiError(NOT_FOUND, f"no object {text}")
    return value


def flag(request: web.Request, name: str) -> bool:
    """A boolean query parameter (`?triggers=true`); absent is false."""
    text = request.query.get(name)
    if text is None:
        return False
    try:
        return _FLAGS[text.lower()]
    except KeyError:
        raise ApiError(UNPROCESSABLE, "must be true or false", field=name) from None


def query_id(request: web.Request, name: str) -> int | None:
    """An optional id in the query (`?account_id=`); absent is None, and anything but a
    positive 64-bit integer is a 422 naming the parameter."""
    value = _integer(request, name)
    if value is not None and value < 1:
        raise ApiError(UNPROCESSABLE, "must be a positive integer", field=name)
    return value


def choice(request: web.Request, name: str, allowed: Sequence[str]) -> str:
    """A query parameter with a fixed set of values; absent is the first of `allowed`."""
    text = request.query.get(name, allowed[0])
    if text not in allowed:
        raise ApiError(UNPROCESSABLE, f"must be one of {', '.join(allowed)}", field=name)
    return text
