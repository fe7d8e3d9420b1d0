"""Anomalies: days whose spend ran well above the days before, and what changed around them.

A day is an anomaly when its spend exceeds ``factor`` times the median of the 14 days before it
(``ANOMALY_FACTOR``, 1.5 unless set). A median rather than a mean, so one earlier spike does
not hide the next; at least 7 earlier days, so a store a few days old flags nothing. The last
days of a long month cost less (Vultr's monthly caps), which a median of two weeks absorbs.
The explanation: that day's changes, then the week before's run-rate increases.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

from vultr_core.config import DEFAULT_ANOMALY_FACTOR
from vultr_core.formatting import format_usd
from vultr_core.history.changes import CREATED, DESTROYED, Change, find_changes
from vultr_core.history.spend import load_daily_spend
from vultr_core.history.store import Connection

TRAILING_DAYS = 14
MIN_TRAILING_DAYS = 7
MIN_EXCESS_USD = 1.0
"""Below this a rise is noise, whatever its ratio (a $0.40 day after $0.20 days)."""
EXPLAIN_DAYS = 7
MAX_EXPLANATIONS = 5


@dataclass(frozen=True)
class Anomaly:
    day: date
    spend_usd: float
    median_usd: float
    explained_by: tuple[Change, ...]

    @property
    def ratio(self) -> float:
        return self.spend_usd / self.median_usd

    def sentence(self) -> str:
        reasons = (
            f" Around it: {'; '.join(c.sentence() for c in self.explained_by)}."
            if self.explained_by
            else " No resource changed around it: usage-based charges (bandwidth, inference) rose."
        )
        return (
            f"{self.day.day} {self.day:%b %Y}: spend was {format_usd(self.spend_usd)}, "
            f"{self.ratio:.1f}× the {format_usd(self.median_usd)} median of the "
            f"{TRAILING_DAYS} days before.{reasons}"
        )


def find_anomalies(
    daily: pd.DataFrame,
    changes: Sequence[Change],
    *,
    factor: float = DEFAULT_ANOMALY_FACTOR,
) -> list[Anomaly]:
    """Anomalous days among ``daily`` (``DailySpend.totals``), each with its explanation."""
    if daily.empty:
        return []
    complete = daily[~daily["partial"].astype(bool)]
    spend = dict(zip(complete["day"], complete["spend_usd"], strict=True))
    found = []
    for day, usd in spend.items():
        before = [
            spend[earlier]
            for back in range(1, TRAILING_DAYS + 1)
            if (earlier := day - timedelta(days=back)) in spend
        ]
        if len(before) < MIN_TRAILING_DAYS:
            continue
        median = statistics.median(before)
        if median > 0 and usd > factor * median and usd - median >= MIN_EXCESS_USD:
            found.append(Anomaly(day, float(usd), float(median), explain(day, changes)))
    return found


def explain(day: date, changes: Sequence[Change]) -> tuple[Change, ...]:
    """That day's changes that touched the run-rate (largest first), then the increases of
    the week before (largest first)."""
    same_day = [
        c
        for c in changes
        if c.at.date() == day and (c.run_rate_change_usd or c.kind in (CREATED, DESTROYED))
    ]
    week = [
        c
        for c in changes
        if day - timedelta(days=EXPLAIN_DAYS) <= c.at.date() < day and c.run_rate_change_usd > 0
    ]
    same_day.sort(key=lambda c: -abs(c.run_rate_change_usd))
    week.sort(key=lambda c: -c.run_rate_change_usd)
    return tuple([*same_day, *week][:MAX_EXPLANATIONS])


def load_anomalies(
    conn: Connection, *, since: datetime, now: datetime, factor: float
) -> list[Anomaly]:
    """Anomalies on the days from ``since`` to ``now``."""
    daily = load_daily_spend(conn, since=since - timedelta(days=TRAILING_DAYS), now=now)
    changes = find_changes(conn, since=since - timedelta(days=EXPLAIN_DAYS), until=now)
    return [
        anomaly
        for anomaly in find_anomalies(daily.totals, changes, factor=factor)
        if anomaly.day >= since.date()
    ]
