"""Figures written the same way on every page: units spelled out, "—" where a value is missing."""

from __future__ import annotations

from vultr_core.formatting import format_usd


def ms_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} ms"


def percent_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def number_text(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def size_text(size_bytes: int | None) -> str:
    if size_bytes is None:
        return "—"
    return (
        f"{size_bytes / 1024**3:.2f} GiB"
        if size_bytes >= 1024**3
        else f"{size_bytes / 1024**2:.1f} MiB"
    )


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    days, rest = divmod(int(seconds), 86_400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {rest // 60} min"
    return f"{rest // 60} min" if rest >= 60 else f"{seconds:.1f} s"


def signed_usd(amount: float) -> str:
    """``+$12.00`` / ``-$3.50``: a delta's sign decides the arrow Streamlit draws."""
    return ("+" if amount >= 0 else "") + format_usd(amount)
