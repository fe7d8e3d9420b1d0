"""Snapshots against the simulator: only changes become rows, one snapshot an hour however
many replicas try, and a store that is down says so in one line."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import psycopg
import pytest

from tests.cli_support import run_cli
from tests.conftest import FIXED_NOW, simulator_client
from vultr_core.api.errors import ConnectionError, ServerError
from vultr_core.config import Settings
from vultr_core.history.changes import find_changes
from vultr_core.history.migrations import lock_key
from vultr_core.history.snapshot import (
    ALREADY_TAKEN,
    IN_PROGRESS,
    TAKEN,
    SnapshotOutcome,
    observe,
    record_snapshot,
    take_snapshot,
)
from vultr_core.history.store import HistoryStore
from vultr_core.simulator import Simulator

pytestmark = pytest.mark.servers

DOWN_URL = "postgresql://history:hunter2-not-shown@127.0.0.1:1/history"


def snap(store: HistoryStore, simulator: Simulator, hours: float = 0) -> SnapshotOutcome:
    moment = FIXED_NOW + timedelta(hours=hours)
    with simulator_client(simulator) as client:
        return record_snapshot(store, lambda: observe(client, now=moment), now=moment)


def counts(store: HistoryStore) -> tuple[int, int]:
    with store.connection("counting") as conn:
        points = conn.execute("SELECT count(*) AS n FROM snapshots").fetchone()
        rows = conn.execute("SELECT count(*) AS n FROM resource_versions").fetchone()
    assert points is not None
    assert rows is not None
    return points["n"], rows["n"]


def test_the_first_snapshot_records_everything_and_calls_nothing_a_change(
    store: HistoryStore, simulator: Simulator
) -> None:
    outcome = snap(store, simulator)
    assert (outcome.status, outcome.changes) == (TAKEN, 0)
    assert outcome.pending_total_usd == simulator.organisation.account["pending_charges"]
    assert counts(store) == (1, outcome.resources)
    with store.connection("reading") as conn:
        assert find_changes(conn, since=FIXED_NOW - timedelta(days=1), until=FIXED_NOW.max) == []


def test_a_second_snapshot_in_the_hour_does_nothing_and_asks_vultr_nothing(
    store: HistoryStore, simulator: Simulator
) -> None:
    first = snap(store, simulator)
    simulator.clear_log()
    again = snap(store, simulator, hours=0.5)
    assert (again.status, again.taken_at) == (ALREADY_TAKEN, first.taken_at)
    assert simulator.request_log == []
    assert "already taken at 2026-11-17 12:00 UTC" in again.sentence()


def test_of_replicas_snapshotting_at_once_exactly_one_writes(
    store: HistoryStore, simulator: Simulator
) -> None:
    outcomes: list[SnapshotOutcome] = []
    start = threading.Barrier(4)

    def replica() -> None:
        start.wait()
        outcomes.append(snap(store, simulator))

    threads = [threading.Thread(target=replica) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(outcome.status for outcome in outcomes)
    assert statuses.count(TAKEN) == 1
    assert set(statuses) <= {TAKEN, IN_PROGRESS, ALREADY_TAKEN}
    assert counts(store)[0] == 1


def test_a_snapshot_in_progress_elsewhere_makes_this_one_step_aside(
    store: HistoryStore, simulator: Simulator, postgres_url: str
) -> None:
    with psycopg.connect(postgres_url) as other:
        other.execute("SELECT pg_advisory_lock(%s)", (lock_key(store.schema, "snapshot"),))
        outcome = snap(store, simulator)
    assert outcome.status == IN_PROGRESS
    assert outcome.sentence().startswith("Another snapshot is being taken right now")
    assert simulator.request_log == []
    assert counts(store) == (0, 0)


def test_only_what_changed_between_snapshots_becomes_rows(
    store: HistoryStore, simulator: Simulator
) -> None:
    first = snap(store, simulator)
    org = simulator.organisation
    running = [i for i in org.instances if i["power_status"] == "running" and "vc2" in i["plan"]]
    resized, retagged, stopped, gone, model = running[:5]
    plans = {plan["id"]: plan["monthly_cost"] for plan in org.plans}
    old_price = plans[resized["plan"]]
    # The served objects change in place; an instance is destroyed and another created.
    resized["plan"] = "vc2-4c-8gb"
    retagged["tags"] = ["team:finance"]
    stopped["power_status"] = "stopped"
    later = FIXED_NOW + timedelta(hours=1)
    with simulator_client(simulator) as client:
        seen = observe(client, now=later)
    states = {rid: state for rid, state in seen.states.items() if rid != gone["id"]}
    states["new-1"] = replace(states[model["id"]], resource_id="new-1", label="fresh-box")
    second = record_snapshot(store, lambda: replace(seen, states=states), now=later)

    with store.connection("reading") as conn:
        changes = find_changes(conn, since=FIXED_NOW, until=later + timedelta(hours=1))
    found = {(c.kind, c.state.label, round(c.run_rate_change_usd, 2)) for c in changes}
    assert found == {
        ("resized", resized["label"], round(40 - old_price, 2)),
        ("retagged", retagged["label"], 0.0),
        ("stopped", stopped["label"], 0.0),
        ("destroyed", gone["label"], -plans[gone["plan"]]),
        ("created", "fresh-box", plans[model["plan"]]),
    }
    assert {c.at for c in changes} == {later}
    assert second.changes == 5
    # Unchanged resources cost nothing: a new row per change but the destruction.
    assert counts(store) == (2, first.resources + 4)


def test_a_failed_vultr_request_writes_nothing(store: HistoryStore, simulator: Simulator) -> None:
    simulator.set_faults(status_code=500, path_prefix="/v2/blocks")
    with pytest.raises(ServerError):
        snap(store, simulator)
    assert counts(store) == (0, 0)


def test_a_store_that_is_down_fails_the_snapshot_with_one_clear_line() -> None:
    settings = Settings.from_env({"HISTORY_DATABASE_URL": DOWN_URL})
    with pytest.raises(ConnectionError) as caught:
        take_snapshot(settings)
    assert "could not reach PostgreSQL at 127.0.0.1:1/history" in str(caught.value)

    code, out, err = run_cli("snapshot", environ={"HISTORY_DATABASE_URL": DOWN_URL})
    assert (code, out) == (1, "")
    notice, failure = err.splitlines()
    assert notice.startswith("Demo mode: a simulated Vultr organisation")
    assert failure.startswith("error: could not reach PostgreSQL at 127.0.0.1:1/history")
    assert "hunter2" not in err
