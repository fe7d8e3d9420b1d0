"""Migrations: from an empty database and from every earlier version, once under concurrency,
and a store that does not match this release refused."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import psycopg
import pytest
from psycopg import sql

from vultr_core.api.errors import ServiceError
from vultr_core.history.migrations import VERSION_TABLE, available_migrations, schema_version
from vultr_core.history.store import HistoryStore
from vultr_core.redaction import Secret

pytestmark = pytest.mark.servers

NEWEST = available_migrations()[-1].version
TABLES = {"snapshots", "snapshot_categories", "resource_versions", "invoices", "alerts_sent",
          "waste_seen", VERSION_TABLE}  # fmt: skip
MOMENT = datetime(2026, 11, 1, 9, 5, tzinfo=UTC)
# A row for each table, written at the version that creates it.
ROWS_BY_VERSION = {
    1: [
        "INSERT INTO snapshots VALUES ('2026-11-01 09:00+00', '2026-11-01 09:05+00', 12.5, 3)",
        "INSERT INTO snapshot_categories VALUES ('2026-11-01 09:00+00', 'Compute', 10)",
    ],
    2: [
        "INSERT INTO resource_versions (resource_id, valid_from, began, category, label, region, "
        "plan, status, power, tags, monthly_usd, cap_hours, priced) VALUES ('i-1', "
        "'2026-11-01 09:05+00', 'baseline', 'Compute', 'web-1', 'ewr', 'vc2-1c-1gb', 'active', "
        "'running', '{prod}', 5, 672, true)"
    ],
    3: ["INSERT INTO invoices VALUES ('2026-10-01', 2500.5, '9000001', now())"],
    4: [
        "INSERT INTO alerts_sent VALUES ('down:valkey', '2026-11-01', now(), NULL, 'down')",
        "INSERT INTO waste_seen VALUES ('i-1', 'Stopped instance', now())",
    ],
}


def tables(store: HistoryStore) -> set[str]:
    with store.connection("listing tables") as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (store.schema,)
        ).fetchall()
    return {row["tablename"] for row in rows}


def test_the_migrations_are_numbered_without_gaps() -> None:
    versions = [migration.version for migration in available_migrations()]
    assert versions == list(range(1, len(versions) + 1))


def test_an_empty_database_is_migrated_to_the_newest_version(
    unmigrated_store: HistoryStore,
) -> None:
    assert unmigrated_store.migrate() == list(range(1, NEWEST + 1))
    assert tables(unmigrated_store) == TABLES
    with unmigrated_store.connection("reading the version") as conn:
        assert schema_version(conn, unmigrated_store.schema) == NEWEST
    assert unmigrated_store.migrate() == []


@pytest.mark.parametrize("start", range(1, NEWEST))
def test_a_store_at_an_earlier_version_keeps_its_rows_when_migrated(
    unmigrated_store: HistoryStore, start: int
) -> None:
    unmigrated_store.migrate(target=start)
    with unmigrated_store.connection("writing rows") as conn:
        for version in range(1, start + 1):
            for statement in ROWS_BY_VERSION[version]:
                conn.execute(statement.encode())
    assert unmigrated_store.migrate() == list(range(start + 1, NEWEST + 1))
    with unmigrated_store.connection("reading rows") as conn:
        assert schema_version(conn, unmigrated_store.schema) == NEWEST
        point = conn.execute("SELECT pending_total_usd, source FROM snapshots").fetchone()
        assert point is not None
        assert (float(point["pending_total_usd"]), point["source"]) == (12.5, "api")
        if start >= 2:
            row = conn.execute("SELECT label, ended FROM resource_versions").fetchone()
            assert row == {"label": "web-1", "ended": None}
        if start >= 3:
            invoice = conn.execute("SELECT amount_usd FROM invoices").fetchone()
            assert invoice is not None
            assert float(invoice["amount_usd"]) == 2500.5


def test_replicas_starting_together_migrate_once(unmigrated_store: HistoryStore) -> None:
    applied: list[list[int]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def replica() -> None:
        start.wait()
        try:
            applied.append(unmigrated_store.migrate())
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=replica) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(applied, key=len) == [[], [], [], list(range(1, NEWEST + 1))]


def test_a_migration_changed_after_it_was_applied_is_refused(store: HistoryStore) -> None:
    with store.connection("tampering") as conn:
        conn.execute(f"UPDATE {VERSION_TABLE} SET checksum = 'edited' WHERE version = 1")
    with pytest.raises(ServiceError, match=r"migration 1 .* was changed after it was applied"):
        store.migrate()


def test_a_store_migrated_by_a_newer_release_is_refused(store: HistoryStore) -> None:
    with store.connection("pretending to be newer") as conn:
        conn.execute(
            sql.SQL("INSERT INTO {} (version, name, checksum) VALUES (%s, 'later', 'x')").format(
                sql.Identifier(VERSION_TABLE)
            ),
            (NEWEST + 1,),
        )
    with pytest.raises(ServiceError, match=f"version {NEWEST + 1}, newer than this release"):
        store.migrate()


def test_a_database_shared_with_the_team_keeps_its_own_tables(history_database_url: str) -> None:
    """HISTORY_DATABASE_URL may be DATABASE_URL: a team table named like ours is untouched,
    and ours live in the store's schema."""
    with psycopg.connect(history_database_url) as conn:
        conn.execute("CREATE TABLE public.snapshots (id serial PRIMARY KEY, note text)")
        conn.execute("INSERT INTO public.snapshots (note) VALUES ('the team''s own')")
    store = HistoryStore(Secret(history_database_url))
    assert store.migrate() == list(range(1, NEWEST + 1))
    with psycopg.connect(history_database_url) as conn:
        assert conn.execute("SELECT note FROM public.snapshots").fetchall() == [("the team's own",)]
        ours = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'vultr_history'"
        ).fetchone()
    assert ours == (len(TABLES),)
