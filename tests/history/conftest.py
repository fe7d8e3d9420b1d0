"""History stores on the session's real PostgreSQL: a schema (or a database) of each test's
own, dropped afterwards, so tests never see each other's history."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from tests.conftest import FIXED_NOW
from vultr_core.history.demo import replay_past
from vultr_core.history.store import HistoryStore
from vultr_core.redaction import Secret
from vultr_core.simulator import Simulator


def fresh_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def unmigrated_store(postgres_url: str) -> Iterator[HistoryStore]:
    """A store whose schema does not exist yet."""
    store = HistoryStore(Secret(postgres_url), schema=fresh_name("history_test"))
    yield store
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(store.schema))
        )


@pytest.fixture
def store(unmigrated_store: HistoryStore) -> HistoryStore:
    """A migrated, empty store."""
    unmigrated_store.migrate()
    return unmigrated_store


@pytest.fixture
def history_database_url(postgres_url: str) -> Iterator[str]:
    """A database of this test's own, for settings (``HISTORY_DATABASE_URL``) that always
    use the schema ``vultr_history`` (``vultr_history_demo`` in demo mode)."""
    name = fresh_name("history_db")
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield urlunsplit(urlsplit(postgres_url)._replace(path=f"/{name}"))
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="module")
def demo() -> Simulator:
    """The small demo organisation at the suite's fixed moment (mid-November 2026)."""
    return Simulator(size="small", now=FIXED_NOW)


@pytest.fixture
def replayed(store: HistoryStore, demo: Simulator) -> HistoryStore:
    """A store holding the demo organisation's 90 days."""
    replay_past(store, demo.organisation)
    return store
