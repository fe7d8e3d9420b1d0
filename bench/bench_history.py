"""Spend history at ``large`` (2,000 instances, 200 databases): snapshot time, store size over
a generated year, and the history queries, each against a baseline measured in the same run.

1. Snapshot: ``record_snapshot`` (fetch, price, diff, write) against fetching and pricing
   the inventory alone (what the Overview does anyway); and its write alone against writing
   a full copy of every resource, as a store of copies would every hour.
2. Store size: the simulator's past replayed over 365 days, plus busy churn (``--churn``
   instances stopped, started or retagged every day), compacted as retention keeps it; against
   full copies for every snapshot retention keeps (14 days hourly, then daily), extrapolated
   to 400 days from one copy's measured size.
3. Queries on that year (target ≤ 300 ms each): ``changes --since 30d``, the Overview's daily
   spend (30 days), what changed this week, month over month by tag; each against the same
   query with index scans switched off (a full-table scan of the same data).

PostgreSQL is the embedded server or TEST_DATABASE_URL.

    uv run python bench/bench_history.py [--repeats 7] [--churn 100] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql

from tests.conftest import simulator_client
from vultr_core.config import DEFAULT_ANOMALY_FACTOR
from vultr_core.health.embedded import embedded_postgres_url
from vultr_core.history.anomalies import load_anomalies
from vultr_core.history.budget_setting import parse_budgets
from vultr_core.history.budgets import forecast_budgets
from vultr_core.history.changes import changes_frame, find_changes
from vultr_core.history.demo import replay_past
from vultr_core.history.snapshot import observe, record_snapshot, write_observation
from vultr_core.history.spend import load_daily_spend, monthly_by_tag
from vultr_core.history.store import Connection, HistoryStore
from vultr_core.history.writer import Diff, apply_diff, open_states
from vultr_core.redaction import Secret
from vultr_core.simulator import Simulator
from vultr_core.spend.costs import resource_costs
from vultr_core.spend.data import fetch_inventory

YEAR_DAYS = 365
RETENTION_DAYS = 400
KEPT_SNAPSHOTS = 14 * 24 + (RETENTION_DAYS - 14)
MB = 1024 * 1024


def median_s(call: Callable[[], object], repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def fresh_store(url: str) -> HistoryStore:
    store = HistoryStore(Secret(url), schema=f"bench_{uuid.uuid4().hex[:8]}")
    store.migrate()
    return store


def drop(store: HistoryStore, url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(store.schema)))


def schema_bytes(conn: Connection, schema: str) -> int:
    row = conn.execute(
        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) AS size FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
        (schema,),
    ).fetchone()
    return int(row["size"]) if row else 0


def snapshot_figures(url: str, simulator: Simulator, repeats: int) -> dict[str, float]:
    now = simulator.organisation.now
    with simulator_client(simulator) as client:
        fetch_s = median_s(lambda: resource_costs(fetch_inventory(client), now=now), repeats)
        seen = observe(client, now=now)
        snapshot_runs, write_runs, copy_runs = [], [], []
        for _ in range(repeats):
            store = fresh_store(url)
            record_snapshot(store, lambda: seen, now=now)  # the first look: everything new
            later = now + timedelta(hours=1)
            started = time.perf_counter()
            record_snapshot(store, lambda later=later: observe(client, now=later), now=later)
            snapshot_runs.append(time.perf_counter() - started)
            with store.connection("bench") as conn, conn.transaction():
                started = time.perf_counter()
                write_observation(
                    conn, replace(seen, taken_at=now + 2 * timedelta(hours=1)),
                    hour=now + 2 * timedelta(hours=1),
                )  # fmt: skip
                write_runs.append(time.perf_counter() - started)
                started = time.perf_counter()
                _write_full_copy(conn, seen.states, now + 3 * timedelta(hours=1))
                copy_runs.append(time.perf_counter() - started)
            drop(store, url)
    snapshot_s, write_s = statistics.median(snapshot_runs), statistics.median(write_runs)
    copy_s = statistics.median(copy_runs)
    return {
        "resources": len(seen.states),
        "fetch_and_price_s": fetch_s,
        "snapshot_s": snapshot_s,
        "snapshot_vs_fetch": snapshot_s / fetch_s,
        "write_unchanged_s": write_s,
        "write_full_copy_s": copy_s,
        "write_vs_full_copy": write_s / copy_s,
    }


def _write_full_copy(conn: Connection, states: Any, at: datetime) -> None:
    """What a store of copies writes every hour: every resource, changed or not."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS full_copy (LIKE resource_versions)")
    with (
        conn.cursor() as cur,
        cur.copy(
            "COPY full_copy (resource_id, valid_from, began, category, label, region, plan, "
            "status, power, tags, monthly_usd, cap_hours, priced, created_at) FROM STDIN"
        ) as copy,
    ):
        for s in states.values():
            copy.write_row((s.resource_id, at, "baseline", s.category, s.label, s.region, s.plan,
                            s.status, s.power, list(s.tags), s.monthly_usd, s.cap_hours,
                            s.priced, s.created_at))  # fmt: skip


def busy_year(url: str, simulator: Simulator, churn: int) -> tuple[HistoryStore, dict[str, float]]:
    """A year of the large organisation's past, with ``churn`` daily changes on top."""
    store = fresh_store(url)
    started = time.perf_counter()
    replay = replay_past(store, simulator.organisation, days=YEAR_DAYS)
    replay_s = time.perf_counter() - started
    now = simulator.organisation.now
    rng = random.Random(7)
    with store.connection("churning") as conn, conn.transaction():
        current = open_states(conn)
        instances = sorted(rid for rid, s in current.items() if s.power)
        for day in range(YEAR_DAYS, 0, -1):
            at = now - timedelta(days=day, hours=-12)
            changed = []
            for rid in rng.sample(instances, churn):
                before = current[rid]
                after = (
                    replace(before, power="stopped" if before.power == "running" else "running")
                    if rng.random() < 0.5
                    else replace(before, tags=(*before.tags[:1], f"team:{rng.randint(1, 9)}"))
                )
                changed.append((before, after))
            apply_diff(conn, at, Diff(changed=tuple(changed)), current=current)
    with store.connection("measuring") as conn:
        conn.execute("ANALYZE")
        size = schema_bytes(conn, store.schema)
        versions = conn.execute("SELECT count(*) AS n FROM resource_versions").fetchone()
        points = conn.execute("SELECT count(*) AS n FROM snapshots").fetchone()
        conn.execute("CREATE TEMP TABLE one_copy (LIKE resource_versions)")
        conn.execute("INSERT INTO one_copy SELECT * FROM resource_versions WHERE valid_to IS NULL")
        one_copy = conn.execute("SELECT pg_total_relation_size('one_copy') AS size").fetchone()
    assert versions
    assert points
    assert one_copy
    full_copies = one_copy["size"] * KEPT_SNAPSHOTS
    return store, {
        "replay_year_s": replay_s,
        "replayed_changes": replay.changes,
        "churn_changes": churn * YEAR_DAYS,
        "rows": versions["n"],
        "snapshots_kept": points["n"],
        "store_year_mb": size / MB,
        # Changes grow with time, retained snapshots do not: scaling all of it is an upper bound.
        "store_400_days_mb": size * RETENTION_DAYS / YEAR_DAYS / MB,
        "full_copies_400_days_mb": full_copies / MB,
        "store_vs_full_copies": size / full_copies,
    }


# A team's budgets as the README shows them: the whole account, a tag and a category.
OVERVIEW_BUDGETS = parse_budgets("total=50000; tag:team:data=12000; category:compute=30000")


def query_figures(store: HistoryStore, now: datetime, repeats: int) -> dict[str, float]:
    queries: dict[str, Callable[[Connection], object]] = {
        "changes_30d": lambda conn: changes_frame(
            find_changes(conn, since=now - timedelta(days=30), until=now)
        ),
        "daily_spend_30d": lambda conn: load_daily_spend(
            conn, since=now - timedelta(days=30), now=now
        ),
        "changes_this_week": lambda conn: find_changes(
            conn, since=now - timedelta(days=7), until=now
        ),
        "monthly_by_tag_6m": lambda conn: monthly_by_tag(
            conn, since=now - timedelta(days=183), now=now
        ),
        "anomalies_30d": lambda conn: load_anomalies(
            conn, since=now - timedelta(days=30), now=now, factor=DEFAULT_ANOMALY_FACTOR
        ),
        "budgets": lambda conn: forecast_budgets(conn, OVERVIEW_BUDGETS, now=now),
    }
    figures: dict[str, float] = {}
    with store.connection("querying") as conn:
        for name, query in queries.items():
            query(conn)  # warm the cache
            indexed, scanned = [], []
            # Interleaved, so a busy moment of the machine hits both sides alike.
            for _ in range(repeats):
                indexed.append(median_s(lambda q=query: q(conn), 1))
                _index_scans(conn, "off")
                scanned.append(median_s(lambda q=query: q(conn), 1))
                _index_scans(conn, "on")
            figures[f"{name}_ms"] = statistics.median(indexed) * 1000
            figures[f"{name}_best_ms"] = min(indexed) * 1000
            figures[f"{name}_full_scan_ms"] = statistics.median(scanned) * 1000
            figures[f"{name}_vs_full_scan"] = statistics.median(indexed) / statistics.median(
                scanned
            )
    return figures


def _index_scans(conn: Connection, state: str) -> None:
    """Switch the planner's index scans off (a full-table scan of the same data) or on."""
    for setting in ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan"):
        conn.execute(sql.SQL("SET {} = {}").format(sql.Identifier(setting), sql.SQL(state)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--churn", type=int, default=100, help="extra daily changes")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("TEST_DATABASE_URL") or embedded_postgres_url()
    simulator = Simulator(size="large", now=datetime.now(UTC).replace(microsecond=0))
    figures: dict[str, float] = {}
    figures |= snapshot_figures(url, simulator, max(3, args.repeats // 2))
    store, year = busy_year(url, simulator, args.churn)
    figures |= year
    try:
        figures |= query_figures(store, simulator.organisation.now, args.repeats)
    finally:
        drop(store, url)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for name, value in figures.items():
        print(f"{name:32} {value:,.3f}" if isinstance(value, float) else f"{name:32} {value:,}")


if __name__ == "__main__":
    main()
