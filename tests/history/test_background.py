"""The app's snapshot: started in a thread that the page never waits for, at most hourly."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from tests.conftest import FakeClock
from vultr_core.config import Settings
from vultr_core.history.background import last_background_snapshot, take_snapshot_in_background
from vultr_core.history.location import open_history
from vultr_core.history.snapshot import SnapshotOutcome, take_snapshot
from vultr_core.history.store import HistoryStore
from vultr_core.redaction import Secret

pytestmark = pytest.mark.servers
HOUR_OF_RECORD = datetime(2026, 11, 30, 23, tzinfo=UTC)


def test_the_call_returns_while_the_snapshot_is_still_running() -> None:
    settings = Settings.from_env({"VULTR_DEMO_SIZE": "empty", "ANOMALY_FACTOR": "1.91"})
    release, entered = threading.Event(), threading.Event()

    def slow_snapshot(current: Settings) -> SnapshotOutcome:
        entered.set()
        release.wait()
        return SnapshotOutcome("in_progress", datetime.now(UTC), "nowhere")

    thread = take_snapshot_in_background(settings, snapshot=slow_snapshot)
    assert thread is not None
    assert thread.daemon
    assert entered.wait(timeout=30)
    assert thread.is_alive()
    release.set()
    thread.join()
    done = last_background_snapshot(settings)
    assert done is not None
    assert done.outcome is not None
    assert done.outcome.where == "nowhere"


def test_at_most_one_snapshot_an_hour_per_process(history_database_url: str) -> None:
    settings = Settings.from_env({"HISTORY_DATABASE_URL": history_database_url})
    clock = FakeClock()
    first = take_snapshot_in_background(settings, clock=clock)
    assert first is not None
    first.join()
    assert take_snapshot_in_background(settings, clock=clock) is None
    clock.now += 3601
    later = take_snapshot_in_background(settings, clock=clock)
    assert later is not None
    later.join()
    done = last_background_snapshot(settings)
    assert done is not None
    assert done.error is None
    assert done.outcome is not None
    assert done.outcome.status == "already_taken"  # the same wall-clock hour
    with open_history(settings).connection("reading") as conn:
        live = conn.execute("SELECT count(*) AS n FROM snapshots WHERE source = 'api'").fetchone()
        past = conn.execute("SELECT count(*) AS n FROM snapshots WHERE source <> 'api'").fetchone()
    assert live == {"n": 1}
    assert past is not None
    assert past["n"] > 100


def test_a_store_that_is_down_is_reported_not_raised() -> None:
    settings = Settings.from_env(
        {"HISTORY_DATABASE_URL": "postgresql://x:pw-not-shown-12@127.0.0.1:1/h"}
    )
    thread = take_snapshot_in_background(settings)
    assert thread is not None
    thread.join()
    done = last_background_snapshot(settings)
    assert done is not None
    assert done.outcome is None
    assert done.error is not None
    assert "could not reach PostgreSQL at 127.0.0.1:1/h" in done.error
    assert "pw-not-shown" not in done.error


def test_the_demo_keeps_out_of_the_accounts_history_in_the_same_database(
    history_database_url: str,
) -> None:
    """An app started without its key (a secret left out) is in demo mode: its simulated past
    and snapshots go to a schema of their own, and the account's history is left as it was."""
    account = HistoryStore(Secret(history_database_url))
    account.migrate()
    with account.connection("writing the account's hour") as conn, conn.transaction():
        conn.execute(
            "INSERT INTO snapshots (hour, taken_at, pending_total_usd, resource_count) "
            "VALUES (%s, %s, 12.34, 3)",
            (HOUR_OF_RECORD, HOUR_OF_RECORD),
        )

    demo = Settings.from_env({"HISTORY_DATABASE_URL": history_database_url})
    outcome = take_snapshot(demo)

    assert outcome.where.endswith("schema vultr_history_demo (the demo's own)")
    with account.connection("reading the account's history") as conn:
        kept = conn.execute("SELECT hour, resource_count FROM snapshots").fetchall()
    assert kept == [{"hour": HOUR_OF_RECORD, "resource_count": 3}]
    with open_history(demo).connection("reading the demo's history") as conn:
        sources = conn.execute("SELECT DISTINCT source FROM snapshots ORDER BY 1").fetchall()
    assert [row["source"] for row in sources] == ["api", "demo-past"]


def test_take_snapshot_replays_the_demo_past_once(history_database_url: str) -> None:
    settings = Settings.from_env({"HISTORY_DATABASE_URL": history_database_url})
    first = take_snapshot(settings)
    assert first.status in ("taken", "already_taken")
    with open_history(settings).connection("reading") as conn:
        before = conn.execute("SELECT count(*) AS n FROM snapshots").fetchone()
    take_snapshot(settings)
    with open_history(settings).connection("reading") as conn:
        after = conn.execute("SELECT count(*) AS n FROM snapshots").fetchone()
    assert before == after
