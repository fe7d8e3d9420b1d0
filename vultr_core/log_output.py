"""Where log records go: this project's decisions at the verbosity asked for, libraries only
when asked explicitly, and every line redacted.

Verbosity 0 prints only this project's errors (a failure is the one line the caller prints,
not a log record too); 1 (``-v``) adds this project's debug: retries, fallbacks, giving up;
2 (``-vv``) adds every library's debug as well. httpcore alone writes several lines per
request, and its debug quotes request headers (a malformed key shows whole in
``Illegal header value b'Bearer …'``), so it stays out unless asked for.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from vultr_core.redaction import RedactingFilter

PROJECT_LOGGER = "vultr_core"
LOG_FORMAT = "%(name)s: %(message)s"
# Index: verbosity (capped at the last). Libraries stay silent below -vv.
_PROJECT_LEVELS = (logging.ERROR, logging.DEBUG, logging.DEBUG)
_LIBRARY_LEVELS = (logging.CRITICAL + 1, logging.CRITICAL + 1, logging.DEBUG)


@contextmanager
def logging_to(stream: TextIO, verbosity: int) -> Iterator[logging.Handler]:
    """Send log records to ``stream`` while the block runs, then put everything back.

    The handler redacts every record (``RedactingFilter``), whoever logged it.
    """
    step = max(0, min(verbosity, len(_PROJECT_LEVELS) - 1))
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(_LibraryGate(_LIBRARY_LEVELS[step]))
    handler.addFilter(RedactingFilter())
    root, project = logging.getLogger(), logging.getLogger(PROJECT_LOGGER)
    saved = root.level, project.level
    root.addHandler(handler)
    root.setLevel(_LIBRARY_LEVELS[step])
    project.setLevel(_PROJECT_LEVELS[step])
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        project.setLevel(saved[1])


class _LibraryGate(logging.Filter):
    """Lets a library's record through only from ``level`` up. The root level alone is not
    enough: a library may set its own logger's level (psycopg sets WARNING at import)."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        ours = record.name == PROJECT_LOGGER or record.name.startswith(PROJECT_LOGGER + ".")
        return ours or record.levelno >= self.level
