"""Tolerant readers for the values the Vultr API sends in more than one way.

Numbers arrive as numbers or strings, dates in at least three formats (vultr-api.md §1.6),
booleans now and then as "yes"/"no". A value we cannot read becomes None: a dashboard shows
"unknown" for one odd field rather than failing a whole page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

# "2023-02-12 01:00:00 (UTC)": the alerts' maintenance_scheduled field.
_ZONE_SUFFIX = re.compile(r"\s*\((?P<zone>[A-Za-z/_+-]+)\)\s*$")
# "09-01-2021T00:00:00+00:00": month first, seen in one [S] invoice example.
_MONTH_FIRST = re.compile(r"^(?P<m>\d{2})-(?P<d>\d{2})-(?P<y>\d{4})(?P<rest>T.*)?$")
_EPOCH = re.compile(r"^\d{9,11}(\.\d+)?$")


def parse_datetime(value: object) -> datetime | None:
    """An aware UTC datetime from any date format Vultr uses, or None.

    Accepts ISO-8601 with an offset, ``YYYY-MM-DD HH:MM:SS`` (UTC, no zone), a trailing
    ``(UTC)``, month-first ``MM-DD-YYYY``, bare dates and epoch seconds (number or string).
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return _from_epoch(float(value))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    if _EPOCH.match(text):
        return _from_epoch(float(text))
    zone = _ZONE_SUFFIX.search(text)
    if zone:
        if zone.group("zone").upper() not in ("UTC", "GMT", "Z"):
            return None
        text = text[: zone.start()]
    month_first = _MONTH_FIRST.match(text)
    if month_first:
        text = (
            f"{month_first['y']}-{month_first['m']}-{month_first['d']}{month_first['rest'] or ''}"
        )
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _from_epoch(seconds: float) -> datetime | None:
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def parse_float(value: object) -> float | None:
    """A float from a JSON number or a numeric string; None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def parse_int(value: object) -> int | None:
    """An int from a JSON number or a numeric string (``"16751"``, ``"2.0"``); None otherwise."""
    number = parse_float(value)
    if number is None or number != number or number in (float("inf"), float("-inf")):
        return None
    return int(number)


def parse_bool(value: object) -> bool | None:
    """A bool from true/false, 1/0 or "yes"/"no"; None otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("true", "yes", "1"):
            return True
        if word in ("false", "no", "0"):
            return False
    return None


def parse_str(value: object) -> str:
    """Text as sent; numbers become their text, anything else the empty string."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def parse_str_list(value: object) -> tuple[str, ...]:
    """A tuple of strings from a JSON list; a lone string becomes a one-item tuple."""
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, Sequence):
        return tuple(parse_str(item) for item in value if parse_str(item))
    return ()


def mapping(value: object) -> Mapping[str, Any]:
    """The value if it is a JSON object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def mappings(value: object) -> list[Mapping[str, Any]]:
    """The JSON objects in a list; anything else in it is skipped."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [item for item in value if isinstance(item, Mapping)]
    return []
