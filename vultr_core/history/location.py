"""Which PostgreSQL keeps the history, opened and migrated once per process.

- ``HISTORY_DATABASE_URL``: that database, in its own schema ``vultr_history`` (it may be the
  team's ``DATABASE_URL``: the schema keeps the two apart). Every replica shares it. In demo
  mode, the schema ``vultr_history_demo`` instead: an app started without its key (a secret
  left out) must not write the simulated organisation into the account's history.
- demo mode without it: a database of its own (``vultr_history``) on the demo's throwaway
  embedded PostgreSQL, so the pghero checks of the demo database do not see it.
- real keys without it: an embedded PostgreSQL whose data directory persists
  (``history.persistent``): one machine keeps its history with no setup.
"""

from __future__ import annotations

import contextlib
import threading

import psycopg
from psycopg.conninfo import make_conninfo

from vultr_core.config import Settings
from vultr_core.health.embedded import embedded_postgres_url
from vultr_core.health.postgres_errors import describe_postgres, postgres_error
from vultr_core.history.persistent import history_folder, persistent_postgres_url
from vultr_core.history.store import CONNECT_TIMEOUT_S, HistoryStore
from vultr_core.redaction import Secret

DEMO_DATABASE = "vultr_history"
DEMO_SCHEMA = "vultr_history_demo"

_lock = threading.Lock()
_opened: dict[str, HistoryStore] = {}


def open_history(settings: Settings) -> HistoryStore:
    """The history store the settings name, its schema migrated (once per process).

    Raises:
        VultrError: the store cannot be started, reached or migrated.
    """
    key = settings.cache_key
    with _lock:
        store = _opened.get(key)
    if store is not None:
        return store
    store = locate_history(settings)
    store.migrate()
    with _lock:
        return _opened.setdefault(key, store)


def forget_opened_stores() -> None:
    """Open (and migrate) afresh on the next call: for tests that restart a store."""
    with _lock:
        _opened.clear()


def locate_history(settings: Settings) -> HistoryStore:
    """Where the history lives (see the module's list); starts an embedded server if needed."""
    if settings.history_database_url is not None:
        if settings.demo_mode:
            url = settings.history_database_url
            return HistoryStore(
                url,
                schema=DEMO_SCHEMA,
                where=f"{describe_postgres(url)}, schema {DEMO_SCHEMA} (the demo's own)",
            )
        return HistoryStore(settings.history_database_url)
    if settings.demo_mode:
        url = _demo_database(embedded_postgres_url())
        return HistoryStore(url, where="the demo's embedded PostgreSQL (discarded at exit)")
    folder = history_folder(settings)
    url = Secret(persistent_postgres_url(folder))
    return HistoryStore(url, where=f"the embedded PostgreSQL in {folder}")


def _demo_database(server_url: str) -> Secret:
    """The URL of the ``vultr_history`` database on ``server_url``, created if missing."""
    try:
        with psycopg.connect(
            server_url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
        ) as conn:
            found = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DEMO_DATABASE,)
            ).fetchone()
            if found is None:
                # Another thread of this process may make it first.
                with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                    conn.execute(f"CREATE DATABASE {DEMO_DATABASE}")
    except psycopg.Error as error:
        raise postgres_error(error, server_url, "creating the demo history database") from None
    return Secret(make_conninfo(server_url, dbname=DEMO_DATABASE))
