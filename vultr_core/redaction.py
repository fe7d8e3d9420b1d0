"""Secrets out of text: every configured key and password, in each form it can take, becomes
``***`` before text is shown or logged.

Masking at the source (``Secret``, masked URLs) keeps secrets out of what we write; this is the
net under what others write: an API error body that quotes the Authorization header back, a
driver's message that repeats a URL, a library's debug line with the request headers. Every
``Settings`` remembers its keys and its URLs' passwords here, process-wide (as logging is
process-wide, so is what it must not print); each is matched as itself, percent-encoded (either
hex case, ``+`` for spaces or not), percent-decoded, and escaped as JSON, ``repr`` and ``bytes``
repr write it (a line break shows as ``\\n`` there).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterable
from urllib.parse import quote, quote_plus, unquote

MASK = "***"
# A shorter value would blank common words in every message ("postgres", "default", "long");
# Vultr's keys have 36 characters and its database passwords 16 or more. A shorter password is
# still masked wherever we show it ourselves, only not searched for in others' text.
MIN_SECRET_LENGTH = 8

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None
_PERCENT_ESCAPE = re.compile(r"%[0-9A-F]{2}")
# Formats exceptions for records whose handler has not done so yet (the default layout).
_EXCEPTION_FORMATTER = logging.Formatter()


def remember_secret(value: str) -> None:
    """Search every text redacted from now on for ``value`` (and its encoded forms)."""
    global _pattern
    forms = secret_forms(value)
    with _lock:
        if not forms <= _secrets:
            _secrets.update(forms)
            _pattern = None


def redact(text: str, extra: Iterable[str] = ()) -> str:
    """``text`` with every remembered secret, and each of ``extra``, replaced by ``***``.

    ``extra`` is for a message about one URL: its own password, however short.
    """
    pattern = _remembered_pattern()
    if pattern is not None:
        text = pattern.sub(MASK, text)
    extra_forms: set[str] = set()
    for value in extra:
        extra_forms |= secret_forms(value, min_length=1)
    for form in sorted(extra_forms, key=len, reverse=True):
        text = text.replace(form, MASK)
    return text


def secret_forms(value: str, *, min_length: int = MIN_SECRET_LENGTH) -> set[str]:
    """Every way ``value`` may be written in a message, each at least ``min_length`` long."""
    forms = {value}
    for decoded in {value, unquote(value)}:
        encoded = quote(decoded, safe="")
        forms |= {
            decoded,
            encoded,
            _PERCENT_ESCAPE.sub(lambda m: m.group().lower(), encoded),
            quote(decoded),
            quote_plus(decoded),
            json.dumps(decoded)[1:-1],
            json.dumps(decoded, ensure_ascii=False)[1:-1],
            repr(decoded)[1:-1],
            repr(decoded.encode("utf-8", "surrogatepass"))[2:-1],
        }
    return {form for form in forms if len(form) >= min_length}


class Secret:
    """A string that never shows itself in repr, str, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The real value, for the one place that must send it (an Authorization header)."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class RedactingFilter(logging.Filter):
    """A handler filter that redacts each record's message, exception and stack text.

    The record is rewritten in place, so every handler after this one sees it redacted too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: logging reports it itself
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = _EXCEPTION_FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _remembered_pattern() -> re.Pattern[str] | None:
    """One alternation over every form, longest first so a longer form wins an overlap."""
    global _pattern
    with _lock:
        if _pattern is None and _secrets:
            forms = sorted(_secrets, key=len, reverse=True)
            _pattern = re.compile("|".join(re.escape(form) for form in forms))
        return _pattern
