"""How figures read to a person, shared by the app and the command line."""

from __future__ import annotations

from datetime import datetime


def format_usd(amount: float | None) -> str:
    """``$1,234.56``; a negative amount keeps its sign before the dollar sign."""
    if amount is None:
        return "—"
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def format_balance(balance_usd: float) -> str:
    """Vultr reports credit as a negative balance; say so in words instead."""
    if balance_usd < 0:
        return f"{format_usd(-balance_usd)} in credit"
    if balance_usd > 0:
        return f"{format_usd(balance_usd)} owed"
    return format_usd(0.0)


def format_memory_mb(megabytes: int) -> str:
    """``512 MB`` below a gigabyte, else ``16 GB`` (``1.5 GB`` when not whole)."""
    if megabytes < 1024:
        return f"{megabytes} MB"
    gigabytes = megabytes / 1024
    return f"{gigabytes:.0f} GB" if gigabytes.is_integer() else f"{gigabytes:.1f} GB"


def format_date(value: datetime | None) -> str:
    """``2024-05-09`` in UTC, or an em dash when the API sent none (or one we could not read)."""
    return value.strftime("%Y-%m-%d") if value else "—"
