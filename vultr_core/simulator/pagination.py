"""Vultr's cursor pagination: `per_page` + opaque `cursor`, `meta.total` and `meta.links`.

Cursors are base64 of `next__<key>` / `prev__<key>`, where the key belongs to the last (next) or
first (prev) item of the current page, as in every cursor Vultr has published (vultr-api.md 1.5).
Positions are looked up in a dict, so walking a list costs O(page) per request, not O(list).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any

from .messages import JsonObject, SimRequest

DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 500

NEXT_PREFIX = "next__"
PREV_PREFIX = "prev__"


class PaginationError(ValueError):
    """A `per_page` or `cursor` the API would reject with 400."""


class Listing:
    """A list in the order the API returns it, with each item's cursor key indexed."""

    def __init__(self, items: Sequence[JsonObject], keys: Sequence[str]) -> None:
        self.items = list(items)
        self.keys = list(keys)
        self._positions = {key: position for position, key in enumerate(self.keys)}

    @classmethod
    def by(cls, items: Sequence[JsonObject], key: Callable[[JsonObject], Any]) -> Listing:
        return cls(items, [str(key(item)) for item in items])

    def where(self, keep: Callable[[JsonObject], bool]) -> Listing:
        """The sub-list a filter leaves, keeping each item's cursor key."""
        pairs = [(item, key) for item, key in zip(self.items, self.keys, strict=True) if keep(item)]
        return Listing([item for item, _ in pairs], [key for _, key in pairs])

    def page(self, request: SimRequest) -> tuple[list[JsonObject], JsonObject]:
        """The page `request` asks for and the `meta` object describing it."""
        per_page = page_size(request)
        start, end = 0, min(len(self.items), per_page)
        cursor = request.param("cursor")
        if cursor:
            direction, position = self._decode(cursor)
            if direction == NEXT_PREFIX:
                start, end = position + 1, min(len(self.items), position + 1 + per_page)
            else:
                start, end = max(0, position - per_page), position
        next_cursor = _encode(NEXT_PREFIX + self.keys[end - 1]) if 0 < end < len(self.items) else ""
        prev_cursor = _encode(PREV_PREFIX + self.keys[start]) if 0 < start < len(self.items) else ""
        meta = {"total": len(self.items), "links": {"next": next_cursor, "prev": prev_cursor}}
        return self.items[start:end], meta

    def _decode(self, cursor: str) -> tuple[str, int]:
        try:
            text = base64.b64decode(cursor.encode(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as err:
            raise PaginationError("Invalid cursor.") from err
        for direction in (NEXT_PREFIX, PREV_PREFIX):
            if text.startswith(direction):
                position = self._positions.get(text[len(direction) :])
                if position is not None:
                    return direction, position
        raise PaginationError("Invalid cursor.")


def page_size(request: SimRequest) -> int:
    """`per_page` as Vultr applies it: default 100, values above 500 clamped, junk rejected."""
    raw = request.param("per_page")
    if raw is None or raw == "":
        return DEFAULT_PER_PAGE
    try:
        per_page = int(raw)
    except ValueError as err:
        raise PaginationError("Invalid per_page: must be a positive integer.") from err
    if per_page < 1:
        raise PaginationError("Invalid per_page: must be a positive integer.")
    return min(per_page, MAX_PER_PAGE)


def _encode(text: str) -> str:
    return base64.b64encode(text.encode()).decode()
