"""Figures written the same way on every page: units spelled out, "—" where a value is missing;
and outside text shown as text.

Streamlit renders the body of st.markdown, st.error/warning/info/success, st.caption and
st.spinner, and the label and help of metrics, widgets and expanders, as Markdown (with
Streamlit's directives: ``:red[…]``, ``:material/…:``, ``$…$``). A label, tag, name, alert
or error message from outside put there unescaped becomes a heading, a link, or an image the
browser fetches from wherever it points. Such text goes through ``inert`` when it sits inside
a sentence, or into a plain-text element (st.text, st.code, a table cell) on its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from vultr_core.formatting import format_usd
from vultr_core.redaction import redact

# Every ASCII punctuation character: CommonMark lets each be backslash-escaped to stand for
# itself, which breaks every Markdown, HTML, directive and LaTeX construct.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# GitHub's autolink literals (http://…, www.…, a@b.c) are found in the text after escapes are
# read, so escaping cannot stop them: an invisible word joiner inside each trigger does.
_AUTOLINK_TRIGGER = re.compile(r"(?i)\b(?:https?|ftp|mailto|xmpp)(?=:)|\bwww(?=\.)|(?=@)")
WORD_JOINER = "\u2060"


def inert(text: str) -> str:
    """Outside text, escaped to read as itself inside a Markdown sentence (no heading, link,
    image, HTML or directive, no URL or address made a link), with every configured secret
    masked first (an API may echo a key back)."""
    unlinked = _AUTOLINK_TRIGGER.sub(lambda found: found.group(0) + WORD_JOINER, redact(text))
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", unlinked)


def left_out_note(left_out: Mapping[str, int], *, noun: str) -> str | None:
    """ "Left out of the sums: 2 instances without a valid price.", or None if nothing was.

    ``left_out`` maps what was missing ("a valid price") to how many rows lacked it.
    """
    parts = [
        f"{count} {noun}{'s' if count != 1 else ''} without {what}"
        for what, count in left_out.items()
        if count
    ]
    return f"Left out of the sums: {', '.join(parts)}." if parts else None


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
