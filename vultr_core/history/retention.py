"""Retention: every hour for 14 days, then the last snapshot of each UTC day, 400 days in all.

Daily spend is the growth of the pending charges from one day's last snapshot to the next
(``spend``), so keeping each day's last snapshot loses no daily figure. Resource rows are
changes, not copies: they go only once they closed more than 400 days ago.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from vultr_core.history.store import Connection

HOURLY_DAYS = 14
KEEP_DAYS = 400


@dataclass(frozen=True)
class Compaction:
    """How many rows a compaction removed."""

    thinned_points: int
    expired_points: int
    expired_versions: int
    expired_alerts: int


def compact(
    conn: Connection,
    now: datetime,
    *,
    hourly_days: int = HOURLY_DAYS,
    keep_days: int = KEEP_DAYS,
) -> Compaction:
    """Thin snapshots older than ``hourly_days`` to one a day, and drop what is older than
    ``keep_days``; in one transaction."""
    hourly_since = now - timedelta(days=hourly_days)
    keep_since = now - timedelta(days=keep_days)
    with conn.transaction():
        expired = conn.execute("DELETE FROM snapshots WHERE hour < %s", (keep_since,)).rowcount
        thinned = conn.execute(
            "DELETE FROM snapshots WHERE hour IN ("
            " SELECT hour FROM (SELECT hour, row_number() OVER ("
            "  PARTITION BY (taken_at AT TIME ZONE 'UTC')::date ORDER BY taken_at DESC) AS rank"
            "  FROM snapshots WHERE hour < %s) AS ranked"
            " WHERE rank > 1)",
            (hourly_since,),
        ).rowcount
        versions = conn.execute(
            "DELETE FROM resource_versions WHERE valid_to < %s", (keep_since,)
        ).rowcount
        alerts = conn.execute(
            "DELETE FROM alerts_sent WHERE day < %s", (keep_since.date(),)
        ).rowcount
    return Compaction(thinned, expired, versions, alerts)
