"""Ids into URL paths: validated, then percent-encoded, so an id is only ever one segment.

An id comes from the API, and the API can be hostile: ``../instances/<id>/reboot#`` pasted
into ``databases/{id}/alerts`` made a read-only client send ``POST /v2/instances/<id>/reboot``.
Every id therefore goes through ``id_segment``: what cannot name a resource is refused before
any request, and everything else is escaped (``/``, ``#``, ``?``, ``%`` included).
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

import httpx

from vultr_core.api.errors import InvalidIdError

# Vultr's ids are UUIDs, numbers or short slugs; a longer one is not an id.
MAX_ID_CHARS = 128
SHOWN_ID_CHARS = 60
_DOT_SEGMENTS = frozenset({".", ".."})


def id_segment(value: object, what: str) -> str:
    """``value`` as one escaped path segment; ``what`` names it in the error (e.g. "database").

    Raises:
        InvalidIdError: null, empty, ``.`` or ``..``, too long, or holding control or
            whitespace characters.
    """
    problem = _problem(value)
    if problem is not None:
        shown = repr(value)
        if len(shown) > SHOWN_ID_CHARS:
            shown = shown[:SHOWN_ID_CHARS] + "…"
        raise InvalidIdError(f"{what} id {shown} is {problem}; no request was sent for it")
    return quote(str(value), safe="")


def _problem(value: object) -> str | None:
    if value is None:
        return "null"
    if isinstance(value, bool) or not isinstance(value, str | int):
        return f"a {type(value).__name__}, not text"
    text = str(value)
    if not text:
        return "empty"
    if text in _DOT_SEGMENTS:
        return "a relative path segment"
    if len(text) > MAX_ID_CHARS:
        return f"longer than {MAX_ID_CHARS} characters"
    if any(char.isspace() or unicodedata.category(char).startswith("C") for char in text):
        return "holding whitespace or control characters"
    return None


def sent_path(request: httpx.Request) -> str:
    """The path as it went on the wire, escapes kept (httpx's ``url.path`` decodes them, which
    would show an escaped id as the traversal it was kept from being)."""
    return request.url.raw_path.split(b"?", 1)[0].decode("ascii")
