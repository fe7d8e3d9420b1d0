"""The history store: a PostgreSQL schema of its own, reached with short-lived connections.

Every connection sets ``search_path`` to the store's schema, so the same SQL serves a database
of its own and a schema beside the team's tables. A failure of any kind becomes one
``VultrError`` that says what was being done, where, in plain words, never with a password
(``health.postgres_errors``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row

from vultr_core.health.postgres_errors import describe_postgres, postgres_error
from vultr_core.history.migrations import checked_schema, migrate
from vultr_core.redaction import Secret

DEFAULT_SCHEMA = "vultr_history"
# libpq counts whole seconds and waits at least 2 (its own advice for connect_timeout).
CONNECT_TIMEOUT_S = 3
# A query of the pages or the command line; the demo's replay and migrations get longer.
STATEMENT_TIMEOUT_MS = 10_000
LONG_STATEMENT_TIMEOUT_MS = 300_000
APPLICATION_NAME = "vultr-dashboard-history"

Connection = psycopg.Connection[dict[str, Any]]


class HistoryStore:
    """Where the history lives and how to reach it; cheap to keep, safe to share."""

    def __init__(self, url: Secret, *, schema: str = DEFAULT_SCHEMA, where: str | None = None):
        self.url = url
        self.schema = checked_schema(schema)
        self.where = where or describe_postgres(url)

    def __repr__(self) -> str:
        return f"HistoryStore(where={self.where!r}, schema={self.schema!r})"

    @contextmanager
    def connection(
        self,
        doing: str,
        *,
        statement_timeout_ms: int = STATEMENT_TIMEOUT_MS,
        autocommit: bool = False,
    ) -> Iterator[Connection]:
        """A connection for one piece of work (``doing`` names it in errors); with
        ``autocommit`` each ``conn.transaction()`` block commits as it ends.

        Raises:
            VultrError: the store could not be reached, or refused the work.
        """
        try:
            with psycopg.connect(
                self.url.reveal(),
                connect_timeout=CONNECT_TIMEOUT_S,
                application_name=APPLICATION_NAME,
                options=(
                    f"-c search_path={self.schema} -c statement_timeout={statement_timeout_ms} "
                    "-c TimeZone=UTC"
                ),
                row_factory=dict_row,
                autocommit=autocommit,
            ) as conn:
                yield conn
        except psycopg.Error as error:
            raise postgres_error(error, self.url, f"{doing} (history store)") from None

    def migrate(self, *, target: int | None = None) -> list[int]:
        """Apply the migrations this store lacks; see ``migrations``."""
        with self.connection("migrating", statement_timeout_ms=LONG_STATEMENT_TIMEOUT_MS) as conn:
            return migrate(conn, self.schema, target=target)
