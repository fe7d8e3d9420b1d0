"""Hostile data: the fault modes that make the simulated Vultr's answers hostile rather than
broken, to prove that outside text stays inert and odd values never take a page down.

Switched on per request path like every other fault (``Faults.hostile_text``,
``hostile_dates``, ``hostile_numbers``), they rewrite the JSON of each answer (errors
included, pagination's ``meta`` left alone) as it leaves the simulator; the organisation itself
is untouched, so a test can switch a mode off again between requests. Each rewritten field takes
the next value of its own cycle, so the same request always gets the same bytes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .faults import Faults
from .messages import JSON_CONTENT_TYPE, SimResponse

BEACON_URL = "http://127.0.0.1:9/beacon"
"""Where planted images and links point: a closed port, so a fetch shows up and goes nowhere."""
PLANTED = "PLANTED"
"""Every hostile string carries this word, so a test can find where one was shown."""
LONG_TEXT_CHARS = 10_000

HOSTILE_TEXTS = (
    f"# {PLANTED} heading",
    f"![{PLANTED} image]({BEACON_URL})",
    f'<img src="{BEACON_URL}"><a href="{BEACON_URL}">{PLANTED} link</a>',
    f"first line\n# {PLANTED} heading on a second line",
    f"\x1b[2J\x1b[H{PLANTED} clear screen",
    f"\x1b]52;c;cGxhbnRlZA==\x07{PLANTED} clipboard write",
    f"\x1b]8;;{BEACON_URL}\x1b\\{PLANTED} hidden link\x1b]8;;\x1b\\",
    f'=HYPERLINK("{BEACON_URL}","{PLANTED} formula")',
    f"+1+1 {PLANTED}",
    f"-1+1 {PLANTED}",
    f"@SUM(1) {PLANTED}",
    f"\t{PLANTED} tab",
    f"\r{PLANTED} carriage return",
    f"**{PLANTED} bold** :red[colour] $x^2$ [link]({BEACON_URL})",
    f"{PLANTED} {'L' * LONG_TEXT_CHARS}",
)
"""Markdown, HTML, terminal escape sequences, spreadsheet formulas and a very long string."""
HOSTILE_ERROR_TEXT = (
    f'{PLANTED} error\n# heading ![image]({BEACON_URL}) <img src="{BEACON_URL}"> '
    f"\x1b[2J\x1b]8;;{BEACON_URL}\x1b\\hidden link\x1b]8;;\x1b\\ =HYPERLINK(1)"
)
"""An error body's message: every attack at once, since an error has only the one text."""

# Text the API sends about a resource or itself: names, tags, alert and maintenance texts,
# error messages. Ids, regions, plans and statuses stay: they are keys other routes join on.
TEXT_KEYS = frozenset(
    {
        "label",
        "tag",
        "tags",
        "name",
        "email",
        "hostname",
        "description",
        "recommendation",
        "message_type",
        "product",
        "available_updates",
    }
)
ERROR_KEY = "error"

UNTOUCHED = None
"""A cycle slot that leaves the value as it was, so sane and hostile values mix."""

HOSTILE_DATES = (
    "0001-01-01T00:00:00+05:00",  # an offset that moves it before year 1
    "9999-12-31T23:59:59-05:00",  # an offset that moves it past year 9999
    "2262-04-12T00:00:00+00:00",  # past pandas' last nanosecond timestamp (2262-04-11)
    UNTOUCHED,
    "0001-01-01 00:00:00",  # before pandas' first timestamp (1677)
    "99999999999",  # epoch seconds in the year 5138
    UNTOUCHED,
)
DATE_KEYS = frozenset(
    {
        "date_created",
        "latest_backup",
        "timestamp",
        "maintenance_scheduled",
        "date",
        "last_payment_date",
        "start_date",
        "end_date",
        "timestamp_start",
        "timestamp_end",
    }
)

NAN, INF = math.nan, math.inf
# Per field: NaN and Infinity as JSON tokens and as strings, 1e20, negatives where none can be.
HOSTILE_NUMBERS: Mapping[str, tuple[object, ...]] = {
    "balance": (NAN,),
    "pending_charges": (INF, UNTOUCHED, "NaN"),
    "last_payment_amount": ("-Infinity",),
    "vcpu_count": (1e20, UNTOUCHED, -4, UNTOUCHED),
    "ram": (NAN, UNTOUCHED, 1e20, UNTOUCHED),
    "disk": (-1, UNTOUCHED),
    "plan_vcpus": (1e20, UNTOUCHED),
    "plan_ram": ("Infinity", UNTOUCHED),
    "monthly_cost": (NAN, UNTOUCHED, INF, UNTOUCHED, 1e20, UNTOUCHED, -5, UNTOUCHED),
    "cost": (INF, UNTOUCHED),
    "price": ("NaN", UNTOUCHED),
    "amount": (NAN, UNTOUCHED, "1e400", UNTOUCHED),
    "total": (INF, UNTOUCHED, -INF, UNTOUCHED),
    "percentage": (-12.5, NAN, 1e20),
    "node_quantity": (1e20, UNTOUCHED),
    "size": (-INF, UNTOUCHED),
}
SKIPPED_KEYS = frozenset({"meta"})
"""Pagination stays sane: a hostile cursor or total is another fault's job."""


@dataclass
class _Rewriter:
    """One response's rewrite: which kinds are on, and how far each cycle has gone."""

    text: bool
    dates: bool
    numbers: bool
    _texts_used: int = 0
    _dates_used: int = 0
    _numbers_used: dict[str, int] = field(default_factory=dict)

    def value(self, key: str, value: Any) -> Any:
        if key in SKIPPED_KEYS:
            return value
        if self.text and key == ERROR_KEY and isinstance(value, str):
            return f"{HOSTILE_ERROR_TEXT} {value}"
        if self.text and key in TEXT_KEYS:
            return self._text(value)
        if self.dates and key in DATE_KEYS and isinstance(value, str | int):
            return self._date(value)
        if self.numbers and key in HOSTILE_NUMBERS and _is_number(value):
            return self._number(key, value)
        return self.walk(value)

    def walk(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: self.value(key, item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.walk(item) for item in value]
        return value

    def _text(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._text(item) for item in value]
        if not isinstance(value, str):
            return self.walk(value)
        payload = HOSTILE_TEXTS[self._texts_used % len(HOSTILE_TEXTS)]
        self._texts_used += 1
        return f"{payload} {value}" if value else payload

    def _date(self, value: str | int) -> str | int:
        payload = HOSTILE_DATES[self._dates_used % len(HOSTILE_DATES)]
        self._dates_used += 1
        if payload is UNTOUCHED:
            return value
        # A date-only field ("2026-11-17", backups) gets a date-only hostile value.
        return payload[:10] if isinstance(value, str) and len(value) == 10 else payload

    def _number(self, key: str, value: object) -> object:
        cycle = HOSTILE_NUMBERS[key]
        used = self._numbers_used.get(key, 0)
        self._numbers_used[key] = used + 1
        payload = cycle[used % len(cycle)]
        return value if payload is UNTOUCHED else payload


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return False


def hostile_modes(faults: Faults) -> Iterator[str]:
    """The hostile-data modes switched on, by name (for a test's outcome table)."""
    for mode in ("hostile_text", "hostile_dates", "hostile_numbers"):
        if getattr(faults, mode):
            yield mode


def make_hostile(faults: Faults, path: str, response: SimResponse) -> SimResponse:
    """The response with the hostile modes that apply to ``path`` written into its JSON; any
    other response (a stream, a body that is not JSON) as it was."""
    if not any(hostile_modes(faults)) or not faults.matches(path) or response.stream is not None:
        return response
    if not dict(response.headers).get("content-type", "").startswith(JSON_CONTENT_TYPE):
        return response
    try:
        payload = json.loads(response.body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response
    rewriter = _Rewriter(faults.hostile_text, faults.hostile_dates, faults.hostile_numbers)
    # NaN and Infinity go out as the bare tokens some servers send: not valid JSON, but
    # Python's json module (and so httpx) reads them.
    body = json.dumps(rewriter.walk(payload), separators=(",", ":")).encode()
    return SimResponse(response.status, body, response.headers)
