"""Tolerant readers for the values the Vultr API sends in more than one way.

Numbers arrive as numbers or strings, dates in at least three formats (vultr-api.md §1.6),
booleans now and then as "yes"/"no". A value we cannot read becomes None: a dashboard shows
"unknown" for one odd field rather than failing a whole page.

So does a value we can read but cannot use: NaN and Infinity (Python's JSON reader accepts
them), a number outside its field's range (a negative count, a vCPU count of 1e20, an amount no
account could hold), a date before 1970 or after 2200. Every consumer then sees one kind of
"no valid value" and none of them can overflow, be turned into $nan, or fail an Arrow or
pandas conversion (pandas timestamps end on 2262-04-11).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

EARLIEST_DATE = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_DATE = datetime(2200, 1, 1, tzinfo=UTC)
"""Vultr was founded in 2014: a date outside these bounds is a wrong one, and stays far
inside what datetime arithmetic and pandas can hold."""
MAX_SAFE_INT = 2**53 - 1
"""Beyond this a JSON number has lost precision (it went through a double on the way)."""
MAX_COUNT = 1_000_000_000
"""vCPUs, MB of RAM, GB of disk, nodes: a billion is far above any plan, and the sum of
thousands of them stays far inside a 64-bit integer."""
MAX_ABS_USD = 1e12
"""No account's balance, charge or price comes near a trillion dollars."""

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
        # Year 1 or 9999 with an offset moves out of datetime's range here.
        moment = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return _in_range(moment)


def _from_epoch(seconds: float) -> datetime | None:
    try:
        return _in_range(datetime.fromtimestamp(seconds, tz=UTC))
    except (OverflowError, OSError, ValueError):
        return None


def _in_range(moment: datetime) -> datetime | None:
    return moment if EARLIEST_DATE <= moment < LATEST_DATE else None


def parse_float(
    value: object, *, minimum: float | None = None, maximum: float | None = None
) -> float | None:
    """A finite float from a JSON number or a numeric string, within ``minimum`` and
    ``maximum`` when given; None otherwise (NaN, Infinity and out-of-range values included)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    if not math.isfinite(number):
        return None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        return None
    return number


def parse_int(
    value: object, *, minimum: int = -MAX_SAFE_INT, maximum: int = MAX_SAFE_INT
) -> int | None:
    """An int from a JSON number or a numeric string (``"16751"``, ``"2.0"``) within
    ``minimum`` and ``maximum``; None otherwise."""
    number = parse_float(value, minimum=minimum, maximum=maximum)
    return None if number is None else int(number)


def parse_count(value: object) -> int | None:
    """A count or size that cannot be negative (vCPUs, MB, GB, nodes), up to ``MAX_COUNT``."""
    return parse_int(value, minimum=0, maximum=MAX_COUNT)


def parse_usd(value: object, *, minimum: float = -MAX_ABS_USD) -> float | None:
    """A dollar amount (a balance or a payment may be negative), within ``MAX_ABS_USD``."""
    return parse_float(value, minimum=minimum, maximum=MAX_ABS_USD)


def parse_price(value: object) -> float | None:
    """A list price or a charge: a dollar amount that cannot be negative."""
    return parse_usd(value, minimum=0.0)


def parse_percent(value: object) -> float | None:
    """A share of a resource's capacity in percent: 0 to 100."""
    return parse_float(value, minimum=0.0, maximum=100.0)


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
