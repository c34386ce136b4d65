"""Cursor paging of a list route: `after=<cursor>` in, `next` out (keyset, not offset).

A cursor is the sort key of the last row a page held, opaque to clients (base64url JSON). The
next page starts strictly after it in the same order, so a row added or removed meanwhile
never shifts the rows that follow, and the last column of every order is the primary key, so
no two rows tie and none is skipped or repeated.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, literal, or_
from sqlalchemy.orm import InstrumentedAttribute

from takedown.errors import InvalidInput

CURSOR_CHARACTERS = 1000  # a cursor holds a few short values; anything longer is not one


class SortKey:
    """One column of a keyset order, ascending or descending."""

    def __init__(self, column: InstrumentedAttribute[Any], *, descending: bool = False) -> None:
        self.column = column
        self.descending = descending

    def order(self) -> Any:
        return self.column.desc() if self.descending else self.column.asc()


def ordered(query: Select[Any], keys: Sequence[SortKey]) -> Select[Any]:
    return query.order_by(None).order_by(*(key.order() for key in keys))


def page(query: Select[Any], keys: Sequence[SortKey], after: str | None) -> Select[Any]:
    """`query` in the order of `keys`, from just after the `after` cursor (all of it without)."""
    query = ordered(query, keys)
    if not after:
        return query
    return query.where(beyond(keys, after))


def beyond(keys: Sequence[SortKey], after: str) -> ColumnElement[bool]:
    """Rows strictly after the `after` cursor in the order of `keys`."""
    values = [  # bound as the column's type: `ranked_lower > false` is a comparison too
        literal(_value(key, value), key.column.type)
        for key, value in zip(keys, _decode(after, len(keys)), strict=True)
    ]
    # (k1, k2, ...) after (v1, v2, ...): k1 past v1, or k1 = v1 and k2 past v2, and so on.
    alternatives = []
    for i, key in enumerate(keys):
        equal = [keys[j].column == values[j] for j in range(i)]
        past = key.column < values[i] if key.descending else key.column > values[i]
        alternatives.append(and_(*equal, past))
    return or_(*alternatives)


def cursor_after(row: Any, keys: Sequence[SortKey]) -> str:
    """The cursor of the page that follows `row`."""
    values = [_plain(getattr(row, key.column.key)) for key in keys]
    text = json.dumps(values, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def next_cursor(rows: Sequence[Any], keys: Sequence[SortKey], limit: int) -> str | None:
    """The cursor of the next page, or None when this page (of at most `limit`) was the last.
    Callers fetch `limit + 1` rows: the extra one only tells that more follow."""
    if len(rows) <= limit:
        return None
    return cursor_after(rows[limit - 1], keys)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    return value


def _value(key: SortKey, value: Any) -> Any:
    """The cursor's value for `key`, of the column's type (a cursor of another list is not)."""
    column_type = key.column.type
    expected = getattr(column_type, "impl", column_type).python_type  # UtcDateTime: its impl
    if expected is datetime:
        try:
            moment = datetime.fromisoformat(str(value["t"]))
        except (KeyError, TypeError, ValueError):
            raise invalid_cursor() from None
        if moment.tzinfo is None:
            raise invalid_cursor()
        return moment
    if type(value) is not expected:  # not isinstance: True is an int
        raise invalid_cursor()
    return value


def _decode(cursor: str, count: int) -> list[Any]:
    if len(cursor) > CURSOR_CHARACTERS:
        raise invalid_cursor()
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        values = json.loads(text)
    except (binascii.Error, UnicodeDecodeError, ValueError, RecursionError):
        raise invalid_cursor() from None
    if not isinstance(values, list) or len(values) != count:
        raise invalid_cursor()
    return values


def invalid_cursor() -> InvalidInput:
    return InvalidInput(
        "`after` is not a cursor this list gave: pass the `next` of the page before",
        code="invalid_cursor",
        errors=[{"field": "after", "message": "not a cursor of this list", "type": "cursor"}],
    )
