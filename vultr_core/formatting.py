"""How figures and outside text read to a person, shared by the app and the command line."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

INVALID = "—"
"""What a missing figure, or one the API sent but we could not use, shows as."""

# Terminal control sequences (ECMA-48): CSI (colours, clear screen, cursor moves), OSC (window
# titles, OSC 52 clipboard writes, OSC 8 hyperlinks) ended by BEL or ST, and any other escape;
# in their 7-bit (ESC …) and 8-bit (C1) forms. An unterminated OSC runs to the end.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
# What is left to drop: C0 controls, DEL and C1 controls, and the bidirectional overrides and
# isolates that reorder what a terminal shows ("Trojan Source", CVE-2021-42574).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_text(text: str) -> str:
    """Outside text made safe to print: escape sequences removed, every other control
    character (line breaks and tabs too) a space, so it cannot clear the screen, write the
    clipboard, hide a link or fake a line of output."""
    return _CONTROL.sub(" ", _ESCAPE_SEQUENCE.sub("", text))


def format_usd(amount: float | None) -> str:
    """``$1,234.56``; a negative amount keeps its sign before the dollar sign; a missing or
    non-finite amount reads as ``INVALID``, never ``$nan``."""
    if amount is None or not math.isfinite(amount):
        return INVALID
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def format_balance(balance_usd: float | None) -> str:
    """Vultr reports credit as a negative balance; say so in words instead."""
    if balance_usd is None or not math.isfinite(balance_usd):
        return INVALID
    if balance_usd < 0:
        return f"{format_usd(-balance_usd)} in credit"
    if balance_usd > 0:
        return f"{format_usd(balance_usd)} owed"
    return format_usd(0.0)


@dataclass(frozen=True)
class BalanceChange:
    """A balance's change in the balance's own words: ``$2,519.13 more credit``."""

    text: str
    arrow: Literal["up", "down", "off"]
    better: bool | None  # more credit or less owed; None when unchanged


def balance_change(now_usd: float | None, then_usd: float | None) -> BalanceChange | None:
    """How the balance moved, said as credit when it is in credit now (or was, and is zero),
    else as money owed; None when either figure is missing.

    Vultr's sign (credit negative) never shows: "-$2,519.13" beside "$300.00 in credit" reads
    as "credit fell" when credit grew.
    """
    if now_usd is None or then_usd is None or not math.isfinite(now_usd - then_usd):
        return None
    owed_change = round(now_usd - then_usd, 2)
    if owed_change == 0:
        return BalanceChange("no change", "off", None)
    in_credit = now_usd < 0 or (now_usd == 0 and then_usd < 0)
    change = -owed_change if in_credit else owed_change
    word = "credit" if in_credit else "owed"
    more = change > 0
    return BalanceChange(
        f"{format_usd(abs(change))} {'more' if more else 'less'} {word}",
        "up" if more else "down",
        more == in_credit,
    )


def format_memory_mb(megabytes: int | None) -> str:
    """``512 MB`` below a gigabyte, else ``16 GB`` (``1.5 GB`` when not whole)."""
    if megabytes is None:
        return INVALID
    if megabytes < 1024:
        return f"{megabytes} MB"
    gigabytes = megabytes / 1024
    return f"{gigabytes:.0f} GB" if gigabytes.is_integer() else f"{gigabytes:.1f} GB"


def format_count(count: int | None) -> str:
    """A count as digits, or ``INVALID`` when the API sent none we could use."""
    return INVALID if count is None else str(count)


def format_date(value: datetime | None) -> str:
    """``2024-05-09`` in UTC, or an em dash when the API sent none (or one we could not read)."""
    return value.strftime("%Y-%m-%d") if value else INVALID
