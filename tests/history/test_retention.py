"""Retention: hourly for 14 days, the last snapshot of each day after that, 400 days in all,
and not one daily figure lost by the thinning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vultr_core.history.records import ResourceState
from vultr_core.history.retention import compact
from vultr_core.history.spend import load_daily_spend
from vultr_core.history.store import HistoryStore
from vultr_core.history.writer import Diff, apply_diff, write_point

pytestmark = pytest.mark.servers

NOW = datetime(2026, 11, 17, 12, 30, tzinfo=UTC)
HOUR = timedelta(hours=1)
USD_PER_HOUR = 2.5


def pending(moment: datetime) -> float:
    """A month to date that grows by $2.50 an hour started."""
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return round(((moment - start) // HOUR + 1) * USD_PER_HOUR, 2)


def fill(store: HistoryStore, moments: list[datetime]) -> None:
    with store.connection("filling") as conn:
        for moment in moments:
            write_point(
                conn,
                hour=moment.replace(minute=0),
                taken_at=moment,
                pending_total_usd=pending(moment),
                resource_count=1,
                categories={"Compute": pending(moment)},
            )


def state(resource_id: str) -> ResourceState:
    return ResourceState(resource_id, "Compute", resource_id, "ewr", "vc2-1c-1gb", "active",
                         "running", (), 5.0, 672, True)  # fmt: skip


def hours_of(store: HistoryStore) -> list[datetime]:
    with store.connection("reading") as conn:
        return [
            row["taken_at"] for row in conn.execute("SELECT taken_at FROM snapshots ORDER BY 1")
        ]


def test_old_hours_thin_to_each_days_last_and_the_oldest_go(store: HistoryStore) -> None:
    recent = [NOW - n * HOUR - timedelta(minutes=25) for n in range(40 * 24)]
    ancient = [NOW - timedelta(days=420, minutes=n) for n in (0, 60)]
    fill(store, sorted(recent + ancient))
    with store.connection("versions") as conn:
        long_gone = NOW - timedelta(days=450)
        apply_diff(conn, long_gone, Diff(created=(state("old"), state("kept"))), baseline=True)
        apply_diff(conn, long_gone + HOUR, Diff(destroyed=(state("old"),)))

    with store.connection("compacting") as conn:
        removed = compact(conn, NOW)

    kept = hours_of(store)
    cutoff = NOW - timedelta(days=14)
    assert [m for m in kept if m >= cutoff] == sorted(m for m in recent if m >= cutoff)
    older = [m for m in kept if m < cutoff]
    assert len({m.date() for m in older}) == len(older)
    assert all(m.hour == 23 or m.date() == cutoff.date() for m in older)
    assert min(kept) > NOW - timedelta(days=400)
    assert removed.expired_points == 2
    assert removed.expired_versions == 1
    with store.connection("versions") as conn:
        ids = [r["resource_id"] for r in conn.execute("SELECT resource_id FROM resource_versions")]
    assert ids == ["kept"]


def test_thinning_loses_no_daily_figure(store: HistoryStore) -> None:
    moments = [NOW - n * HOUR - timedelta(minutes=25) for n in range(40 * 24)]
    fill(store, sorted(moments))
    since = NOW - timedelta(days=38)
    with store.connection("before") as conn:
        before = load_daily_spend(conn, since=since, now=NOW).totals
        compact(conn, NOW)
        after = load_daily_spend(conn, since=since, now=NOW).totals
    assert len(hours_of(store)) < len(moments) / 2
    assert after.equals(before)
    full_days = before[~before["partial"] & ~before["estimated"]]
    # Every whole day: 24 hours at $2.50, the month boundary included.
    assert set(full_days["spend_usd"]) == {60.0}
